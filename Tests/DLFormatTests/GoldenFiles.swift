import DLCore
import DLFormat
import Foundation

/// The golden files of format/golden/v1: small models covering every dtype, codec,
/// filter and quantization mode. Written once by `regenerateGoldens` (run the tests with
/// DLPK_REGENERATE_GOLDENS=1) and read by the tests forever after, so that version-1
/// files stay readable.
struct GoldenCase: Sendable, CustomStringConvertible {
    var name: String
    var dtype: DType
    var quant: QuantMode
    /// Encoding of the weight tensor (the f32 bias is always stored raw).
    var encoding: BlobEncoding
    /// What the file must record for the weight (the writer keeps raw when zstd does not help).
    var expectedCodec: BlobCodec
    var expectedFilter: BlobFilter

    var description: String { name }

    var source: TestModel {
        TestModel(dtype: dtype, quant: quant, outFeatures: 32, inFeatures: 16, seed: UInt64(name.utf8.count) &* 977)
    }

    var options: WriteOptions {
        WriteOptions(encoding: encoding, perTensor: [2: .raw])
    }

    var path: String { goldenDirectory + "/" + name + ".dlpk" }
}

let goldenDirectory: String = {
    // Tests/DLFormatTests/GoldenFiles.swift -> repository root.
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path + "/format/golden/v1"
}()

let goldenCases: [GoldenCase] = [
    GoldenCase(name: "f32_raw", dtype: .float32, quant: .none, encoding: .raw, expectedCodec: .raw, expectedFilter: .none),
    GoldenCase(name: "f32_zstd", dtype: .float32, quant: .none, encoding: .zstd(level: 19, filter: .none),
               expectedCodec: .zstd, expectedFilter: .none),
    GoldenCase(name: "f32_zstd_shuffle", dtype: .float32, quant: .none, encoding: .zstd(level: 3),
               expectedCodec: .zstd, expectedFilter: .byteShuffle),
    GoldenCase(name: "f16_zstd_shuffle", dtype: .float16, quant: .none, encoding: .zstd(level: 9),
               expectedCodec: .zstd, expectedFilter: .byteShuffle),
    GoldenCase(name: "bf16_raw", dtype: .bfloat16, quant: .none, encoding: .raw, expectedCodec: .raw, expectedFilter: .none),
    GoldenCase(name: "bf16_zstd_shuffle", dtype: .bfloat16, quant: .none, encoding: .zstd(level: 9),
               expectedCodec: .zstd, expectedFilter: .byteShuffle),
    GoldenCase(name: "i8_per_tensor_raw", dtype: .int8, quant: .perTensor, encoding: .raw, expectedCodec: .raw, expectedFilter: .none),
    GoldenCase(name: "i8_per_channel_zstd", dtype: .int8, quant: .perChannelAxis0, encoding: .zstd(level: 19),
               expectedCodec: .zstd, expectedFilter: .none),
    GoldenCase(name: "i8_per_channel_axis1_raw", dtype: .int8, quant: .perChannelAxis1, encoding: .raw,
               expectedCodec: .raw, expectedFilter: .none),
    GoldenCase(name: "u8_per_tensor_zstd", dtype: .uint8, quant: .perTensor, encoding: .zstd(level: 3, filter: .none),
               expectedCodec: .zstd, expectedFilter: .none),
    GoldenCase(name: "i32_per_channel_zstd_shuffle", dtype: .int32, quant: .perChannelAxis0, encoding: .zstd(level: 9),
               expectedCodec: .zstd, expectedFilter: .byteShuffle),
    GoldenCase(name: "i32_per_tensor_raw", dtype: .int32, quant: .perTensor, encoding: .raw, expectedCodec: .raw, expectedFilter: .none),
    GoldenCase(name: "i64_zstd", dtype: .int64, quant: .none, encoding: .zstd(level: 9, filter: .none),
               expectedCodec: .zstd, expectedFilter: .none),
    GoldenCase(name: "i4_per_channel_zstd", dtype: .int4, quant: .perChannelAxis0, encoding: .zstd(level: 9),
               expectedCodec: .zstd, expectedFilter: .none),
]

/// Rewrites every golden file; only when DLPK_REGENERATE_GOLDENS=1 (a deliberate act:
/// golden files of a released version must never change).
/// Runs once per test process, however many suites ask.
let regeneratedGoldens: Result<Void, any Error> = Result {
    guard ProcessInfo.processInfo.environment["DLPK_REGENERATE_GOLDENS"] == "1" else { return }
    try FileManager.default.createDirectory(atPath: goldenDirectory, withIntermediateDirectories: true)
    for c in goldenCases {
        try c.source.model().write(to: c.path, options: c.options)
    }
}

func regenerateGoldensIfAsked() throws {
    try regeneratedGoldens.get()
}
