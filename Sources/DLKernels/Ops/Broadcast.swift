/// How two operands of a binary element-wise op line up under numpy broadcasting,
/// computed once at prepare time (it allocates its arrays; the kernels then allocate nothing).
///
/// Dimensions are right-aligned; a dimension of 1 is repeated (stride 0). Dimensions of 1 are
/// dropped and neighbours that stay contiguous in both operands are merged, so the kernels walk
/// as few, as long rows as possible.
public struct Broadcast: Equatable, Sendable {
    /// The collapsed output shape (rank >= 1).
    public private(set) var shape: [Int]
    /// Element strides of A and B along `shape` (0 where the operand is broadcast).
    public private(set) var aStrides: [Int]
    public private(set) var bStrides: [Int]
    /// The uncollapsed output shape numpy gives.
    public private(set) var outputShape: [Int]

    /// nil when the shapes do not broadcast.
    public init?(_ a: [Int], _ b: [Int]) {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            if pa[i] == pb[i] || pb[i] == 1 { out[i] = pa[i] } else if pa[i] == 1 { out[i] = pb[i] } else { return nil }
        }
        outputShape = out
        func strides(_ dims: [Int]) -> [Int] {
            var s = [Int](repeating: 0, count: rank), acc = 1
            for i in stride(from: rank - 1, through: 0, by: -1) {
                s[i] = dims[i] == 1 ? 0 : acc
                acc *= dims[i]
            }
            return s
        }
        let sa = strides(pa), sb = strides(pb)
        shape = []; aStrides = []; bStrides = []
        for i in 0..<rank where out[i] != 1 {
            if let last = shape.indices.last,
               aStrides[last] == sa[i] * out[i], bStrides[last] == sb[i] * out[i] {
                shape[last] *= out[i]
                aStrides[last] = sa[i]
                bStrides[last] = sb[i]
            } else {
                shape.append(out[i]); aStrides.append(sa[i]); bStrides.append(sb[i])
            }
        }
        if shape.isEmpty || out.contains(0) { shape = [out.reduce(1, *)]; aStrides = [1]; bStrides = [1] }
        if shape == [0] { aStrides = [0]; bStrides = [0] }
    }

    /// Number of output elements.
    @inlinable public var count: Int { shape.reduce(1, *) }

    /// Calls `body(aOffset, bOffset, outOffset, length, aStride, bStride)` for each innermost row.
    @inline(__always)
    func forEachRow(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let rank = shape.count
        let inner = shape[rank - 1]
        if inner == 0 { return }
        let rows = count / inner
        for r in 0..<rows {
            var rem = r, oa = 0, ob = 0
            var d = rank - 2
            while d >= 0 {
                let i = rem % shape[d]
                rem /= shape[d]
                oa += i * aStrides[d]
                ob += i * bStrides[d]
                d -= 1
            }
            body(oa, ob, r * inner, inner, aStrides[rank - 1], bStrides[rank - 1])
        }
    }

    /// Calls `f(aIndex, bIndex, outIndex)` for every output element.
    @inline(__always)
    func forEachElement(_ f: (Int, Int, Int) -> Void) {
        forEachRow { oa, ob, oo, n, sa, sb in
            for j in 0..<n { f(oa + j * sa, ob + j * sb, oo + j) }
        }
    }
}
