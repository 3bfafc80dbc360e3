import DLCore
import DLFormat
import Foundation
import Testing

@Suite("Golden files (format/golden/v1)")
struct GoldenFileTests {
    init() throws { try regenerateGoldensIfAsked() }

    /// Each golden file reads, and holds exactly what its generator wrote.
    @Test(arguments: goldenCases)
    func goldenFileReadsBackItsGenerator(_ golden: GoldenCase) throws {
        let model = try DLPKModel.open(path: golden.path)
        let source = golden.source
        #expect(model.formatVersion == FormatVersion(major: 1, minor: 0))
        #expect(model.graph == source.graph)
        #expect(model.metadata == source.metadata)
        for (i, expected) in source.constants {
            #expect(model.constantArray(i) == expected, "tensor \(i)")
        }
        #expect(model.blobs[1]?.codec == golden.expectedCodec)
        #expect(model.blobs[1]?.filter == golden.expectedFilter)
        #expect(model.blobs[2]?.codec == .raw)
    }

    /// Raw-only files are byte-for-byte what this writer writes today (zstd's output may
    /// change between zstd releases, so compressed goldens are compared by content only).
    @Test(arguments: goldenCases.filter { $0.expectedCodec == .raw })
    func writerStillWritesTheRawGoldensByteForByte(_ golden: GoldenCase) throws {
        let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: golden.path)))
        #expect(try golden.source.model().serialize(options: golden.options) == onDisk)
    }

    @Test func goldensCoverEveryDTypeCodecFilterAndQuantizationMode() {
        #expect(Set(goldenCases.map(\.dtype.rawValue)) == Set(DType.allCases.map(\.rawValue)))
        #expect(Set(goldenCases.map(\.expectedCodec.rawValue)) == Set(BlobCodec.allCases.map(\.rawValue)))
        #expect(Set(goldenCases.map(\.expectedFilter.rawValue)) == Set(BlobFilter.allCases.map(\.rawValue)))
        #expect(Set(goldenCases.map(\.quant.rawValue)) == Set(QuantMode.allCases.map(\.rawValue)))
    }
}
