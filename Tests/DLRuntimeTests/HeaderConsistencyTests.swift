import Testing
import Foundation
import DLCore
import DLFormat

/// include/dlpk.h spells out the status codes, dtypes and format version by hand; they must
/// equal DLErrorCode, DType and FormatVersion.current, which the library actually returns.
@Suite struct HeaderConsistencyTests {
    static func header() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("include/dlpk.h"), encoding: .utf8)
    }

    /// `#define NAME value` lines whose name starts with `prefix`.
    static func defines(_ prefix: String) throws -> [String: Int] {
        var out = [String: Int]()
        for line in try header().split(separator: "\n") where line.hasPrefix("#define \(prefix)") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 3, let v = Int(parts[2]) { out[String(parts[1])] = v }
        }
        return out
    }

    /// lowerCamelCase -> UPPER_SNAKE_CASE.
    static func snake(_ name: String) -> String {
        var out = ""
        for c in name {
            if c.isUppercase { out += "_" }
            out += c.uppercased()
        }
        return out
    }

    @Test func statusCodesAreDLErrorCodes() throws {
        let header = try Self.defines("DLPK_ERROR_")
        // Spelled differently in C: the I/O and internal codes.
        let renames = ["IO_ERROR": "IO", "INTERNAL_ERROR": "INTERNAL", "UNSUPPORTED_D_TYPE": "UNSUPPORTED_DTYPE", "NUMERICAL_ERROR": "NUMERICAL"]
        let codes: [DLErrorCode] = [.invalidArgument, .nullPointer, .shapeMismatch, .dtypeMismatch, .bufferTooSmall, .notFound,
                                    .fileNotFound, .ioError, .badMagic, .unsupportedVersion, .truncated, .checksumMismatch,
                                    .invalidModel, .limitExceeded, .decompressionFailed, .unsupportedOp, .unsupportedDType,
                                    .unsupported, .cancelled, .outOfMemory, .internalError, .numericalError, .invalidData]
        for code in codes {
            var name = Self.snake("\(code)")
            name = renames[name] ?? name
            #expect(header["DLPK_ERROR_" + name] == Int(code.rawValue), "DLPK_ERROR_\(name)")
        }
        #expect(try Self.defines("DLPK_OK")["DLPK_OK"] == 0)
    }

    @Test func dtypesAndVersions() throws {
        let dtypes = try Self.defines("DLPK_DTYPE_")
        let names: [DType: String] = [.float32: "F32", .float16: "F16", .bfloat16: "BF16", .int8: "I8", .uint8: "U8",
                                      .int32: "I32", .int64: "I64"]
        for (dtype, name) in names { #expect(dtypes["DLPK_DTYPE_" + name] == Int(dtype.rawValue)) }
        let format = try Self.defines("DLPK_FORMAT_VERSION_")
        #expect(format["DLPK_FORMAT_VERSION_MAJOR"] == Int(FormatVersion.current.major))
        #expect(format["DLPK_FORMAT_VERSION_MINOR"] == Int(FormatVersion.current.minor))
        #expect(try Self.defines("DLPK_MAX_RANK")["DLPK_MAX_RANK"] == Shape.maxRank)
    }
}
