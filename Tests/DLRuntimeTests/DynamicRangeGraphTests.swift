import Testing
import DLCore
import DLKernels
@testable import DLRuntime
import _TestSupport

/// Dense with fp32 X and Y and int8 W (dynamic-range int8) against arithmetic written out
/// here: X quantized over its own range [min(x, 0), max(x, 0)] to int8 (scale = range/255,
/// zero point = round(−128 − min/scale)), acc = Σ (xq − zx)·w, y = acc·(sx·sw[c]) + b.
@Suite struct DynamicRangeGraphTests {
    func run(_ session: Session, _ input: [Float], dims: [Int64], outputCount: Int) throws -> [Float] {
        var output = [Float](repeating: .nan, count: outputCount)
        try input.withUnsafeBytes { xb in
            try output.withUnsafeMutableBytes { yb in
                try dims.withUnsafeBufferPointer { dp in
                    try session.setInput(0, data: xb.baseAddress, byteCount: xb.count, dtype: .float32,
                                         rank: dims.count, dims: dp.baseAddress)
                    try session.setOutput(0, data: yb.baseAddress, byteCount: yb.count)
                    try session.run()
                }
            }
        }
        return output
    }

    @Test(arguments: [(1, false), (5, true)])
    func denseMatchesTheWrittenOutArithmetic(batch: Int, perChannel: Bool) throws {
        let (k, n) = (37, 19)
        var g = SeededGenerator(seed: 31)
        let wScales: [Float] = perChannel ? (0..<n).map { _ in Float.random(in: 0.005...0.02, using: &g) } : [0.01]
        let weights = (0..<(n * k)).map { _ in Int8.random(in: -127...127, using: &g) }
        let bias = (0..<n).map { _ in Float.random(in: -1...1, using: &g) }
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, k])))
        let wq = perChannel ? QuantParams(scales: wScales, zeroPoints: [Int32](repeating: 0, count: n), axis: 0)
                            : QuantParams(scale: wScales[0], zeroPoint: 0)
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([n, k]), quant: wq, kind: .constant))
        let b = graph.addTensor(TensorDesc(name: "b", dtype: .float32, shape: Shape([n]), kind: .constant))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, n])))
        graph.nodes = [Node(name: "fc", op: .dense, inputs: [x, w, b], outputs: [y],
                            attributes: [Attribute("activation", .int(1)), Attribute(Node.dynamicQuantization, .int(1))])]
        graph.inputs = [x]; graph.outputs = [y]
        let model = try Model(graph: graph, constants: [w: weights.map { UInt8(bitPattern: $0) },
                                                        b: bias.withUnsafeBytes { Array($0) }])
        let session = try Session(model: model)
        let input = (0..<(batch * k)).map { _ in Float.random(in: -2...3, using: &g) }
        let output = try run(session, input, dims: [Int64(batch), Int64(k)], outputCount: batch * n)

        let lo = min(input.min()!, 0), hi = max(input.max()!, 0)
        let sx = (hi - lo) / 255
        let zx = Int32((-128 - lo / sx).rounded(.toNearestOrEven))
        let xq = input.map { Int32(min(max(($0 / sx).rounded(.toNearestOrEven) + Float(zx), -128), 127)) }
        for row in 0..<batch {
            for c in 0..<n {
                var acc: Int32 = 0
                for p in 0..<k { acc += (xq[row * k + p] - zx) * Int32(weights[c * k + p]) }
                let expected = max(Float(acc) * (sx * wScales[perChannel ? c : 0]) + bias[c], 0)   // fused relu
                #expect(output[row * n + c] == expected, "row \(row) channel \(c)")
            }
        }
    }

    /// Without the attribute the same tensors are weights-only int8: W widened to f32 at load,
    /// X not quantized, so the output is the fp32 product exactly as the reference computes it.
    @Test func withoutTheAttributeTheWeightsAreWidened() throws {
        let (k, n) = (5, 3)
        let weights: [Int8] = [1, -2, 3, -4, 5, 6, -7, 8, -9, 10, 11, 12, -13, 14, 15]
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([1, k])))
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([n, k]),
                                           quant: QuantParams(scale: 0.25, zeroPoint: 0), kind: .constant))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([1, n])))
        graph.nodes = [Node(name: "fc", op: .dense, inputs: [x, w], outputs: [y])]
        graph.inputs = [x]; graph.outputs = [y]
        let session = try Session(model: try Model(graph: graph, constants: [w: weights.map { UInt8(bitPattern: $0) }]))
        let input: [Float] = [0.1, -0.7, 1.3, 0.01, 2.5]
        let output = try run(session, input, dims: [1, Int64(k)], outputCount: n)
        let wf = weights.map { Float($0) * 0.25 }
        var expected = [Float](repeating: 0, count: n)
        GemmReference.sgemm(transA: false, transB: true, m: 1, n: n, k: k, alpha: 1, a: input, lda: k,
                            b: wf, ldb: k, beta: 0, c: &expected, ldc: n)
        for j in 0..<n { #expect(abs(output[j] - expected[j]) <= 1e-6 * max(1, abs(expected[j]))) }
    }

    /// Untrusted files: W of the wrong rank, a scale count that does not match, a float W.
    @Test(arguments: [([8], 1, DType.int8), ([2, 4], 3, DType.int8), ([2, 4], 1, DType.float32)])
    func malformedDynamicDenseIsAnErrorNotACrash(wDims: [Int], scales: Int, wType: DType) {
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([1, 4])))
        let quant: QuantParams? = wType == .int8
            ? (scales == 1 ? QuantParams(scale: 0.1, zeroPoint: 0)
                           : QuantParams(scales: [Float](repeating: 0.1, count: scales), zeroPoints: [Int32](repeating: 0, count: scales), axis: 0))
            : nil
        let w = graph.addTensor(TensorDesc(name: "w", dtype: wType, shape: Shape(wDims), quant: quant, kind: .constant))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([1, 2])))
        graph.nodes = [Node(name: "fc", op: .dense, inputs: [x, w], outputs: [y],
                            attributes: [Attribute(Node.dynamicQuantization, .int(1))])]
        graph.inputs = [x]; graph.outputs = [y]
        let bytes = [UInt8](repeating: 1, count: wDims.reduce(1, *) * (wType == .int8 ? 1 : 4))
        #expect(throws: DLError.self) { _ = try Session(model: try Model(graph: graph, constants: [w: bytes])) }
    }

    @Test func asymmetricWeightsAreRefusedAtLoad() {
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([1, 4])))
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([2, 4]),
                                           quant: QuantParams(scale: 0.1, zeroPoint: 3), kind: .constant))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([1, 2])))
        graph.nodes = [Node(name: "fc", op: .dense, inputs: [x, w], outputs: [y],
                            attributes: [Attribute(Node.dynamicQuantization, .int(1))])]
        graph.inputs = [x]; graph.outputs = [y]
        let error = #expect(throws: DLError.self) { _ = try Model(graph: graph, constants: [w: [UInt8](repeating: 1, count: 8)]) }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("symmetric") == true)
    }
}
