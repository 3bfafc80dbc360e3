/// Reshape, Flatten, Squeeze, Unsqueeze and Identity move no data: on the contiguous row-major
/// tensors the runtime keeps, the output is the input's bytes under a new shape. The runtime
/// plans them as views (the output aliases the input); where it cannot (the output must live in
/// another buffer), `copy` is the whole kernel.
public enum Reshape {
    public static func copy<T: BitwiseCopyable>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        if UnsafePointer(y) != x { y.update(from: x, count: count) }
    }
}
