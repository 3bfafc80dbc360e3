/// numpy broadcasting for element-wise ops: shapes align on the right, and a
/// dimension of 1 (or a missing one) stretches to match the other operand.
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
    static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// For each flat index of `outShape`, the flat index into a tensor of `shape` broadcast to it.
    static func indexMap(_ shape: [Int], to outShape: [Int]) -> [Int] {
        let rank = outShape.count
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        var strides = [Int](repeating: 0, count: rank)
        var acc = 1
        for i in stride(from: rank - 1, through: 0, by: -1) {
            strides[i] = padded[i] == 1 ? 0 : acc
            acc *= padded[i]
        }
        let total = outShape.reduce(1, *)
        var map = [Int](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<total {
            var src = 0
            for d in 0..<rank { src += index[d] * strides[d] }
            map[flat] = src
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < outShape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return map
    }

    /// Sums a gradient of `from` shape down to `to` shape (the adjoint of broadcasting).
    static func reduce(_ g: [Float], from: [Int], to: [Int]) -> [Float] {
        let map = indexMap(to, to: from)
        var out = [Float](repeating: 0, count: to.reduce(1, *))
        for i in 0..<g.count { out[map[i]] += g[i] }
        return out
    }
}
