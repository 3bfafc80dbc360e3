import DLCore
import DLKernels

/// ONNX element types (TensorProto.DataType values) that dlpack reads.
public enum OnnxElementType: Int32, Sendable {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
    case bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

    public var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16, .float16, .bfloat16: return 2
        case .float, .int32, .uint32: return 4
        case .int64, .double, .uint64: return 8
        }
    }

    /// The `.dlpk` element type a tensor of this type is stored as (doubles become
    /// float32, narrow integers widen, booleans become uint8).
    public var storageType: DType {
        switch self {
        case .float, .double: return .float32
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int8: return .int8
        case .uint8, .bool: return .uint8
        case .int16, .uint16, .int32: return .int32
        case .int64, .uint32, .uint64: return .int64
        }
    }

    public var isFloatingPoint: Bool { self == .float || self == .double || self == .float16 || self == .bfloat16 }

    public var name: String {
        switch self {
        case .float: return "float"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        case .float16: return "float16"
        case .double: return "double"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .bfloat16: return "bfloat16"
        }
    }
}

/// A tensor whose values are known at conversion time: an initializer, a
/// Constant node's value, or the result of folding. Little-endian bytes.
public struct HostTensor: Equatable, Sendable {
    public var name: String
    public var type: OnnxElementType
    public var dims: [Int]
    public var bytes: [UInt8]

    public init(name: String = "", type: OnnxElementType, dims: [Int], bytes: [UInt8]) {
        self.name = name
        self.type = type
        self.dims = dims
        self.bytes = bytes
    }

    public init(name: String = "", floats: [Float], dims: [Int]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        self.init(name: name, type: .float, dims: dims, bytes: bytes)
    }

    public init(name: String = "", int64s: [Int64], dims: [Int]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(int64s.count * 8)
        for v in int64s { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        self.init(name: name, type: .int64, dims: dims, bytes: bytes)
    }

    /// Number of elements (dims were checked to be non-negative and small enough when decoded).
    public var count: Int { dims.reduce(1, *) }

    private func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { dst in
            for b in 0..<MemoryLayout<T>.size { dst[b] = bytes[i * MemoryLayout<T>.size + b] }
        }
        return T(littleEndian: v)
    }

    /// Element `i` as a Double, whatever the element type.
    public func double(at i: Int) -> Double {
        switch type {
        case .float: return Double(Float(bitPattern: load(UInt32.self, i)))
        case .double: return Double(bitPattern: load(UInt64.self, i))
        case .float16: return Double(Quantize.float(fromFloat16Bits: load(UInt16.self, i)))
        case .bfloat16: return Double(Quantize.float(fromBFloat16Bits: load(UInt16.self, i)))
        case .int8: return Double(Int8(bitPattern: bytes[i]))
        case .uint8, .bool: return Double(bytes[i])
        case .int16: return Double(load(Int16.self, i))
        case .uint16: return Double(load(UInt16.self, i))
        case .int32: return Double(load(Int32.self, i))
        case .uint32: return Double(load(UInt32.self, i))
        case .int64: return Double(load(Int64.self, i))
        case .uint64: return Double(load(UInt64.self, i))
        }
    }

    /// Element `i` as an Int64 (exact for integer types).
    public func int64(at i: Int) -> Int64 {
        switch type {
        case .int64: return load(Int64.self, i)
        case .uint64: return Int64(truncatingIfNeeded: load(UInt64.self, i))
        case .int32: return Int64(load(Int32.self, i))
        case .uint32: return Int64(load(UInt32.self, i))
        case .int16: return Int64(load(Int16.self, i))
        case .uint16: return Int64(load(UInt16.self, i))
        case .int8: return Int64(Int8(bitPattern: bytes[i]))
        case .uint8, .bool: return Int64(bytes[i])
        default:
            let d = double(at: i)
            return d.isFinite && abs(d) < 9.2e18 ? Int64(d) : 0
        }
    }

    public var floatValues: [Float] { (0..<count).map { Float(double(at: $0)) } }
    public var int64Values: [Int64] { (0..<count).map { int64(at: $0) } }

    /// The bytes as the `.dlpk` stores them (`type.storageType`).
    public var storageBytes: [UInt8] {
        switch type {
        case .float, .float16, .bfloat16, .int8, .uint8, .bool, .int32, .int64: return bytes
        case .double: return HostTensor(floats: floatValues, dims: dims).bytes
        case .uint32, .uint64: return HostTensor(int64s: int64Values, dims: dims).bytes
        case .int16, .uint16:
            var out = [UInt8]()
            out.reserveCapacity(count * 4)
            for i in 0..<count { withUnsafeBytes(of: Int32(int64(at: i)).littleEndian) { out.append(contentsOf: $0) } }
            return out
        }
    }
}
