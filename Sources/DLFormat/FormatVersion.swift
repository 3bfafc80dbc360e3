import DLCore

#if _endian(big)
#error("DLFormat reads and writes little-endian data in place; big-endian hosts are not supported yet")
#endif

/// A `.dlpk` format version. A reader accepts every minor version of its own
/// major (minors only add what older readers may ignore) and refuses a newer major.
public struct FormatVersion: Equatable, Sendable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16

    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    /// The version this library writes, and the newest it reads.
    public static let current = FormatVersion(major: 1, minor: 0)

    public var description: String { "\(major).\(minor)" }
}
