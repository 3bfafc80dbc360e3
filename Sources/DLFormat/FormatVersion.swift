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

    /// The newest version this library reads and writes.
    public static let current = FormatVersion(major: 1, minor: 2)

    /// The lowest version that defines everything `graph` uses (SPEC §8): a writer stamps
    /// this, so that a reader of an older minor refuses only files that need what it lacks.
    /// 1.0: ops 1–33; 1.1 adds op 34 (MatMulInteger); 1.2 adds Dense's `dynamic_quantization`
    /// (an older reader ignores it and widens the int8 weights to f32, as 1.1 defines).
    public static func lowest(for graph: Graph) -> FormatVersion {
        let minor: UInt16 = graph.nodes.contains { $0.computesDynamicRange } ? 2
            : graph.nodes.contains { $0.op == .matMulInteger } ? 1 : 0
        return FormatVersion(major: current.major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }
}
