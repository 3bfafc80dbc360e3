import DLCore
import DLFormat
import _TestSupport

/// How a test tensor is quantized.
enum QuantMode: String, CaseIterable, Sendable {
    case none
    case perTensor
    case perChannelAxis0
    case perChannelAxis1

    func params(for shape: Shape, seed: UInt64) -> QuantParams? {
        var rng = SeededGenerator(seed: seed)
        switch self {
        case .none:
            return nil
        case .perTensor:
            return QuantParams(scale: Float.random(in: 0.001...0.1, using: &rng), zeroPoint: Int32.random(in: -10...10, using: &rng))
        case .perChannelAxis0, .perChannelAxis1:
            let axis = self == .perChannelAxis0 ? 0 : 1
            let n = shape[axis]
            return QuantParams(scales: (0..<n).map { _ in Float.random(in: 0.001...0.1, using: &rng) },
                               zeroPoints: (0..<n).map { _ in Int32.random(in: -3...3, using: &rng) }, axis: axis)
        }
    }
}

/// Deterministic bytes for a tensor, shaped like real weights so that compression has
/// something to find: small floats, and integers from a narrow range.
func testBytes(dtype: DType, count: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededGenerator(seed: seed)
    var out: [UInt8] = []
    out.reserveCapacity(dtype.storageBytes(count: count)!)
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    switch dtype {
    case .float32:
        for _ in 0..<count { append(Float.random(in: -0.5...0.5, using: &rng).bitPattern) }
    case .float16:
        for _ in 0..<count { append(Float16(Float.random(in: -0.5...0.5, using: &rng)).bitPattern) }
    case .bfloat16:
        for _ in 0..<count { append(UInt16(Float.random(in: -0.5...0.5, using: &rng).bitPattern >> 16)) }
    case .int8:
        for _ in 0..<count { append(Int8.random(in: -20...20, using: &rng)) }
    case .uint8:
        for _ in 0..<count { append(UInt8.random(in: 100...140, using: &rng)) }
    case .int32:
        for _ in 0..<count { append(Int32.random(in: -1000...1000, using: &rng)) }
    case .int64:
        for _ in 0..<count { append(Int64.random(in: -1000...1000, using: &rng)) }
    case .int4:
        for _ in 0..<(count + 1) / 2 {
            let lo = UInt8(bitPattern: Int8.random(in: -2...2, using: &rng)) & 0xF
            let hi = count % 2 == 1 && out.count == count / 2 ? 0 : UInt8(bitPattern: Int8.random(in: -2...2, using: &rng)) & 0xF
            out.append(lo | hi << 4)
        }
    }
    return out
}

/// A small graph exercising every part of the manifest: x [?, 4] -> Dense(W, B) -> Relu -> y,
/// where W has `dtype` and `quant`, plus metadata with labels, preprocessing and properties.
struct TestModel {
    var graph: Graph
    var metadata: ModelMetadata
    var constants: [Int: [UInt8]]

    init(dtype: DType, quant: QuantMode, outFeatures: Int = 8, inFeatures: Int = 4, seed: UInt64 = 1) {
        var g = Graph()
        let wShape = Shape([outFeatures, inFeatures])
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([Shape.dynamic, inFeatures])))
        let w = g.addTensor(TensorDesc(name: "dense.weight", dtype: dtype, shape: wShape,
                                       quant: quant.params(for: wShape, seed: seed &+ 7), kind: .constant))
        let b = g.addTensor(TensorDesc(name: "dense.bias", dtype: .float32, shape: Shape([outFeatures]), kind: .constant))
        let h = g.addTensor(TensorDesc(name: "h", dtype: .float32, shape: Shape([Shape.dynamic, outFeatures])))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([Shape.dynamic, outFeatures])))
        g.nodes.append(Node(name: "dense", op: .dense, inputs: [x, w, b], outputs: [h], attributes: [
            Attribute("activation", .int(0)),
            Attribute("alpha", .float(0.25)),
            Attribute("strides", .ints([1, -2, Int64.max])),
            Attribute("weights", .floats([1.5, -0.0, .infinity])),
            Attribute("note", .string("ünïcødé ✓")),
        ]))
        g.nodes.append(Node(name: "relu", op: .relu, inputs: [h], outputs: [y]))
        g.inputs = [x]
        g.outputs = [y]
        graph = g
        metadata = ModelMetadata(
            producer: "DLFormatTests", producerVersion: "1.2.3", createdAt: 1_764_000_000,
            labels: (0..<outFeatures).map { "class \($0)" },
            preprocessing: [Preprocessing(input: 0, scale: 1.0 / 255, mean: [0.1307], std: [0.3081], channelAxis: 1)],
            properties: [KeyValue("dataset", "synthetic"), KeyValue("seed", String(seed))])
        constants = [
            w: testBytes(dtype: dtype, count: outFeatures * inFeatures, seed: seed),
            b: testBytes(dtype: .float32, count: outFeatures, seed: seed &+ 1),
        ]
    }

    func model() throws -> DLPKModel {
        try DLPKModel(graph: graph, metadata: metadata, constants: constants)
    }
}

/// Every dtype the format stores.
let allDTypes: [DType] = DType.allCases

/// The encodings the tests try on every tensor.
let allEncodings: [BlobEncoding] = [
    .raw,
    .zstd(level: 1, filter: .none),
    .zstd(level: 19, filter: .none),
    .zstd(level: 3, filter: .byteShuffle),
]
