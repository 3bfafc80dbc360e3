/// What went wrong. Raw values are the C ABI's `dlpk_status` codes
/// (include/dlpk.h): gapped by category, append only, never renumbered.
public enum DLErrorCode: Int32, Sendable {
    // 1xx: the caller's arguments
    case invalidArgument = 100
    case nullPointer = 101
    case shapeMismatch = 102
    case dtypeMismatch = 103
    case bufferTooSmall = 104
    case notFound = 105
    // 2xx: files and I/O
    case fileNotFound = 200
    case ioError = 201
    // 3xx: the model file
    case badMagic = 300
    case unsupportedVersion = 301
    case truncated = 302
    case checksumMismatch = 303
    case invalidModel = 304
    case limitExceeded = 305
    case decompressionFailed = 306
    // 4xx: things this build does not do
    case unsupportedOp = 400
    case unsupportedDType = 401
    case unsupported = 402
    // 5xx: while running
    case cancelled = 500
    case outOfMemory = 501
    case internalError = 502
    // 6xx: training and data
    case numericalError = 600
    case invalidData = 601
}

/// The one error type of the library: a code plus a message that names the
/// problem (file, offset, op, expected vs found). Thrown with typed `throws`
/// so that the runtime compiles under Embedded Swift.
public struct DLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: DLErrorCode
    public var message: String

    public init(_ code: DLErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
