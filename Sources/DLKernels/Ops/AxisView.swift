/// A tensor seen as [outer, axis, inner] around one axis: how softmax, layer-norm,
/// concat and gather address their data.
public struct AxisView: Equatable, Hashable, Sendable {
    public var outer: Int
    public var axis: Int
    public var inner: Int

    public init(outer: Int, axis: Int, inner: Int) {
        self.outer = outer
        self.axis = axis
        self.inner = inner
    }

    /// The view of `shape` around `axis` (negative counts from the end; the caller validated it).
    public init(shape: [Int], axis: Int) {
        let a = axis < 0 ? axis + shape.count : axis
        outer = shape[..<a].reduce(1, *)
        self.axis = shape[a]
        inner = shape[(a + 1)...].reduce(1, *)
    }

    @inlinable public var count: Int { outer * axis * inner }
}
