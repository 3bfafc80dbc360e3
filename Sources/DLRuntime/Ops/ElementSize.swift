import DLCore

/// Moves elements of any dtype as same-sized unsigned integers (the kernels are generic over
/// `BitwiseCopyable`; this picks the instantiation once per element size).
enum ElementSize: Int {
    case one = 1, two = 2, four = 4, eight = 8

    init?(_ dtype: DType) {
        guard dtype != .int4 else { return nil }
        self.init(rawValue: dtype.byteSize)
    }
}
