import DLCore
import DLFormat
import Foundation
import Testing
import _TestSupport

/// Quantization parameters belong to integer tensors only (i8, u8, i4, i32).
let dtypeQuantCombinations: [(DType, QuantMode)] = allDTypes.flatMap { dtype in
    (dtype.isQuantizedInteger || dtype == .int32 ? QuantMode.allCases : [.none]).map { (dtype, $0) }
}

@Suite("Round trips")
struct RoundTripTests {
    /// Every dtype x quantization mode x encoding: the graph, metadata and every constant's
    /// bytes come back exactly as written.
    @Test(arguments: dtypeQuantCombinations)
    func roundTripInMemory(dtype: DType, quant: QuantMode) throws {
        let source = TestModel(dtype: dtype, quant: quant, outFeatures: 64, inFeatures: 32)
        let model = try source.model()
        for encoding in allEncodings {
            let bytes = try model.serialize(options: WriteOptions(encoding: encoding))
            let back = try DLPKModel.load(bytes: bytes)
            #expect(back.graph == source.graph)
            #expect(back.metadata == source.metadata)
            #expect(back.formatVersion == FormatVersion(major: 1, minor: 0))  // uses nothing newer than 1.0
            for (i, expected) in source.constants {
                #expect(back.constantArray(i) == expected, "tensor \(i), \(dtype.name), \(encoding)")
            }
            // Writing what was read gives the same file again.
            #expect(try back.serialize(options: WriteOptions(encoding: encoding)) == bytes)
        }
    }

    @Test func writeThenOpenFromPathMapsRawBlobsInPlace() throws {
        let source = TestModel(dtype: .float32, quant: .none, outFeatures: 128, inFeatures: 64)
        let path = NSTemporaryDirectory() + "dlpk-roundtrip-\(getpid()).dlpk"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try source.model().write(to: path, options: WriteOptions(encoding: .raw))
        let model = try DLPKModel.open(path: path)
        #expect(model.ownedBytes == 0)
        for (i, expected) in source.constants {
            let view = try #require(model.constantBytes(i))
            #expect(Int(bitPattern: view.baseAddress) % 64 == 0)
            #expect([UInt8](view) == expected)
        }
        #expect(model.blobs[1]?.codec == .raw)
        #expect(model.fileSize == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
    }
}
