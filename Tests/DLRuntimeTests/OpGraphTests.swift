import Testing
import Foundation
import DLCore
import DLKernels
@testable import DLRuntime
import _TestSupport

/// Graphs of the non-dense ops, checked against plain loops written here (and the conv
/// reference kernel of DLKernels, which the fast paths are themselves tested against).
/// These test the runtime's wiring: attributes to kernel parameters, scratch, views.
@Suite struct OpGraphTests {
    /// x [?, 1, 8, 8] -> conv 3x3 (4 ch, pad 1, relu) -> maxpool 2x2 -> flatten -> dense 64->10 -> softmax
    @Test(arguments: [1, 5])
    func smallCNN(batch: Int) throws {
        var g = Graph()
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, 1, 8, 8])))
        let cw = g.addTensor(TensorDesc(name: "cw", dtype: .float32, shape: Shape([4, 1, 3, 3]), kind: .constant))
        let cb = g.addTensor(TensorDesc(name: "cb", dtype: .float32, shape: Shape([4]), kind: .constant))
        let c = g.addTensor(TensorDesc(name: "c", dtype: .float32, shape: Shape([-1, 4, 8, 8])))
        let p = g.addTensor(TensorDesc(name: "p", dtype: .float32, shape: Shape([-1, 4, 4, 4])))
        let f = g.addTensor(TensorDesc(name: "f", dtype: .float32, shape: Shape([-1, 64])))
        let dw = g.addTensor(TensorDesc(name: "dw", dtype: .float32, shape: Shape([10, 64]), kind: .constant))
        let d = g.addTensor(TensorDesc(name: "d", dtype: .float32, shape: Shape([-1, 10])))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, 10])))
        g.nodes = [
            Node(name: "conv", op: .conv2d, inputs: [x, cw, cb], outputs: [c],
                 attributes: [Attribute("pads", .ints([1, 1, 1, 1])), Attribute("activation", .int(1))]),
            Node(name: "pool", op: .maxPool2d, inputs: [c], outputs: [p],
                 attributes: [Attribute("kernel", .ints([2, 2])), Attribute("strides", .ints([2, 2]))]),
            Node(name: "flat", op: .flatten, inputs: [p], outputs: [f]),
            Node(name: "fc", op: .dense, inputs: [f, dw], outputs: [d]),
            Node(name: "softmax", op: .softmax, inputs: [d], outputs: [y]),
        ]
        g.inputs = [x]; g.outputs = [y]
        let convW = TestModels.randomFloats(36, seed: 1), convB = TestModels.randomFloats(4, seed: 2)
        let denseW = TestModels.randomFloats(640, seed: 3, scale: 0.2)
        let model = try Model(graph: g, constants: [cw: TestModels.bytes(convW), cb: TestModels.bytes(convB),
                                                    dw: TestModels.bytes(denseW)])
        let input = TestModels.randomFloats(batch * 64, seed: 4)
        let out = try Session(model: model).run([input], shapes: [Shape([batch, 1, 8, 8])])[0]

        // Reference: conv by the reference kernel, then plain loops.
        let params = Conv2DParams(batch: batch, inChannels: 1, inHeight: 8, inWidth: 8, outChannels: 4,
                                  kernelHeight: 3, kernelWidth: 3, pads: (1, 1, 1, 1), activation: .relu)
        var conv = [Float](repeating: 0, count: batch * 256)
        conv.withUnsafeMutableBufferPointer { Conv2D.reference(params, input: input, weight: convW, bias: convB, output: $0.baseAddress!) }
        var expected = [Float]()
        for n in 0..<batch {
            var pooled = [Float]()
            for ch in 0..<4 { for oy in 0..<4 { for ox in 0..<4 {
                var m = -Float.infinity
                for dy in 0..<2 { for dx in 0..<2 { m = max(m, conv[n * 256 + ch * 64 + (2 * oy + dy) * 8 + 2 * ox + dx]) } }
                pooled.append(m)
            } } }
            var logits = (0..<10).map { j in (0..<64).reduce(Float(0)) { $0 + pooled[$1] * denseW[j * 64 + $1] } }
            let top = logits.max()!
            logits = logits.map { expf($0 - top) }
            let sum = logits.reduce(0, +)
            expected += logits.map { $0 / sum }
        }
        #expect(allClose(out, expected, rtol: 1e-4, atol: 1e-6))
    }

    /// x [seq 3, ?, 2] -> LSTM hidden 3 -> Y_h [1, ?, 3] -> reshape [?, 3]; Y absent (graphs built in
    /// memory may leave an output out; files always name every output).
    @Test func lstmLastHiddenState() throws {
        let (seq, batch, input, hidden) = (3, 2, 2, 3)
        var g = Graph()
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([seq, -1, input])))
        let w = g.addTensor(TensorDesc(name: "w", dtype: .float32, shape: Shape([1, 4 * hidden, input]), kind: .constant))
        let r = g.addTensor(TensorDesc(name: "r", dtype: .float32, shape: Shape([1, 4 * hidden, hidden]), kind: .constant))
        let b = g.addTensor(TensorDesc(name: "b", dtype: .float32, shape: Shape([1, 8 * hidden]), kind: .constant))
        let yh = g.addTensor(TensorDesc(name: "yh", dtype: .float32, shape: Shape([1, -1, hidden])))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, hidden])))
        g.nodes = [
            Node(name: "lstm", op: .lstm, inputs: [x, w, r, b], outputs: [Node.absent, yh],
                 attributes: [Attribute("hidden_size", .int(Int64(hidden)))]),
            Node(name: "squeeze", op: .reshape, inputs: [yh], outputs: [y], attributes: [Attribute("shape", .ints([-1, Int64(hidden)]))]),
        ]
        g.inputs = [x]; g.outputs = [y]
        let W = TestModels.randomFloats(4 * hidden * input, seed: 10), R = TestModels.randomFloats(4 * hidden * hidden, seed: 11)
        let B = TestModels.randomFloats(8 * hidden, seed: 12)
        let model = try Model(graph: g, constants: [w: TestModels.bytes(W), r: TestModels.bytes(R), b: TestModels.bytes(B)])
        let xs = TestModels.randomFloats(seq * batch * input, seed: 13)
        let out = try Session(model: model).run([xs], shapes: [Shape([seq, batch, input])])[0]

        // ONNX LSTM, gate order i, o, f, c.
        func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
        var expected = [Float]()
        for n in 0..<batch {
            var h = [Float](repeating: 0, count: hidden), cState = [Float](repeating: 0, count: hidden)
            for t in 0..<seq {
                var gates = [Float](repeating: 0, count: 4 * hidden)
                for j in 0..<(4 * hidden) {
                    var acc = B[j] + B[4 * hidden + j]
                    for p in 0..<input { acc += xs[(t * batch + n) * input + p] * W[j * input + p] }
                    for p in 0..<hidden { acc += h[p] * R[j * hidden + p] }
                    gates[j] = acc
                }
                for u in 0..<hidden {
                    let i = sigmoid(gates[u]), o = sigmoid(gates[hidden + u])
                    let f = sigmoid(gates[2 * hidden + u]), cc = tanhf(gates[3 * hidden + u])
                    cState[u] = f * cState[u] + i * cc
                    h[u] = o * tanhf(cState[u])
                }
            }
            expected += h
        }
        #expect(allClose(out, expected, rtol: 1e-4, atol: 1e-5))
    }

    @Test func elementwiseConcatTransposeGather() throws {
        // a [?, 3] + bias [3] -> sigmoid -> concat with a on axis 1 -> transpose; gather rows of a table.
        var g = Graph()
        let a = g.addTensor(TensorDesc(name: "a", dtype: .float32, shape: Shape([-1, 3])))
        let bias = g.addTensor(TensorDesc(name: "bias", dtype: .float32, shape: Shape([3]), kind: .constant))
        let s = g.addTensor(TensorDesc(name: "s", dtype: .float32, shape: Shape([-1, 3])))
        let sg = g.addTensor(TensorDesc(name: "sg", dtype: .float32, shape: Shape([-1, 3])))
        let cat = g.addTensor(TensorDesc(name: "cat", dtype: .float32, shape: Shape([-1, 6])))
        let tr = g.addTensor(TensorDesc(name: "tr", dtype: .float32, shape: Shape([6, -1])))
        let table = g.addTensor(TensorDesc(name: "table", dtype: .float32, shape: Shape([4, 2]), kind: .constant))
        let idx = g.addTensor(TensorDesc(name: "idx", dtype: .int64, shape: Shape([3]), kind: .constant))
        let rows = g.addTensor(TensorDesc(name: "rows", dtype: .float32, shape: Shape([3, 2])))
        g.nodes = [
            Node(name: "add", op: .add, inputs: [a, bias], outputs: [s]),
            Node(name: "sig", op: .sigmoid, inputs: [s], outputs: [sg]),
            Node(name: "cat", op: .concat, inputs: [sg, a], outputs: [cat], attributes: [Attribute("axis", .int(1))]),
            Node(name: "tr", op: .transpose, inputs: [cat], outputs: [tr]),
            Node(name: "gather", op: .gather, inputs: [table, idx], outputs: [rows]),
        ]
        g.inputs = [a]; g.outputs = [tr, rows]
        let biasValues: [Float] = [0.5, -1, 2], tableValues: [Float] = [0, 1, 10, 11, 20, 21, 30, 31]
        let indices: [Int64] = [3, 0, -2]
        let model = try Model(graph: g, constants: [bias: TestModels.bytes(biasValues), table: TestModels.bytes(tableValues),
                                                    idx: indices.withUnsafeBytes { Array($0) }])
        let input: [Float] = [1, 2, 3, -1, -2, -3]
        let out = try Session(model: model).run([input], shapes: [Shape([2, 3])])
        var catRows = [[Float]]()
        for r in 0..<2 {
            let row = (0..<3).map { input[r * 3 + $0] }
            catRows.append(row.enumerated().map { 1 / (1 + expf(-($0.element + biasValues[$0.offset]))) } + row)
        }
        let transposed = (0..<6).flatMap { j in (0..<2).map { catRows[$0][j] } }
        #expect(allClose(out[0], transposed, rtol: 1e-5, atol: 1e-6))
        #expect(out[1] == [30, 31, 0, 1, 20, 21])
    }
}

/// MatMul and MatMulInteger with numpy's shape rules (1-D promotion, broadcast batch
/// dimensions) against a product written here with its own index arithmetic.
@Suite struct MatMulGraphTests {
    /// numpy.matmul on row-major arrays: the output shape and its values (as Int64 sums or
    /// Double sums of `product(aValue, bValue)`).
    static func reference<T>(_ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int],
                             zero: T, product: (T, T) -> T, sum: (T, T) -> T) -> (shape: [Int], values: [T]) {
        let aM = aShape.count == 1 ? [1] + aShape : aShape, bM = bShape.count == 1 ? bShape + [1] : bShape
        let (m, k, n) = (aM[aM.count - 2], aM[aM.count - 1], bM[bM.count - 1])
        let rank = max(aM.count, bM.count) - 2
        let aB = [Int](repeating: 1, count: rank - (aM.count - 2)) + aM.dropLast(2)
        let bB = [Int](repeating: 1, count: rank - (bM.count - 2)) + bM.dropLast(2)
        let batch = zip(aB, bB).map { max($0, $1) }
        var out = [T]()
        let total = batch.reduce(1, *)
        for flat in 0..<total {
            // The batch position, then the A and B matrix offsets (size-1 dimensions repeat).
            var rest = flat, pos = [Int](repeating: 0, count: rank)
            for d in stride(from: rank - 1, through: 0, by: -1) { pos[d] = rest % batch[d]; rest /= batch[d] }
            var ao = 0, bo = 0
            for d in 0..<rank { ao = ao * aB[d] + min(pos[d], aB[d] - 1); bo = bo * bB[d] + min(pos[d], bB[d] - 1) }
            for i in 0..<m {
                for j in 0..<n {
                    var acc = zero
                    for p in 0..<k { acc = sum(acc, product(a[ao * m * k + i * k + p], b[bo * k * n + p * n + j])) }
                    out.append(acc)
                }
            }
        }
        var shape = batch
        if aShape.count > 1 { shape.append(m) }
        if bShape.count > 1 { shape.append(n) }
        return (shape, out)
    }

    @Test("f32 MatMul broadcasts batch dimensions as numpy does", arguments: [
        ([3, 1, 3, 4], [1, 2, 4, 2]), ([4], [2, 4, 1]), ([2, 3, 4], [4]), ([5, 3, 4], [4, 2]),
        ([3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]), ([4], [4]), ([1, 3, 4], [2, 4, 3]),
    ])
    func floatBroadcast(shapes: ([Int], [Int])) throws {
        let (aShape, bShape) = shapes
        let a = TestModels.randomFloats(aShape.reduce(1, *), seed: 1), b = TestModels.randomFloats(bShape.reduce(1, *), seed: 2)
        let expected = Self.reference(a.map(Double.init), aShape, b.map(Double.init), bShape, zero: 0, product: *, sum: +)
        var g = Graph()
        let ta = g.addTensor(TensorDesc(name: "a", dtype: .float32, shape: Shape(aShape)))
        let tb = g.addTensor(TensorDesc(name: "b", dtype: .float32, shape: Shape(bShape)))
        let ty = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape(expected.shape)))
        g.nodes = [Node(name: "mm", op: .matMul, inputs: [ta, tb], outputs: [ty])]
        g.inputs = [ta, tb]; g.outputs = [ty]
        let session = try Session(model: Model(graph: g, constants: [:]))
        let out = try session.run([a, b], shapes: [Shape(aShape), Shape(bShape)])
        #expect(session.outputType(0).shape == Shape(expected.shape))
        #expect(allClose(out[0], expected.values.map { Float($0) }, rtol: 1e-5, atol: 1e-5))
    }

    @Test("MatMulInteger: (A − a_zp)·(B − b_zp) in int32 for every signedness pair, with broadcasting",
          arguments: [(DType.uint8, DType.int8), (.uint8, .uint8), (.int8, .int8), (.int8, .uint8)])
    func integer(types: (DType, DType)) throws {
        let (aShape, bShape) = ([2, 1, 3, 5], [4, 5, 2])
        var rng = SeededGenerator(seed: 5)
        func values(_ t: DType, _ count: Int) -> [Int64] {
            (0..<count).map { _ in t == .uint8 ? Int64.random(in: 0...255, using: &rng) : Int64.random(in: -128...127, using: &rng) }
        }
        let a = values(types.0, aShape.reduce(1, *)), b = values(types.1, bShape.reduce(1, *))
        let (za, zb): (Int64, Int64) = (types.0 == .uint8 ? 200 : -3, types.1 == .uint8 ? 7 : 100)
        let expected = Self.reference(a.map { $0 - za }, aShape, b.map { $0 - zb }, bShape, zero: 0, product: *, sum: +)
        var g = Graph()
        let ta = g.addTensor(TensorDesc(name: "a", dtype: types.0, shape: Shape(aShape), quant: QuantParams(scale: 1, zeroPoint: Int32(za))))
        let tb = g.addTensor(TensorDesc(name: "b", dtype: types.1, shape: Shape(bShape), quant: QuantParams(scale: 1, zeroPoint: Int32(zb)),
                                        kind: .constant))
        let ty = g.addTensor(TensorDesc(name: "y", dtype: .int32, shape: Shape(expected.shape)))
        g.nodes = [Node(name: "mmi", op: .matMulInteger, inputs: [ta, tb], outputs: [ty])]
        g.inputs = [ta]; g.outputs = [ty]
        let model = try Model(graph: g, constants: [tb: b.map { UInt8(truncatingIfNeeded: $0) }])
        let session = try Session(model: model)
        let input = a.map { UInt8(truncatingIfNeeded: $0) }
        var output = [Int32](repeating: 0, count: expected.values.count)
        let dims = aShape.map(Int64.init)
        try input.withUnsafeBytes { xb in
            try output.withUnsafeMutableBytes { yb in
                try dims.withUnsafeBufferPointer { dp in
                    try session.setInput(0, data: xb.baseAddress, byteCount: xb.count, dtype: types.0, rank: dims.count, dims: dp.baseAddress)
                    try session.setOutput(0, data: yb.baseAddress, byteCount: yb.count)
                    try session.run()
                }
            }
        }
        #expect(output.map(Int64.init) == expected.values)
    }

    @Test func matMulIntegerRefusesFloatOperandsAndMismatchedShapes() {
        var g = Graph()
        let ta = g.addTensor(TensorDesc(name: "a", dtype: .float32, shape: Shape([2, 3])))
        let tb = g.addTensor(TensorDesc(name: "b", dtype: .int8, shape: Shape([3, 2])))
        let ty = g.addTensor(TensorDesc(name: "y", dtype: .int32, shape: Shape([2, 2])))
        g.nodes = [Node(name: "mmi", op: .matMulInteger, inputs: [ta, tb], outputs: [ty])]
        g.inputs = [ta, tb]; g.outputs = [ty]
        #expect(throws: DLError.self) { try Model(graph: g, constants: [:]) }
        g.tensors[ta].dtype = .uint8
        g.tensors[tb].shape = Shape([4, 2])
        #expect(throws: DLError.self) { try Model(graph: g, constants: [:]) }
    }
}
