import Testing
import DLCore
@testable import DLRuntime
import _TestSupport

@Suite struct SessionTests {
    @Test(arguments: [1, 3, 64])
    func mlpMatchesReference(batch: Int) throws {
        let mlp = TestModels.MLP([64, 128, 64, 10])
        let session = try Session(model: try mlp.model())
        let x = TestModels.randomFloats(batch * 64, seed: 99)
        let y = try session.run([x], shapes: [Shape([batch, 64])])
        #expect(session.outputType(0) == TensorType(.float32, Shape([batch, 10])))
        #expect(allClose(y[0], mlp.reference(x, batch: batch), rtol: 1e-4, atol: 1e-5))
    }

    @Test func twoThreadsAgreeWithOne() throws {
        let mlp = TestModels.MLP([256, 256, 64], seed: 3)
        let x = TestModels.randomFloats(32 * 256, seed: 4)
        let one = try Session(model: try mlp.model()).run([x], shapes: [Shape([32, 256])])
        let two = try Session(model: try mlp.model(), options: SessionOptions(threads: 2)).run([x], shapes: [Shape([32, 256])])
        #expect(allClose(two[0], one[0], rtol: 1e-5, atol: 1e-5))
        #expect(allClose(one[0], mlp.reference(x, batch: 32), rtol: 1e-4, atol: 1e-4))
    }

    @Test func batchChangesReplanAndBackGiveSameResults() throws {
        let mlp = TestModels.MLP([8, 16, 4])
        let session = try Session(model: try mlp.model(), options: SessionOptions(batchSize: 2))
        let x2 = TestModels.randomFloats(16, seed: 5), x5 = TestModels.randomFloats(40, seed: 6)
        let a = try session.run([x2], shapes: [Shape([2, 8])])
        let b = try session.run([x5], shapes: [Shape([5, 8])])
        let c = try session.run([x2], shapes: [Shape([2, 8])])
        #expect(a == c)
        #expect(allClose(b[0], mlp.reference(x5, batch: 5), rtol: 1e-4, atol: 1e-5))
    }

    @Test func intermediateBuffersAreReused() throws {
        // A chain of 6 layers of width 256: at most two intermediates are alive at once.
        let mlp = TestModels.MLP([256, 256, 256, 256, 256, 256, 256])
        let session = try Session(model: try mlp.model(), options: SessionOptions(batchSize: 4))
        let oneActivation = 4 * 256 * 4
        #expect(session.arenaBytesUsed == 2 * oneActivation)
    }

    @Test func callerArenaSessionMatchesHeapSession() throws {
        let mlp = TestModels.MLP([32, 64, 8])
        let model = try mlp.model()
        let size = try Session.arenaSize(model: model, options: SessionOptions(batchSize: 3))
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { arena.deallocate() }
        let tooSmall = UnsafeMutableRawBufferPointer(rebasing: arena[0..<(size - 65)])
        let small = #expect(throws: DLError.self) {
            _ = try Session(model: model, options: SessionOptions(batchSize: 3), arena: tooSmall)
        }
        #expect(small?.code == .bufferTooSmall)
        // Misaligned on purpose: the session aligns inside the arena it is given.
        let shifted = UnsafeMutableRawBufferPointer(rebasing: arena[1...])
        let session = try Session(model: model, options: SessionOptions(batchSize: 3), arena: shifted)
        let x = TestModels.randomFloats(96, seed: 3)
        let y = try session.run([x], shapes: [Shape([3, 32])])
        #expect(y == (try Session(model: model).run([x], shapes: [Shape([3, 32])])))
        // A larger batch does not fit the caller's arena: an error, not an allocation.
        let error = #expect(throws: DLError.self) {
            _ = try session.run(TestModels.randomFloats(320, seed: 4).chunked(1), shapes: [Shape([10, 32])])
        }
        #expect(error?.code == .bufferTooSmall)
        // ...and the session still works at its planned size.
        #expect(try session.run([x], shapes: [Shape([3, 32])]) == y)
    }

    @Test func viewsAliasAndOutputsOfViewsAreCopied() throws {
        // x [?, 2, 3] -> flatten -> dense -> reshape [?, 2, 2] (a graph output: copied into the caller's buffer)
        var g = Graph()
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, 2, 3])))
        let f = g.addTensor(TensorDesc(name: "f", dtype: .float32, shape: Shape([-1, 6])))
        let w = g.addTensor(TensorDesc(name: "w", dtype: .float32, shape: Shape([4, 6]), kind: .constant))
        let d = g.addTensor(TensorDesc(name: "d", dtype: .float32, shape: Shape([-1, 4])))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, 2, 2])))
        g.nodes = [
            Node(name: "flat", op: .flatten, inputs: [x], outputs: [f]),
            Node(name: "fc", op: .dense, inputs: [f, w], outputs: [d]),
            Node(name: "shape", op: .reshape, inputs: [d], outputs: [y], attributes: [Attribute("shape", .ints([0, 2, 2]))]),
        ]
        g.inputs = [x]; g.outputs = [y, d]
        let weights = TestModels.randomFloats(24, seed: 11)
        let model = try Model(graph: g, constants: [w: TestModels.bytes(weights)])
        let session = try Session(model: model)
        let input = TestModels.randomFloats(12, seed: 12)
        let out = try session.run([input], shapes: [Shape([2, 2, 3])])
        var expected = [Float]()
        for r in 0..<2 { for j in 0..<4 {
            var acc: Float = 0
            for p in 0..<6 { acc += input[r * 6 + p] * weights[j * 6 + p] }
            expected.append(acc)
        } }
        #expect(allClose(out[0], expected) && allClose(out[1], expected))
        #expect(session.outputType(0).shape == Shape([2, 2, 2]))
    }

    @Test func float16WeightsRunInFloat32() throws {
        var mlp = TestModels.MLP([16, 8])
        let wi = mlp.graph.tensorIndex(named: "w0")!
        let halves = mlp.weights[0].map { Float16($0) }
        mlp.graph.tensors[wi].dtype = .float16
        mlp.constants[wi] = halves.withUnsafeBytes { Array($0) }
        mlp.weights[0] = halves.map { Float($0) }
        let x = TestModels.randomFloats(32, seed: 8)
        let y = try Session(model: try mlp.model()).run([x], shapes: [Shape([2, 16])])
        #expect(allClose(y[0], mlp.reference(x, batch: 2), rtol: 1e-4, atol: 1e-5))
    }

    @Test func int8WeightsAreDequantizedAtLoad() throws {
        var mlp = TestModels.MLP([16, 8])
        let wi = mlp.graph.tensorIndex(named: "w0")!
        // Per-output-channel symmetric int8, as the quantization rules prescribe.
        var q = [Int8](), scales = [Float]()
        for j in 0..<8 {
            let row = mlp.weights[0][(j * 16)..<(j * 16 + 16)]
            let scale = row.map { abs($0) }.max()! / 127
            scales.append(scale)
            q += row.map { Int8(($0 / scale).rounded()) }
        }
        mlp.graph.tensors[wi].dtype = .int8
        mlp.graph.tensors[wi].quant = QuantParams(scales: scales, zeroPoints: Array(repeating: 0, count: 8), axis: 0)
        mlp.constants[wi] = q.map { UInt8(bitPattern: $0) }
        mlp.weights[0] = q.enumerated().map { Float($0.element) * scales[$0.offset / 16] }
        let x = TestModels.randomFloats(32, seed: 8)
        let y = try Session(model: try mlp.model()).run([x], shapes: [Shape([2, 16])])
        #expect(allClose(y[0], mlp.reference(x, batch: 2), rtol: 1e-4, atol: 1e-5))
    }

    @Test func int8WeightsStayInt8WhenAskedAndThenHaveNoFloatKernel() throws {
        var mlp = TestModels.MLP([4, 2])
        let wi = mlp.graph.tensorIndex(named: "w0")!
        mlp.graph.tensors[wi].dtype = .int8
        mlp.graph.tensors[wi].quant = QuantParams(scale: 0.1, zeroPoint: 0)
        mlp.constants[wi] = [UInt8](repeating: 3, count: 8)
        let error = #expect(throws: DLError.self) { _ = try mlp.model(ModelOptions(dequantizeInt8Weights: false)) }
        #expect(error?.code == .unsupportedDType)
        _ = try mlp.model()
    }

    @Test func cancelStopsTheNextRunOnce() throws {
        let mlp = TestModels.MLP([4, 4, 4])
        let session = try Session(model: try mlp.model())
        let x = TestModels.randomFloats(4, seed: 1)
        session.cancel()
        let error = #expect(throws: DLError.self) { _ = try session.run([x], shapes: [Shape([1, 4])]) }
        #expect(error?.code == .cancelled)
        #expect(allClose(try session.run([x], shapes: [Shape([1, 4])])[0], mlp.reference(x, batch: 1), rtol: 1e-4, atol: 1e-5))
    }
}

extension Array {
    /// The array as `n` consecutive parts (test helper).
    func chunked(_ n: Int) -> [[Element]] {
        let size = count / n
        return (0..<n).map { Array(self[($0 * size)..<(($0 + 1) * size)]) }
    }
}

@Suite struct OutputBindingTests {
    @Test func outputsThatAreInputsOrRepeatedAreCopied() throws {
        // outputs: [x itself, y, y again]
        var mlp = TestModels.MLP([3, 2])
        let x = mlp.graph.inputs[0], y = mlp.graph.outputs[0]
        mlp.graph.outputs = [x, y, y]
        let session = try Session(model: try mlp.model())
        let input: [Float] = [1, -2, 3, 0.5, 0.25, -1]
        let out = try session.run([input], shapes: [Shape([2, 3])])
        #expect(out[0] == input)
        #expect(allClose(out[1], mlp.reference(input, batch: 2), rtol: 1e-5, atol: 1e-6))
        #expect(out[2] == out[1])
    }
}
