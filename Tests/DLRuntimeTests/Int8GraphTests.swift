import Testing
import DLCore
import DLKernels
@testable import DLRuntime
import _TestSupport

/// int8 graphs (quantized activations) against integer arithmetic written out here:
/// acc = Σ (x − zx)·w + b in int32, y = clamp(round_half_even(acc·sx·sw[c]/sy) + zy).
@Suite struct Int8GraphTests {
    func requantize(_ acc: Int32, _ multiplier: Float, _ zy: Int32, lo: Int32 = -128) -> Int8 {
        let v = (Float(acc) * multiplier).rounded(.toNearestOrEven) + Float(zy)
        return Int8(min(max(v, Float(lo)), 127))
    }

    @Test(arguments: [1, 4])
    func denseReluAddAndPooling(batch: Int) throws {
        let (k, n) = (6, 4)
        var g = SeededGenerator(seed: 9)
        let xq = QuantParams(scale: 0.05, zeroPoint: -3), yq = QuantParams(scale: 0.1, zeroPoint: 5)
        let wScales: [Float] = [0.01, 0.02, 0.015, 0.03]
        let weights = (0..<(n * k)).map { _ in Int8.random(in: -127...127, using: &g) }
        let bias = (0..<n).map { _ in Int32.random(in: -500...500, using: &g) }
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .int8, shape: Shape([-1, k]), quant: xq))
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([n, k]),
                                           quant: QuantParams(scales: wScales, zeroPoints: [0, 0, 0, 0], axis: 0), kind: .constant))
        let b = graph.addTensor(TensorDesc(name: "b", dtype: .int32, shape: Shape([n]), kind: .constant))
        let d = graph.addTensor(TensorDesc(name: "d", dtype: .int8, shape: Shape([-1, n]), quant: yq))
        let r = graph.addTensor(TensorDesc(name: "r", dtype: .int8, shape: Shape([-1, n]), quant: yq))
        let sq = QuantParams(scale: 0.2, zeroPoint: 0)
        let s = graph.addTensor(TensorDesc(name: "s", dtype: .int8, shape: Shape([-1, n]), quant: sq))
        graph.nodes = [
            Node(name: "fc", op: .dense, inputs: [x, w, b], outputs: [d], attributes: [Attribute("activation", .int(1))]),
            Node(name: "relu", op: .relu, inputs: [d], outputs: [r]),
            Node(name: "add", op: .add, inputs: [r, d], outputs: [s]),
        ]
        graph.inputs = [x]; graph.outputs = [s]
        let model = try Model(graph: graph, constants: [w: weights.map { UInt8(bitPattern: $0) },
                                                        b: bias.withUnsafeBytes { Array($0) }])
        let session = try Session(model: model)
        let input = (0..<(batch * k)).map { _ in Int8.random(in: -128...127, using: &g) }
        var output = [Int8](repeating: 0, count: batch * n)
        let dims: [Int64] = [Int64(batch), Int64(k)]
        try input.withUnsafeBytes { xb in
            try output.withUnsafeMutableBytes { yb in
                try dims.withUnsafeBufferPointer { dp in
                    try session.setInput(0, data: xb.baseAddress, byteCount: xb.count, dtype: .int8, rank: 2, dims: dp.baseAddress)
                    try session.setOutput(0, data: yb.baseAddress, byteCount: yb.count)
                    try session.run()
                }
            }
        }
        var expected = [Int8]()
        for row in 0..<batch {
            for c in 0..<n {
                var acc = bias[c]
                for p in 0..<k { acc += (Int32(input[row * k + p]) + 3) * Int32(weights[c * k + p]) }
                let dq = requantize(acc, 0.05 * wScales[c] / 0.1, 5, lo: 5)   // fused relu: clamp at the zero point
                let rq = max(dq, 5)                                           // relu keeps the parameters
                // add: dequantize both (scale 0.1, zp 5), requantize to (0.2, 0)
                let v = ((Float(rq) - 5) * 0.1 / 0.2 + (Float(dq) - 5) * 0.1 / 0.2).rounded(.toNearestOrEven)
                expected.append(Int8(min(max(v, -128), 127)))
            }
        }
        #expect(output == expected)
    }

    @Test func int8OpsWithoutAKernelAreRefusedAtLoad() {
        var graph = Graph()
        let q = QuantParams(scale: 0.1, zeroPoint: 0)
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .int8, shape: Shape([2, 3]), quant: q))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .int8, shape: Shape([2, 3]), quant: q))
        graph.nodes = [Node(name: "sig", op: .sigmoid, inputs: [x], outputs: [y])]
        graph.inputs = [x]; graph.outputs = [y]
        let error = #expect(throws: DLError.self) { _ = try Model(graph: graph, constants: [:]) }
        #expect(error?.code == .unsupportedDType)
        // Relu whose output parameters differ from its input's would need requantization.
        graph.nodes[0].op = .relu
        graph.tensors[y].quant = QuantParams(scale: 0.2, zeroPoint: 0)
        let relu = #expect(throws: DLError.self) { _ = try Model(graph: graph, constants: [:]) }
        #expect(relu?.code == .unsupported)
    }
}

@Suite struct Int8ConvGraphTests {
    /// int8 conv (stride 2, pad 1, 2 groups, relu6) through the runtime equals the reference
    /// int8 convolution of DLKernels with the same quantization.
    @Test func convMatchesTheReferenceKernel() throws {
        var g = SeededGenerator(seed: 21)
        let xq = QuantParams(scale: 0.04, zeroPoint: 7), yq = QuantParams(scale: 0.05, zeroPoint: -20)
        let scales: [Float] = (0..<4).map { _ in Float.random(in: 0.005...0.02, using: &g) }
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .int8, shape: Shape([-1, 4, 7, 7]), quant: xq))
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([4, 2, 3, 3]),
                                           quant: QuantParams(scales: scales, zeroPoints: [0, 0, 0, 0], axis: 0), kind: .constant))
        let b = graph.addTensor(TensorDesc(name: "b", dtype: .int32, shape: Shape([4]), kind: .constant))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .int8, shape: Shape([-1, 4, 4, 4]), quant: yq))
        graph.nodes = [Node(name: "conv", op: .conv2d, inputs: [x, w, b], outputs: [y], attributes: [
            Attribute("strides", .ints([2, 2])), Attribute("pads", .ints([1, 1, 1, 1])), Attribute("group", .int(2)),
            Attribute("activation", .int(2))])]
        graph.inputs = [x]; graph.outputs = [y]
        let weights = (0..<72).map { _ in Int8.random(in: -127...127, using: &g) }
        let bias = (0..<4).map { _ in Int32.random(in: -300...300, using: &g) }
        let model = try Model(graph: graph, constants: [w: weights.map { UInt8(bitPattern: $0) }, b: bias.withUnsafeBytes { Array($0) }])
        let batch = 2
        let input = (0..<(batch * 196)).map { _ in Int8.random(in: -128...127, using: &g) }
        var output = [Int8](repeating: 0, count: batch * 64)
        let session = try Session(model: model)
        let dims: [Int64] = [Int64(batch), 4, 7, 7]
        try input.withUnsafeBytes { xb in try output.withUnsafeMutableBytes { yb in try dims.withUnsafeBufferPointer { d in
            try session.setInput(0, data: xb.baseAddress, byteCount: xb.count, dtype: .int8, rank: 4, dims: d.baseAddress)
            try session.setOutput(0, data: yb.baseAddress, byteCount: yb.count)
            try session.run()
        } } }

        let params = Conv2DParams(batch: batch, inChannels: 4, inHeight: 7, inWidth: 7, outChannels: 4, kernelHeight: 3,
                                  kernelWidth: 3, strides: (2, 2), pads: (1, 1, 1, 1), groups: 2)
        let six = Int32((6 / Float(0.05)).rounded(.toNearestOrEven))
        let q = Conv2DInt8Quantization(inputZeroPoint: 7, outputZeroPoint: -20, outputMin: -20, outputMax: Int8(min(127, -20 + six)))
        let multipliers = Conv2DInt8Quantization.multipliers(inputScale: 0.04, weightScales: scales, outputScale: 0.05)
        var expected = [Int8](repeating: 0, count: batch * 64)
        expected.withUnsafeMutableBufferPointer { e in
            Conv2DInt8.reference(params, q, input: input, weight: weights, bias: bias, multipliers: multipliers, output: e.baseAddress!)
        }
        #expect(output == expected)
    }
}

@Suite struct QuantizedPipelineTests {
    /// f32 x → Quantize → int8 dense (per-channel weights, relu) → Dequantize → f32 y, the way a
    /// converted QDQ model runs; the reference is the quantization arithmetic written out.
    @Test(arguments: [1, 3])
    func floatInFloatOut(batch: Int) throws {
        let (k, n) = (5, 3)
        var g = SeededGenerator(seed: 33)
        let xq = QuantParams(scale: 0.02, zeroPoint: 10), yq = QuantParams(scale: 0.03, zeroPoint: -100)
        let wScales: [Float] = [0.01, 0.004, 0.02]
        let weights = (0..<(n * k)).map { _ in Int8.random(in: -127...127, using: &g) }
        let bias: [Int32] = [40, -700, 123]
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, k])))
        let xi = graph.addTensor(TensorDesc(name: "xi", dtype: .int8, shape: Shape([-1, k]), quant: xq))
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([n, k]),
                                           quant: QuantParams(scales: wScales, zeroPoints: [0, 0, 0], axis: 0), kind: .constant))
        let b = graph.addTensor(TensorDesc(name: "b", dtype: .int32, shape: Shape([n]), kind: .constant))
        let yi = graph.addTensor(TensorDesc(name: "yi", dtype: .int8, shape: Shape([-1, n]), quant: yq))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, n])))
        graph.nodes = [
            Node(name: "q", op: .quantize, inputs: [x], outputs: [xi]),
            Node(name: "fc", op: .dense, inputs: [xi, w, b], outputs: [yi], attributes: [Attribute("activation", .int(1))]),
            Node(name: "dq", op: .dequantize, inputs: [yi], outputs: [y]),
        ]
        graph.inputs = [x]; graph.outputs = [y]
        let model = try Model(graph: graph, constants: [w: weights.map { UInt8(bitPattern: $0) }, b: bias.withUnsafeBytes { Array($0) }])
        let input = (0..<(batch * k)).map { _ in Float.random(in: -3...3, using: &g) }
        let out = try Session(model: model).run([input], shapes: [Shape([batch, k])])[0]
        var expected = [Float]()
        for r in 0..<batch {
            let q = (0..<k).map { p -> Int32 in
                let v = (input[r * k + p] / 0.02).rounded(.toNearestOrEven) + 10
                return Int32(min(max(v, -128), 127))
            }
            for c in 0..<n {
                var acc = bias[c]
                for p in 0..<k { acc += (q[p] - 10) * Int32(weights[c * k + p]) }
                let v = (Float(acc) * (0.02 * wScales[c] / 0.03)).rounded(.toNearestOrEven) + -100
                let yq8 = Int32(min(max(v, -100), 127))          // relu: clamp at the zero point
                expected.append(Float(yq8 + 100) * 0.03)
            }
        }
        #expect(out == expected)
    }
}

/// Weights-only int8 for the recurrent ops: W and R int8 per output row (axis 1), widened at
/// load, give exactly the outputs of the same graph with those weights given as floats.
@Suite struct RecurrentInt8WeightTests {
    @Test(arguments: [OpCode.lstm, .gru, .rnn])
    func int8WeightsEqualTheirDequantizedFloats(op: OpCode) throws {
        let (steps, batch, inputSize, hidden, directions) = (4, 3, 5, 6, 2)
        let gates = op == .lstm ? 4 : op == .gru ? 3 : 1
        var rng = SeededGenerator(seed: 21)
        let rows = gates * hidden
        let scales = (0..<rows).map { _ in Float.random(in: 0.001...0.02, using: &rng) }
        let wq = (0..<(directions * rows * inputSize)).map { _ in Int8.random(in: -127...127, using: &rng) }
        let rq = (0..<(directions * rows * hidden)).map { _ in Int8.random(in: -127...127, using: &rng) }
        func dequantized(_ q: [Int8], inner: Int) -> [Float] {
            q.indices.map { Float(q[$0]) * scales[($0 / inner) % rows] }
        }
        func model(int8: Bool, options: ModelOptions = ModelOptions()) throws -> Model {
            var g = Graph()
            let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([steps, -1, inputSize])))
            let params = QuantParams(scales: scales, zeroPoints: [Int32](repeating: 0, count: rows), axis: 1)
            let w = g.addTensor(TensorDesc(name: "w", dtype: int8 ? .int8 : .float32, shape: Shape([directions, rows, inputSize]),
                                           quant: int8 ? params : nil, kind: .constant))
            let r = g.addTensor(TensorDesc(name: "r", dtype: int8 ? .int8 : .float32, shape: Shape([directions, rows, hidden]),
                                           quant: int8 ? params : nil, kind: .constant))
            let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([steps, directions, -1, hidden])))
            g.nodes = [Node(name: "cell", op: op, inputs: [x, w, r], outputs: [y],
                            attributes: [Attribute("hidden_size", .int(Int64(hidden))), Attribute("direction", .int(2))])]
            g.inputs = [x]; g.outputs = [y]
            let constants: [Int: [UInt8]] = int8
                ? [w: wq.map { UInt8(bitPattern: $0) }, r: rq.map { UInt8(bitPattern: $0) }]
                : [w: TestModels.bytes(dequantized(wq, inner: inputSize)), r: TestModels.bytes(dequantized(rq, inner: hidden))]
            return try Model(graph: g, constants: constants, options: options)
        }
        let input = TestModels.randomFloats(steps * batch * inputSize, seed: 8)
        let shapes = [Shape([steps, batch, inputSize])]
        let quantized = try Session(model: model(int8: true)).run([input], shapes: shapes)[0]
        let reference = try Session(model: model(int8: false)).run([input], shapes: shapes)[0]
        #expect(quantized == reference)
        #expect(quantized.contains { $0 != 0 })
        // Without widening at load, the float kernel refuses int8 weights (a clear error, not garbage).
        let error = #expect(throws: DLError.self) { _ = try model(int8: true, options: ModelOptions(dequantizeInt8Weights: false)) }
        #expect(error?.code == .unsupportedDType)
    }
}
