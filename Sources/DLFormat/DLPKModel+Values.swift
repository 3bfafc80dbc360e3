import DLCore

extension DLPKModel {
    /// The bytes of `values` as a constant stores them (little-endian, row-major), for
    /// `init(graph:metadata:constants:)`. Element types: Float, Float16 bit patterns as
    /// UInt16, Int8, UInt8, Int32, Int64.
    public static func bytes<T: BitwiseCopyable>(of values: [T]) -> [UInt8] {
        values.withUnsafeBytes { [UInt8]($0) }
    }

    /// A copy of constant tensor `index` as values of `T`, or nil if the tensor is not a
    /// constant or its byte count is not a multiple of `T`'s size.
    public func constantValues<T: BitwiseCopyable>(_ index: Int, as type: T.Type) -> [T]? {
        guard let bytes = constantBytes(index), bytes.count % MemoryLayout<T>.stride == 0 else { return nil }
        let count = bytes.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            initialized = count
        }
    }
}
