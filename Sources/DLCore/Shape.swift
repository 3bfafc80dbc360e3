/// A tensor shape: row-major dimensions, outermost first.
///
/// A dimension of `Shape.dynamic` (-1) is unknown until run time; models use it
/// for the batch dimension. All arithmetic on dimensions is overflow-checked,
/// because shapes come from untrusted model files.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Marks a dimension that is only known at run time (the batch, usually).
    public static let dynamic = -1
    /// Largest rank any file, kernel or session accepts.
    public static let maxRank = 8

    public var dims: [Int]

    @inlinable public init(_ dims: [Int]) { self.dims = dims }

    @inlinable public var rank: Int { dims.count }
    @inlinable public subscript(i: Int) -> Int {
        get { dims[i] }
        set { dims[i] = newValue }
    }

    /// True when no dimension is dynamic.
    @inlinable public var isStatic: Bool { !dims.contains { $0 < 0 } }

    /// Number of elements, or nil when a dimension is dynamic or the product overflows.
    @inlinable public var elementCount: Int? {
        var n = 1
        for d in dims {
            if d < 0 { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }

    /// Row-major strides in elements (assumes a static, non-overflowing shape).
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: dims.count)
        var acc = 1
        var i = dims.count - 1
        while i >= 0 {
            s[i] = acc
            acc = acc &* max(dims[i], 1)
            i -= 1
        }
        return s
    }

    /// The shape with every dynamic dimension replaced by `value`.
    public func resolvingDynamic(with value: Int) -> Shape {
        Shape(dims.map { $0 < 0 ? value : $0 })
    }

    public var description: String {
        "[" + dims.map { $0 < 0 ? "?" : String($0) }.joined(separator: ", ") + "]"
    }
}
