import DLCore
import DLFormat

// Versions and status strings (include/dlpk.h, "Versions", "Status codes").

enum LibraryVersion {
    static let major: UInt32 = 0, minor: UInt32 = 1, patch: UInt32 = 0
    static let string: StaticString = "0.1.0"
    static let abi: UInt32 = 1
}

@_cdecl("dlpk_version_number")
public func dlpk_version_number() -> UInt32 {
    LibraryVersion.major * 100 * 100 + LibraryVersion.minor * 100 + LibraryVersion.patch
}

@_cdecl("dlpk_version_string")
public func dlpk_version_string() -> UnsafePointer<CChar> {
    cString(LibraryVersion.string)
}

@_cdecl("dlpk_abi_version")
public func dlpk_abi_version() -> UInt32 { LibraryVersion.abi }

@_cdecl("dlpk_format_version")
public func dlpk_format_version() -> UInt32 {
    UInt32(FormatVersion.current.major) * 100 + UInt32(FormatVersion.current.minor)
}

@_cdecl("dlpk_status_string")
public func dlpk_status_string(_ status: Int32) -> UnsafePointer<CChar> {
    if status == 0 { return cString("ok") }
    guard let code = DLErrorCode(rawValue: status) else { return cString("unknown status") }
    switch code {
    case .invalidArgument: return cString("invalid argument")
    case .nullPointer: return cString("null pointer")
    case .shapeMismatch: return cString("shape mismatch")
    case .dtypeMismatch: return cString("dtype mismatch")
    case .bufferTooSmall: return cString("buffer too small")
    case .notFound: return cString("not found")
    case .fileNotFound: return cString("file not found")
    case .ioError: return cString("I/O error")
    case .badMagic: return cString("not a .dlpk file")
    case .unsupportedVersion: return cString("unsupported format version")
    case .truncated: return cString("truncated file")
    case .checksumMismatch: return cString("checksum mismatch")
    case .invalidModel: return cString("invalid model")
    case .limitExceeded: return cString("limit exceeded")
    case .decompressionFailed: return cString("decompression failed")
    case .unsupportedOp: return cString("unsupported op")
    case .unsupportedDType: return cString("unsupported dtype")
    case .unsupported: return cString("unsupported")
    case .cancelled: return cString("cancelled")
    case .outOfMemory: return cString("out of memory")
    case .internalError: return cString("internal error")
    case .numericalError: return cString("numerical error")
    case .invalidData: return cString("invalid data")
    }
}

@_cdecl("dlpk_last_error_message")
public func dlpk_last_error_message() -> UnsafePointer<CChar> { LastError.message }

@_cdecl("dlpk_dtype_size")
public func dlpk_dtype_size(_ dtype: Int32) -> Int {
    guard let t = DType(rawValue: UInt8(truncatingIfNeeded: dtype)), Int32(t.rawValue) == dtype, t != .int4 else { return 0 }
    return t.byteSize
}

@inline(__always)
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}
