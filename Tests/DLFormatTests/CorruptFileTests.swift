import DLCore
import DLFormat
import Foundation
import Testing
import _TestSupport

/// Loads `bytes` and expects a specific DLError; returns it for further checks.
@discardableResult
func expectLoadFails(_ bytes: [UInt8], _ code: DLErrorCode, options: ReadOptions = ReadOptions(),
                     sourceLocation: SourceLocation = #_sourceLocation) -> DLError? {
    do {
        _ = try DLPKModel.load(bytes: bytes, options: options)
        Issue.record("a corrupt file loaded; expected \(code)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        return error
    }
}

/// Mixed encodings: the weight is zstd + shuffle, the bias raw.
private func goldenBytes(_ name: String = "f32_zstd_shuffle") throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: goldenDirectory + "/" + name + ".dlpk")))
}

@Suite("Corrupt files")
struct CorruptFileTests {
    init() throws { try regenerateGoldensIfAsked() }

    /// Every proper prefix of a golden file: `truncated`, whatever the cut.
    @Test func everyTruncationPoint() throws {
        let file = try goldenBytes()
        for length in 0..<file.count {
            expectLoadFails(Array(file[0..<length]), .truncated)
        }
        print("corrupt-file suite: \(file.count) truncation points")
    }

    /// One bit flipped at every byte of a golden file, all 8 bits: each gives the error of
    /// the region it lands in (magic, version, header checksum, manifest checksum, padding,
    /// blob checksum).
    @Test func everySingleBitFlip() throws {
        let file = try goldenBytes()
        let manifestEnd = headerField(file, at: 24, bytes: 8) + headerField(file, at: 32, bytes: 8)
        let model = try DLPKModel.load(bytes: file)
        let blobRanges = model.blobs.compactMap { $0.map { $0.fileOffset..<($0.fileOffset + $0.storedSize) } }
        var count = 0
        for offset in 0..<file.count {
            let expected: DLErrorCode
            switch offset {
            case 0..<4: expected = .badMagic
            case 4..<6: expected = .unsupportedVersion
            case 6..<64: expected = .checksumMismatch
            case 64..<manifestEnd: expected = .checksumMismatch
            default: expected = blobRanges.contains { $0.contains(offset) } ? .checksumMismatch : .invalidModel
            }
            for bit in 0..<8 {
                var corrupt = file
                corrupt[offset] ^= 1 << UInt8(bit)
                expectLoadFails(corrupt, expected)
                count += 1
            }
        }
        print("corrupt-file suite: \(count) single-bit flips")
    }

    /// Bit flips inside the manifest with its checksum recomputed, so that the protobuf
    /// decoder and the validation see them: each must fail with a DLError or load a model
    /// (a flipped name or float is still a valid model) that the writer accepts too.
    @Test func resealedManifestBitFlipsNeverCrash() throws {
        let file = try goldenBytes()
        let manifestSize = headerField(file, at: 32, bytes: 8)
        var loaded = 0
        var refused = 0
        for offset in 64..<(64 + manifestSize) {
            for bit in 0..<8 {
                var corrupt = file
                corrupt[offset] ^= 1 << UInt8(bit)
                let sum = XXH64.hash(Array(corrupt[64..<(64 + manifestSize)]))
                corrupt = patchHeader(corrupt, at: 48, bytes: 8, value: sum)
                do {
                    let model = try DLPKModel.load(bytes: corrupt)
                    var constants: [Int: [UInt8]] = [:]
                    for i in model.graph.tensors.indices { constants[i] = model.constantArray(i) }
                    #expect(throws: Never.self) {
                        try DLPKModel(graph: model.graph, metadata: model.metadata, constants: constants)
                    }
                    loaded += 1
                } catch {
                    refused += 1
                }
            }
        }
        print("corrupt-file suite: \(loaded + refused) resealed manifest bit flips (\(refused) refused, \(loaded) still valid)")
    }

    /// Random manifests with valid checksums: decoder fuzzing, never a crash.
    @Test func randomManifestsNeverCrash() {
        var rng = SeededGenerator(seed: 42)
        let count = 2000
        for _ in 0..<count {
            let length = Int.random(in: 0...300, using: &rng)
            let manifest = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let file = assembleFile(manifest: manifest, blobs: [])
            _ = try? DLPKModel.load(bytes: file)
        }
        print("corrupt-file suite: \(count) random manifests")
    }

    @Test(arguments: craftedCases)
    func craftedFile(_ c: CraftedCase) {
        let error = expectLoadFails(c.bytes(), c.code, options: c.options)
        if let fragment = c.messageContains, let error {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func craftedCaseCount() {
        print("corrupt-file suite: \(craftedCases.count) crafted files (absurd sizes and counts, bad codes, zstd bombs, header fields)")
        #expect(craftedCases.count >= 40)
    }

    /// The hand-built baseline is valid: the crafted cases each break exactly one thing.
    @Test func craftedBaselineLoads() throws {
        let model = try DLPKModel.load(bytes: CraftedModel().file())
        let c = try #require(model.constantBytes(1))
        #expect(c.load(fromByteOffset: 12, as: Float.self) == 4)
        #expect(model.metadata.producer == "crafted")
    }

    /// A newer minor version with fields and flag bits this reader does not know still loads.
    @Test func newerMinorVersionWithUnknownFieldsLoads() throws {
        var crafted = CraftedModel()
        crafted.minor = 9
        crafted.flags = 0x8000_0000
        var extra = ProtoWriter()
        extra.string(15, "a field from version 1.9")
        extra.uint(16, 12345)
        crafted.manifestSuffix = extra.bytes
        let model = try DLPKModel.load(bytes: crafted.file())
        #expect(model.formatVersion == FormatVersion(major: 1, minor: 9))
        #expect(model.graph.nodes.count == 1)
    }
}

struct CraftedCase: Sendable, CustomStringConvertible {
    var name: String
    var code: DLErrorCode
    var messageContains: String?
    var options = ReadOptions()
    var bytes: @Sendable () -> [UInt8]

    init(_ name: String, _ code: DLErrorCode, _ messageContains: String? = nil, options: ReadOptions = ReadOptions(),
         _ bytes: @escaping @Sendable () -> [UInt8]) {
        self.name = name
        self.code = code
        self.messageContains = messageContains
        self.options = options
        self.bytes = bytes
    }

    var description: String { name }
}

private func crafted(_ change: (inout CraftedModel) -> Void) -> [UInt8] {
    var m = CraftedModel()
    change(&m)
    return m.file()
}

/// A zstd frame of `size` zero bytes, made by the library's writer.
private func zstdZeros(_ size: Int) -> [UInt8] {
    var g = Graph()
    g.addTensor(TensorDesc(name: "z", dtype: .uint8, shape: Shape([size]), kind: .constant))
    let model = try! DLPKModel(graph: g, constants: [0: [UInt8](repeating: 0, count: size)])
    let file = try! model.serialize(options: WriteOptions(encoding: .zstd(level: 1)))
    let info = try! DLPKModel.load(bytes: file).blobs[0]!
    precondition(info.codec == .zstd)
    return Array(file[info.fileOffset..<(info.fileOffset + info.storedSize)])
}

/// A model whose only constant is a u8 [rawSize] zstd blob holding `frame`.
private func zstdModel(frame: [UInt8], rawSize: Int64) -> [UInt8] {
    crafted { m in
        m.blobs = frame
        m.tensors = [CraftedTensor(name: "z", dtype: 5, shape: [rawSize], kind: 1,
                                   blob: CraftedBlob(storedSize: UInt64(frame.count), rawSize: UInt64(rawSize), codec: 1))]
        m.nodes = []
        m.inputs = []
        m.outputs = [0]
    }
}

let craftedCases: [CraftedCase] = [
    // Header
    CraftedCase("wrong magic", .badMagic, "not a .dlpk file") { var f = CraftedModel().file(); f[0] = UInt8(ascii: "X"); return f },
    CraftedCase("empty file", .truncated) { [] },
    CraftedCase("newer major version", .unsupportedVersion, "format version 2.0 is newer than this reader's 1.2") {
        crafted { $0.major = 2 }
    },
    CraftedCase("major version 0", .unsupportedVersion, "0.3") { crafted { $0.major = 0; $0.minor = 3 } },
    CraftedCase("header size 32", .invalidModel, "header size") { patchHeader(CraftedModel().file(), at: 12, bytes: 4, value: 32) },
    CraftedCase("header size not a multiple of 8", .invalidModel) { patchHeader(CraftedModel().file(), at: 12, bytes: 4, value: 65) },
    CraftedCase("file size beyond the file", .truncated) { patchHeader(CraftedModel().file(), at: 16, bytes: 8, value: 1 << 40) },
    CraftedCase("file size beyond Int", .invalidModel, "beyond any file") {
        patchHeader(CraftedModel().file(), at: 16, bytes: 8, value: UInt64.max)
    },
    CraftedCase("trailing bytes", .invalidModel, "unexpected bytes") {
        var f = CraftedModel().file()
        f.append(0)
        return f
    },
    CraftedCase("manifest offset inside the header", .invalidModel) { patchHeader(CraftedModel().file(), at: 24, bytes: 8, value: 8) },
    CraftedCase("manifest size past the blobs", .invalidModel) { patchHeader(CraftedModel().file(), at: 32, bytes: 8, value: 1 << 20) },
    CraftedCase("manifest offset + size overflows", .invalidModel) {
        patchHeader(CraftedModel().file(), at: 32, bytes: 8, value: UInt64(Int.max))
    },
    CraftedCase("blob section misaligned", .invalidModel, "multiple of 64") {
        let f = CraftedModel().file()
        return patchHeader(f, at: 40, bytes: 8, value: UInt64(headerField(f, at: 40, bytes: 8) - 8))
    },
    CraftedCase("header checksum wrong", .checksumMismatch, "header") { var f = CraftedModel().file(); f[60] ^= 1; return f },
    CraftedCase("manifest checksum wrong", .checksumMismatch, "manifest") { var f = CraftedModel().file(); f[64] ^= 1; return f },
    CraftedCase("manifest over the reader's limit", .limitExceeded, options: ReadOptions(maxManifestBytes: 16)) {
        CraftedModel().file()
    },

    // Manifest encoding
    CraftedCase("manifest is not protobuf", .invalidModel, "not a valid protobuf") {
        crafted { $0.manifestOverride = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF] }
    },
    CraftedCase("empty manifest: no graph", .invalidModel, "no graph") { crafted { $0.manifestOverride = [] } },
    CraftedCase("two million tensors", .limitExceeded, "exceed the limits") {
        var g = ProtoWriter()
        for _ in 0..<2_000_000 { g.lengthDelimited(1, []) }
        var m = ProtoWriter()
        m.lengthDelimited(1, g.bytes)
        return crafted { $0.manifestOverride = m.bytes }
    },
    CraftedCase("string length beyond the manifest", .invalidModel) {
        var m = ProtoWriter()
        m.varint(1 << 3 | 2)
        m.varint(1 << 40)
        return crafted { $0.manifestOverride = m.bytes }
    },

    // Tensors
    CraftedCase("unknown dtype", .unsupportedDType, "dtype code 99") { crafted { $0.tensors[1].dtype = 99 } },
    CraftedCase("unknown tensor kind", .invalidModel, "kind 5") { crafted { $0.tensors[0].kind = 5 } },
    CraftedCase("rank 9", .limitExceeded, "rank 9") { crafted { $0.tensors[0].shape = [1, 1, 1, 1, 1, 1, 1, 1, 1] } },
    CraftedCase("dimension -7", .invalidModel, "-7") { crafted { $0.tensors[0].shape = [-7, 4] } },
    CraftedCase("element count overflows", .invalidModel, "no static size") {
        crafted { $0.tensors[1].shape = [1 << 40, 1 << 40] }
    },
    CraftedCase("dimension beyond Int64", .invalidModel) { crafted { $0.tensors[1].shape = [Int64.max, Int64.max] } },
    CraftedCase("constant with a dynamic dimension", .invalidModel, "static shape") { crafted { $0.tensors[1].shape = [-1] } },
    CraftedCase("constant without a blob", .invalidModel, "without a blob") { crafted { $0.tensors[1].blob = nil } },
    CraftedCase("activation with a blob", .invalidModel, "activation with a blob") {
        crafted { $0.tensors[2].blob = CraftedBlob(storedSize: 16, rawSize: 16) }
    },

    // Blobs
    CraftedCase("blob offset beyond any file", .invalidModel, "beyond any file") { crafted { $0.tensors[1].blob!.offset = UInt64.max } },
    CraftedCase("blob offset past the section", .truncated, "past the end") { crafted { $0.tensors[1].blob!.offset = 1 << 40 } },
    CraftedCase("blob size past the section", .truncated, "past the end") { crafted { $0.tensors[1].blob!.storedSize = 1 << 50 } },
    CraftedCase("raw size unlike the shape", .invalidModel, "needs 16") {
        crafted { $0.tensors[1].blob!.rawSize = 12; $0.tensors[1].blob!.storedSize = 12 }
    },
    CraftedCase("blob offset misaligned", .invalidModel, "multiple of 64") {
        crafted { $0.blobs = [UInt8](repeating: 0, count: 8) + $0.blobs; $0.tensors[1].blob!.offset = 8 }
    },
    CraftedCase("unknown codec", .unsupported, "codec 7") { crafted { $0.tensors[1].blob!.codec = 7 } },
    CraftedCase("unknown filter", .unsupported, "filter 3") { crafted { $0.tensors[1].blob!.filter = 3 } },
    CraftedCase("filter on a raw blob", .invalidModel, "filter shuffle on a raw blob") { crafted { $0.tensors[1].blob!.filter = 1 } },
    CraftedCase("blob checksum wrong", .checksumMismatch, "tensor 1 ('c')") { crafted { $0.tensors[1].blob!.checksum = 1 } },
    CraftedCase("overlapping blobs", .invalidModel, "overlaps") {
        crafted { m in
            m.tensors.append(CraftedTensor(name: "d", shape: [4], kind: 1, blob: CraftedBlob(storedSize: 16, rawSize: 16)))
        }
    },
    CraftedCase("nonzero bytes after the last blob", .invalidModel, "padding") { crafted { $0.blobs += [0, 7] } },

    // zstd
    CraftedCase("zstd bomb: frame larger than declared", .decompressionFailed, "declares 10000000 bytes, the manifest 1000") {
        zstdModel(frame: zstdZeros(10_000_000), rawSize: 1000)
    },
    CraftedCase("zstd bomb: absurd declared size", .limitExceeded, "cannot decode") {
        zstdModel(frame: zstdZeros(1000), rawSize: 1 << 40)
    },
    CraftedCase("zstd frame smaller than declared", .decompressionFailed) { zstdModel(frame: zstdZeros(1000), rawSize: 2000) },
    CraftedCase("zstd data corrupt behind a valid checksum", .decompressionFailed) {
        var frame = zstdZeros(100_000)
        frame.removeLast(3)
        return zstdModel(frame: frame, rawSize: 100_000)
    },
    CraftedCase("zstd frame followed by garbage", .decompressionFailed, "after the zstd frame") {
        zstdModel(frame: zstdZeros(1000) + [1, 2, 3], rawSize: 1000)
    },
    CraftedCase("not zstd at all", .decompressionFailed) { zstdModel(frame: [1, 2, 3, 4, 5, 6, 7, 8], rawSize: 1000) },
    CraftedCase("decoded bytes over the reader's limit", .limitExceeded, options: ReadOptions(maxDecodedBytes: 999)) {
        zstdModel(frame: zstdZeros(1000), rawSize: 1000)
    },

    // Quantization
    CraftedCase("scales and zero points differ in count", .invalidModel, "2 quantization scales but 1 zero points") {
        crafted { $0.tensors[1].dtype = 6; $0.tensors[1].quant = CraftedQuant(scales: [1, 2], zeroPoints: [0]) }
    },
    CraftedCase("per-channel count unlike the axis", .invalidModel, "3 scales for 4 channels") {
        crafted {
            $0.tensors[1].dtype = 6
            $0.tensors[1].quant = CraftedQuant(scales: [1, 1, 1], zeroPoints: [0, 0, 0], perChannel: true, axis: 0)
        }
    },
    CraftedCase("quantization axis outside the tensor", .invalidModel, "axis") {
        crafted {
            $0.tensors[1].dtype = 6
            $0.tensors[1].quant = CraftedQuant(scales: [1], zeroPoints: [0], perChannel: true, axis: 1_000_000)
        }
    },
    CraftedCase("zero scale", .invalidModel, "not a finite positive") {
        crafted { $0.tensors[1].dtype = 6; $0.tensors[1].quant = CraftedQuant(scales: [0], zeroPoints: [0]) }
    },
    CraftedCase("quantization on a float tensor", .invalidModel, "quantization parameters on a f32") {
        crafted { $0.tensors[1].quant = CraftedQuant(scales: [1], zeroPoints: [0]) }
    },

    // Graph
    CraftedCase("unknown op", .unsupportedOp, "op code 999") { crafted { $0.nodes[0].op = 999 } },
    CraftedCase("node input out of range", .invalidModel, "outside 0..<3") { crafted { $0.nodes[0].inputs = [0, 1000] } },
    CraftedCase("node input beyond Int32", .invalidModel) { crafted { $0.nodes[0].inputs = [0, Int64.max] } },
    CraftedCase("node input below -1", .invalidModel) { crafted { $0.nodes[0].inputs = [0, -2] } },
    CraftedCase("node reads a tensor nothing produced", .invalidModel, "no earlier node produces") {
        crafted { $0.nodes[0].inputs = [2, 1]; $0.nodes[0].outputs = [0]; $0.inputs = [] }
    },
    CraftedCase("node writes a constant", .invalidModel, "a constant") { crafted { $0.nodes[0].outputs = [1] } },
    CraftedCase("node output out of range", .invalidModel) { crafted { $0.nodes[0].outputs = [4_000_000_000] } },
    CraftedCase("tensor produced twice", .invalidModel, "already produced") {
        crafted { $0.nodes.append(CraftedNode(name: "again", op: 11, inputs: [0], outputs: [2])) }
    },
    CraftedCase("graph output out of range", .invalidModel, "graph output 0") { crafted { $0.outputs = [77] } },
    CraftedCase("graph input is a constant", .invalidModel, "a constant") { crafted { $0.inputs = [1] } },
    CraftedCase("graph input listed twice", .invalidModel, "twice") { crafted { $0.inputs = [0, 0] } },
    CraftedCase("unknown attribute type", .invalidModel, "unknown type 9") {
        crafted { $0.nodes[0].attributes = [CraftedAttribute(name: "axis", type: 9)] }
    },
]
