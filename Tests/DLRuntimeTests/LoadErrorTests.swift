import Testing
import DLCore
import _TestSupport
@testable import DLRuntime

@Suite struct LoadErrorTests {
    func expectError(_ code: DLErrorCode, containing text: String, _ body: () throws -> Void) {
        let error = #expect(throws: DLError.self) { try body() }
        #expect(error?.code == code)
        #expect(error?.message.contains(text) == true, "message: \(error?.message ?? "none")")
    }

    @Test func wrongInputShapeAndDType() throws {
        let mlp = TestModels.MLP([8, 4])
        let session = try Session(model: try mlp.model())
        let dims: [Int64] = [2, 7]
        let data = [Float](repeating: 0, count: 14)
        expectError(.shapeMismatch, containing: "[2, 7]") {
            try data.withUnsafeBytes { try session.setInput(0, data: $0.baseAddress, byteCount: $0.count, dtype: .float32, rank: 2, dims: dims) }
        }
        expectError(.dtypeMismatch, containing: "i32") {
            try data.withUnsafeBytes { try session.setInput(0, data: $0.baseAddress, byteCount: $0.count, dtype: .int32, rank: 2, dims: dims) }
        }
        expectError(.shapeMismatch, containing: "rank 1") {
            try data.withUnsafeBytes { try session.setInput(0, data: $0.baseAddress, byteCount: $0.count, dtype: .float32, rank: 1, dims: dims) }
        }
        expectError(.invalidArgument, containing: "input index 3") {
            try session.setInput(3, data: nil, byteCount: 0, dtype: .float32, rank: 2, dims: dims)
        }
    }

    @Test func smallBuffersAndUnboundOutputs() throws {
        let mlp = TestModels.MLP([8, 4])
        let session = try Session(model: try mlp.model())
        let dims: [Int64] = [2, 8]
        let x = [Float](repeating: 1, count: 16)
        var y = [Float](repeating: 0, count: 8)
        try x.withUnsafeBytes { try session.setInput(0, data: $0.baseAddress, byteCount: $0.count - 4, dtype: .float32, rank: 2, dims: dims) }
        try y.withUnsafeMutableBytes { try session.setOutput(0, data: $0.baseAddress, byteCount: $0.count) }
        expectError(.bufferTooSmall, containing: "needs 64 bytes") { try session.run() }
        try x.withUnsafeBytes { try session.setInput(0, data: $0.baseAddress, byteCount: $0.count, dtype: .float32, rank: 2, dims: dims) }
        expectError(.nullPointer, containing: "output 0 'y' is not set") { try session.run() }
        try x.withUnsafeBytes { try session.setInput(0, data: $0.baseAddress, byteCount: $0.count, dtype: .float32, rank: 2, dims: dims) }
        try y.withUnsafeMutableBytes { try session.setOutput(0, data: $0.baseAddress, byteCount: 16) }
        expectError(.bufferTooSmall, containing: "output 0 'y' f32[2, 4] needs 32 bytes") { try session.run() }
    }

    @Test func unsupportedDTypeCombinationFailsAtLoad() {
        var mlp = TestModels.MLP([4, 2])
        let wi = mlp.graph.tensorIndex(named: "w0")!
        mlp.graph.tensors[wi].dtype = .int32
        expectError(.unsupportedDType, containing: "dense0") { _ = try mlp.model() }
    }

    @Test func constantWithWrongByteCount() {
        var mlp = TestModels.MLP([4, 2])
        mlp.constants[mlp.graph.tensorIndex(named: "b0")!] = [0, 0, 0]
        expectError(.invalidModel, containing: "'b0' f32[2] needs 8 bytes, found 3") { _ = try mlp.model() }
    }

    @Test func nodesOutOfOrderAreRejected() {
        var mlp = TestModels.MLP([4, 4, 2])
        mlp.graph.nodes.swapAt(0, 1)
        expectError(.invalidModel, containing: "before any node writes it") { _ = try mlp.model() }
    }

    @Test func memoryPlannerNeverOverlapsLiveBuffers() {
        var g = SeededGenerator(seed: 42)
        for _ in 0..<50 {
            let buffers = (0..<20).map { _ -> MemoryPlanner.Buffer in
                let first = Int.random(in: 0..<30, using: &g)
                return MemoryPlanner.Buffer(bytes: Int.random(in: 1...5000, using: &g), first: first,
                                            last: first + Int.random(in: 0..<8, using: &g))
            }
            let (offsets, size) = MemoryPlanner.place(buffers)
            for i in buffers.indices {
                #expect(offsets[i] % MemoryPlanner.alignment == 0 && offsets[i] + buffers[i].bytes <= size)
                for j in buffers.indices where j > i {
                    let live = buffers[i].first <= buffers[j].last && buffers[j].first <= buffers[i].last
                    let disjoint = offsets[i] + buffers[i].bytes <= offsets[j] || offsets[j] + buffers[j].bytes <= offsets[i]
                    #expect(!live || disjoint)
                }
            }
        }
    }
}
