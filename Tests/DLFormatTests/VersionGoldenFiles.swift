import DLCore
import DLFormat
import Foundation
import Testing

/// One golden file per minor version after 1.0 (format/golden/v1/minor), holding what that version added:
/// 1.1 op 34 (MatMulInteger), 1.2 Dense's `dynamic_quantization`. Written when the tests run
/// with DLPK_REGENERATE_GOLDENS=1, read by every run after (as the dtype goldens are).
struct VersionGolden: Sendable, CustomStringConvertible {
    var name: String
    var version: FormatVersion
    var description: String { name }
    var path: String { goldenDirectory + "/minor/" + name + ".dlpk" }

    /// The model, from fixed values (no randomness, no clock).
    var model: (graph: Graph, constants: [Int: [UInt8]]) {
        var g = Graph()
        let weights = (0..<12).map { UInt8(bitPattern: Int8($0 * 23 % 255 - 127)) }
        if version.minor == 1 {
            let a = g.addTensor(TensorDesc(name: "a", dtype: .uint8, shape: Shape([-1, 3]), quant: QuantParams(scale: 1, zeroPoint: 7)))
            let b = g.addTensor(TensorDesc(name: "b", dtype: .int8, shape: Shape([3, 4]), quant: QuantParams(scale: 1, zeroPoint: 0), kind: .constant))
            let y = g.addTensor(TensorDesc(name: "y", dtype: .int32, shape: Shape([-1, 4])))
            g.nodes = [Node(name: "mm", op: .matMulInteger, inputs: [a, b], outputs: [y])]
            g.inputs = [a]; g.outputs = [y]
            return (g, [b: weights])
        }
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, 3])))
        let w = g.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([4, 3]),
                                       quant: QuantParams(scales: [0.5, 0.25, 0.125, 0.0625], zeroPoints: [0, 0, 0, 0], axis: 0),
                                       kind: .constant))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, 4])))
        g.nodes = [Node(name: "fc", op: .dense, inputs: [x, w, Node.absent], outputs: [y],
                        attributes: [Attribute("activation", .int(1)), Attribute(Node.dynamicQuantization, .int(1))])]
        g.inputs = [x]; g.outputs = [y]
        return (g, [w: weights])
    }

    var metadata: ModelMetadata { ModelMetadata(producer: "DLFormatTests", producerVersion: "1", createdAt: 1_795_000_000) }

    func serialize() throws -> [UInt8] {
        let m = model
        return try DLPKModel(graph: m.graph, metadata: metadata, constants: m.constants).serialize(options: WriteOptions(encoding: .raw))
    }
}

let versionGoldens = [
    VersionGolden(name: "v1_1_matmul_integer", version: FormatVersion(major: 1, minor: 1)),
    VersionGolden(name: "v1_2_dense_dynamic_quantization", version: FormatVersion(major: 1, minor: 2)),
]

@Suite("Golden files of minor versions (format/golden/v1/minor)")
struct VersionGoldenTests {
    init() throws {
        guard ProcessInfo.processInfo.environment["DLPK_REGENERATE_GOLDENS"] == "1" else { return }
        for golden in versionGoldens { try Data(try golden.serialize()).write(to: URL(fileURLWithPath: golden.path)) }
    }

    /// Each reads as its version, with the graph and bytes it was written from, and today's
    /// writer still writes it byte for byte.
    @Test(arguments: versionGoldens)
    func readsAsItsVersionAndIsWrittenByteForByte(_ golden: VersionGolden) throws {
        let file = try DLPKModel.open(path: golden.path)
        #expect(file.formatVersion == golden.version)
        let m = golden.model
        #expect(file.graph == m.graph)
        #expect(file.metadata == golden.metadata)
        for (i, bytes) in m.constants { #expect(file.constantArray(i) == bytes) }
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: golden.path))) == (try golden.serialize()))
    }
}
