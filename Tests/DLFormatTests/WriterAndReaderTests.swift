import CZstd
import DLCore
import DLFormat
import Foundation
import Testing
import _TestSupport

@Suite("Writer and reader edge cases")
struct WriterAndReaderTests {
    private func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "dlpk-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).dlpk"
    }

    /// Empty tensors, scalars and a graph without constants round-trip with every encoding.
    @Test(arguments: allEncodings)
    func emptyAndScalarTensors(_ encoding: BlobEncoding) throws {
        var g = Graph()
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([Shape.dynamic, 0])))
        let empty = g.addTensor(TensorDesc(name: "empty", dtype: .float32, shape: Shape([0, 3]), kind: .constant))
        let scalar = g.addTensor(TensorDesc(name: "scalar", dtype: .int64, shape: Shape([]), kind: .constant))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([Shape.dynamic, 0])))
        g.nodes = [Node(name: "add", op: .add, inputs: [x, empty], outputs: [y])]
        g.inputs = [x]
        g.outputs = [y, scalar]
        let scalarBytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 0x80]
        let model = try DLPKModel(graph: g, constants: [empty: [], scalar: scalarBytes])
        let back = try DLPKModel.load(bytes: try model.serialize(options: WriteOptions(encoding: encoding)))
        #expect(back.graph == g)
        #expect(back.constantArray(empty) == [])
        #expect(back.constantArray(scalar) == scalarBytes)
        #expect(back.constantBytes(x) == nil)
        #expect(back.constantBytes(99) == nil)

        let bare = try DLPKModel(graph: Graph(), constants: [:])
        let bareBack = try DLPKModel.load(bytes: try bare.serialize())
        #expect(bareBack.graph == Graph())
        #expect(bareBack.metadata == ModelMetadata())
    }

    /// Per-tensor encodings override the default, and zstd that would not shrink a blob
    /// falls back to raw.
    @Test func perTensorEncodingAndRawFallback() throws {
        var source = TestModel(dtype: .float32, quant: .none, outFeatures: 64, inFeatures: 64)
        var rng = SeededGenerator(seed: 9)
        source.constants[2] = (0..<256).map { _ in UInt8.random(in: 0...255, using: &rng) }  // incompressible bias
        let options = WriteOptions(encoding: .zstd(level: 5), perTensor: [1: .raw])
        let back = try DLPKModel.load(bytes: try source.model().serialize(options: options))
        #expect(back.blobs[1]?.codec == .raw)
        #expect(back.blobs[2]?.codec == .raw)
        #expect(back.blobs[2]?.storedSize == 256)
        let zstdEverywhere = try DLPKModel.load(bytes: try source.model().serialize(options: WriteOptions(encoding: .zstd())))
        #expect(zstdEverywhere.blobs[1]?.codec == .zstd)
        #expect(zstdEverywhere.blobs[1]?.filter == .byteShuffle)
        #expect(zstdEverywhere.blobs[2]?.codec == .raw)
    }

    /// The stored planes of a shuffled blob are laid out as SPEC.md section 7 says:
    /// plane b holds byte b of every element (checked by decoding with libzstd directly).
    @Test func shuffleLayoutMatchesTheSpec() throws {
        let source = TestModel(dtype: .float32, quant: .none, outFeatures: 32, inFeatures: 16)
        let file = try source.model().serialize(options: WriteOptions(encoding: .zstd(level: 3, filter: .byteShuffle)))
        let info = try #require(try DLPKModel.load(bytes: file).blobs[1])
        #expect(info.filter == .byteShuffle)
        let raw = source.constants[1]!
        var planes = [UInt8](repeating: 0, count: info.rawSize)
        let written = file.withUnsafeBytes { f in
            planes.withUnsafeMutableBytes { p in
                ZSTD_decompress(p.baseAddress, p.count, f.baseAddress! + info.fileOffset, info.storedSize)
            }
        }
        #expect(written == info.rawSize)
        let n = raw.count / 4
        for i in 0..<n {
            for b in 0..<4 { #expect(planes[b * n + i] == raw[i * 4 + b]) }
        }
    }

    @Test func constructorRefusesWrongConstants() throws {
        let source = TestModel(dtype: .int8, quant: .perTensor)
        var missing = source.constants
        missing[1] = nil
        #expect(throws: DLError.self) { try DLPKModel(graph: source.graph, constants: missing) }
        var short = source.constants
        short[1]!.removeLast()
        let error = try #require(throws: DLError.self) { try DLPKModel(graph: source.graph, constants: short) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("31 bytes given, i8 [8, 4] needs 32"))
        var extra = source.constants
        extra[0] = [1, 2, 3]
        #expect(throws: DLError.self) { try DLPKModel(graph: source.graph, constants: extra) }
        var badGraph = source.graph
        badGraph.nodes[0].inputs[0] = 42
        #expect(throws: DLError.self) { try DLPKModel(graph: badGraph, constants: source.constants) }
    }

    @Test func invalidZstdLevelIsAnError() throws {
        let model = try TestModel(dtype: .float32, quant: .none).model()
        let error = try #require(throws: DLError.self) {
            try model.serialize(options: WriteOptions(encoding: .zstd(level: 99)))
        }
        #expect(error.code == .invalidArgument)
    }

    /// Replacing a file by `write` is a rename: a model mapped from the old file keeps its
    /// bytes, a new open sees the new file, and no temporary file is left behind.
    @Test func writeReplacesAtomically() throws {
        let path = temporaryPath("atomic")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = TestModel(dtype: .float32, quant: .none, seed: 1)
        let second = TestModel(dtype: .float32, quant: .none, seed: 2)
        try first.model().write(to: path, options: WriteOptions(encoding: .raw))
        let mapped = try DLPKModel.open(path: path)
        try second.model().write(to: path, options: WriteOptions(encoding: .raw))
        #expect(mapped.constantArray(1) == first.constants[1])
        #expect(try DLPKModel.open(path: path).constantArray(1) == second.constants[1])
        let directory = (path as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix((path as NSString).lastPathComponent + ".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func writeIntoAMissingDirectoryIsAnIOError() throws {
        let error = try #require(throws: DLError.self) {
            try TestModel(dtype: .int8, quant: .none).model().write(to: "/nonexistent-dir/model.dlpk")
        }
        #expect(error.code == .ioError)
        #expect(error.message.hasPrefix("/nonexistent-dir/model.dlpk: cannot write"))
    }

    @Test func openErrorsNameTheFile() throws {
        let missing = try #require(throws: DLError.self) { try DLPKModel.open(path: "/nonexistent/x.dlpk") }
        #expect(missing.code == .fileNotFound)
        let directory = try #require(throws: DLError.self) { try DLPKModel.open(path: NSTemporaryDirectory()) }
        #expect(directory.code == .ioError)
        let path = temporaryPath("empty")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let empty = try #require(throws: DLError.self) { try DLPKModel.open(path: path) }
        #expect(empty.code == .truncated)
        #expect(empty.message.hasPrefix(path))
    }

    /// Loading from borrowed memory points raw blobs into the caller's buffer (no copy);
    /// loading from an array copies into aligned storage.
    @Test func borrowedAndCopiedMemory() throws {
        let source = TestModel(dtype: .int8, quant: .perChannelAxis0)
        let file = try source.model().serialize(options: WriteOptions(encoding: .raw))
        try file.withUnsafeBytes { buffer in
            let model = try DLPKModel.load(borrowing: buffer)
            let view = try #require(model.constantBytes(1))
            #expect(view.baseAddress == buffer.baseAddress! + model.blobs[1]!.fileOffset)
            #expect(model.ownedBytes == 0)
        }
        let copied = try DLPKModel.load(bytes: file)
        #expect(copied.ownedBytes == file.count)
        #expect(Int(bitPattern: copied.constantBytes(1)!.baseAddress) % 64 == 0)
    }

    /// zstd blobs are decoded once at load into owned memory, bounded by the raw sizes.
    @Test func zstdBlobsAreDecodedIntoOwnedMemory() throws {
        let source = TestModel(dtype: .float32, quant: .none, outFeatures: 64, inFeatures: 64)
        let file = try source.model().serialize(options: WriteOptions(encoding: .zstd(), perTensor: [2: .raw]))
        try file.withUnsafeBytes { buffer in
            let model = try DLPKModel.load(borrowing: buffer)
            #expect(model.ownedBytes == 64 * 64 * 4)
            #expect(Int(bitPattern: model.constantBytes(1)!.baseAddress) % 64 == 0)
        }
    }
}

@Suite("Typed constant values")
struct TypedValuesTests {
    @Test func floatsAndIntsRoundTripThroughBytes() throws {
        let weights: [Float] = [1.5, -2.25, .infinity, -0.0, .leastNonzeroMagnitude, .nan, 65504]
        let indices: [Int64] = [0, -1, .max, .min]
        var g = Graph()
        let w = g.addTensor(TensorDesc(name: "w", dtype: .float32, shape: Shape([7]), kind: .constant))
        let i = g.addTensor(TensorDesc(name: "i", dtype: .int64, shape: Shape([4]), kind: .constant))
        g.outputs = [w, i]
        let model = try DLPKModel(graph: g, constants: [w: DLPKModel.bytes(of: weights), i: DLPKModel.bytes(of: indices)])
        #expect(DLPKModel.bytes(of: weights)[0..<4] == [0x00, 0x00, 0xC0, 0x3F])  // 1.5, little-endian
        let back = try DLPKModel.load(bytes: try model.serialize(options: WriteOptions(encoding: .zstd(level: 1))))
        #expect(back.constantValues(w, as: Float.self)?.map(\.bitPattern) == weights.map(\.bitPattern))
        #expect(back.constantValues(i, as: Int64.self) == indices)
        #expect(back.constantValues(w, as: SIMD4<Float>.self) == nil)  // 28 bytes, not a multiple of 16
        #expect(back.constantValues(99, as: Float.self) == nil)
    }

    /// The writer stamps the lowest minor version that defines what the file uses (SPEC §8):
    /// 1.0 for ops 1–33, 1.1 once op 34 (MatMulInteger) appears; the reader reports it.
    @Test func minorVersionIsTheLowestThatDefinesTheFile() throws {
        func written(_ op: OpCode) throws -> FormatVersion {
            var g = Graph()
            let a = g.addTensor(TensorDesc(name: "a", dtype: .int8, shape: Shape([2, 3])))
            let b = g.addTensor(TensorDesc(name: "b", dtype: .int8, shape: Shape([3, 2])))
            let y = g.addTensor(TensorDesc(name: "y", dtype: .int32, shape: Shape([2, 2])))
            g.nodes = [Node(name: "n", op: op, inputs: [a, b], outputs: [y])]
            g.inputs = [a, b]
            g.outputs = [y]
            return try DLPKModel.load(bytes: try DLPKModel(graph: g, constants: [:]).serialize()).formatVersion
        }
        #expect(try written(.matMul) == FormatVersion(major: 1, minor: 0))
        #expect(try written(.matMulInteger) == FormatVersion(major: 1, minor: 1))
        #expect(FormatVersion.current == FormatVersion(major: 1, minor: 2))
    }

    /// 1.2 once a dense node quantizes its input per run; the attribute survives the round trip.
    @Test func dynamicQuantizationNeedsOneTwo() throws {
        func written(dynamic: Bool) throws -> DLPKModel {
            var g = Graph()
            let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([1, 2])))
            let w = g.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([3, 2]),
                                           quant: QuantParams(scale: 0.5, zeroPoint: 0), kind: .constant))
            let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([1, 3])))
            g.nodes = [Node(name: "fc", op: .dense, inputs: [x, w], outputs: [y],
                            attributes: dynamic ? [Attribute(Node.dynamicQuantization, .int(1))] : [])]
            g.inputs = [x]
            g.outputs = [y]
            let model = try DLPKModel(graph: g, constants: [w: [UInt8](repeating: 1, count: 6)])
            return try DLPKModel.load(bytes: try model.serialize())
        }
        #expect(try written(dynamic: false).formatVersion == FormatVersion(major: 1, minor: 0))
        let dynamic = try written(dynamic: true)
        #expect(dynamic.formatVersion == FormatVersion(major: 1, minor: 2))
        #expect(dynamic.graph.nodes[0].computesDynamicRange)
    }
}
