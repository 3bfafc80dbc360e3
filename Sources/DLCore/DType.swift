/// Element types a tensor can have, in a `.dlpk` file, the runtime and the C ABI.
///
/// The raw values are stored in files and cross the C ABI (`DLPK_DTYPE_*` in
/// include/dlpk.h): append only, never renumber.
public enum DType: UInt8, CaseIterable, Sendable {
    case float32 = 1
    case float16 = 2
    case bfloat16 = 3
    case int8 = 4
    case uint8 = 5
    case int32 = 6
    case int64 = 7
    /// Reserved: two signed 4-bit values per byte, low nibble first. Not yet computed on.
    case int4 = 8

    /// Bytes per element; `int4` reports 1 and is packed two per byte (see `storageBytes`).
    @inlinable public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .int8, .uint8, .int4: return 1
        case .int64: return 8
        }
    }

    /// Bytes needed to store `count` elements, or nil on overflow.
    @inlinable public func storageBytes(count: Int) -> Int? {
        if count < 0 { return nil }
        if self == .int4 { return count / 2 + count % 2 }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: byteSize)
        return overflow ? nil : bytes
    }

    @inlinable public var isFloatingPoint: Bool {
        self == .float32 || self == .float16 || self == .bfloat16
    }

    @inlinable public var isQuantizedInteger: Bool {
        self == .int8 || self == .uint8 || self == .int4
    }

    /// The short name used in specs, `dlpack inspect` and the Python binding.
    public var name: String {
        switch self {
        case .float32: return "f32"
        case .float16: return "f16"
        case .bfloat16: return "bf16"
        case .int8: return "i8"
        case .uint8: return "u8"
        case .int32: return "i32"
        case .int64: return "i64"
        case .int4: return "i4"
        }
    }
}
