import Testing
import Foundation
import DLCore
import DLFormat
import DLKernels
@testable import DLRuntime
import _TestSupport

/// Models that go through a `.dlpk` file (written by DLFormat) give the same results as the
/// same graphs built in memory. With DLPK_C_FIXTURES=dir set, the files are also left in
/// `dir` for the C test suite (bindings/c/run-tests.sh), together with the raw weights
/// and an input, so that the C side can compute its own reference.
@Suite struct FileModelTests {
    static let labels = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    func fixtureDirectory() throws -> URL {
        if let dir = ProcessInfo.processInfo.environment["DLPK_C_FIXTURES"] {
            let url = URL(fileURLWithPath: dir)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dlpk-fixtures-\(getpid())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        TemporaryFiles.removeAtExit(url.path)
        return url
    }

    @Test(arguments: [false, true])
    func mlpThroughAFileMatchesInMemory(zstd: Bool) throws {
        let dir = try fixtureDirectory()
        let mlp = TestModels.MLP([64, 128, 64, 10], seed: 2024)
        let metadata = ModelMetadata(producer: "dlpack-tests", producerVersion: "1", createdAt: 1_790_000_000,
                                     labels: Self.labels,
                                     preprocessing: [Preprocessing(input: 0, scale: 1.0 / 255, mean: [0.5], std: [0.25, 0.5], channelAxis: 1)],
                                     properties: [KeyValue("task", "digits")])
        let file = try DLPKModel(graph: mlp.graph, metadata: metadata, constants: mlp.constants)
        let path = dir.appendingPathComponent(zstd ? "mlp_zstd.dlpk" : "mlp.dlpk").path
        try file.write(to: path, options: WriteOptions(encoding: zstd ? .zstd() : .raw))

        let loaded = try Model.open(path: path)
        #expect(loaded.metadata.labels == Self.labels)
        let x = TestModels.randomFloats(3 * 64, seed: 77)
        let fromFile = try Session(model: loaded).run([x], shapes: [Shape([3, 64])])
        let inMemory = try Session(model: try mlp.model()).run([x], shapes: [Shape([3, 64])])
        #expect(fromFile == inMemory)

        // Weights and biases as raw little-endian f32, layer by layer: w0 b0 w1 b1 w2 b2.
        var weights = [Float]()
        for l in 0..<mlp.weights.count { weights += mlp.weights[l] + mlp.biases[l] }
        try Data(TestModels.bytes(weights)).write(to: dir.appendingPathComponent("mlp_weights.f32"))
        try Data(TestModels.bytes(x)).write(to: dir.appendingPathComponent("mlp_input_3x64.f32"))
    }

    /// The same MLP with dynamic-range dense layers (int8 weights per output channel, inputs
    /// quantized per run): mlp_dynamic.dlpk for the C checks (no allocation per run), and
    /// close to the float model here.
    @Test func dynamicRangeMLPThroughAFile() throws {
        let dir = try fixtureDirectory()
        let mlp = TestModels.MLP([64, 128, 64, 10], seed: 2024)
        var graph = mlp.graph
        var constants = mlp.constants
        for n in graph.nodes.indices where graph.nodes[n].op == .dense {
            let w = graph.nodes[n].inputs[1], desc = graph.tensors[w]
            let values = try #require(constants[w]).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let (params, q) = try values.withUnsafeBufferPointer { try Quantize.int8Weights($0, shape: desc.shape, axis: 0) }
            graph.tensors[w] = TensorDesc(name: desc.name, dtype: .int8, shape: desc.shape, quant: params, kind: .constant)
            constants[w] = q.map { UInt8(bitPattern: $0) }
            graph.nodes[n].attributes.append(Attribute(Node.dynamicQuantization, .int(1)))
        }
        let path = dir.appendingPathComponent("mlp_dynamic.dlpk").path
        try DLPKModel(graph: graph, constants: constants).write(to: path)
        let x = TestModels.randomFloats(8 * 64, seed: 78)
        let dynamic = try Session(model: try Model.open(path: path)).run([x], shapes: [Shape([8, 64])])[0]
        let float = try Session(model: try mlp.model()).run([x], shapes: [Shape([8, 64])])[0]
        let scale = float.map(abs).max()!
        #expect(maxAbsDifference(dynamic, float) <= 0.03 * scale)
        #expect(maxAbsDifference(dynamic, float) > 0)
    }

    @Test func modelWithAnOpWithoutKernelIsRefusedAtLoad() throws {
        let dir = try fixtureDirectory()
        // MatMulInteger with one zero point per column of B has no kernel in this build.
        var g = Graph()
        let a = g.addTensor(TensorDesc(name: "a", dtype: .uint8, shape: Shape([2, 1, 3, 4]), quant: QuantParams(scale: 1, zeroPoint: 3)))
        let b = g.addTensor(TensorDesc(name: "b", dtype: .int8, shape: Shape([4, 6]),
                                       quant: QuantParams(scales: [Float](repeating: 1, count: 6), zeroPoints: [0, 1, 2, 3, 4, 5], axis: 1),
                                       kind: .constant))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .int32, shape: Shape([2, 1, 3, 6])))
        g.nodes = [Node(name: "matmul", op: .matMulInteger, inputs: [a, b], outputs: [y])]
        g.inputs = [a]; g.outputs = [y]
        let path = dir.appendingPathComponent("unsupported.dlpk").path
        try DLPKModel(graph: g, constants: [b: [UInt8](repeating: 1, count: 24)]).write(to: path)
        let error = #expect(throws: DLError.self) { _ = try Model.open(path: path) }
        #expect(error?.code == .unsupportedOp)
        #expect(error?.message.contains("'matmul'") == true)
    }

    @Test func memoryLoadsCopyOrBorrow() throws {
        let mlp = TestModels.MLP([4, 3])
        let bytes = try DLPKModel(graph: mlp.graph, constants: mlp.constants).serialize(options: WriteOptions(encoding: .raw))
        let x: [Float] = [1, 2, 3, 4]
        let expected = mlp.reference(x, batch: 1)
        for borrow in [false, true] {
            let y = try bytes.withUnsafeBytes { (b) throws -> [[Float]] in
                let model = try Model.load(b, borrow: borrow)
                return try Session(model: model).run([x], shapes: [Shape([1, 4])])
            }
            #expect(allClose(y[0], expected, rtol: 1e-5, atol: 1e-6))
        }
        var corrupt = bytes
        corrupt[0] = UInt8(ascii: "X")
        let error = #expect(throws: DLError.self) {
            _ = try corrupt.withUnsafeBytes { (b) throws(DLError) in try Model.load(b, borrow: true) }
        }
        #expect(error?.code == .badMagic)
    }
}
