/// Transpose (ONNX Transpose) with a general permutation, any element type:
/// output dimension i is input dimension perm[i].
public enum Transpose {
    /// `shape` is the input's shape, `perm` a permutation of 0..<rank (validated by the caller).
    /// When the input's innermost dimension stays innermost, rows are copied whole; otherwise the
    /// two dimensions that trade places are moved in square tiles, so both sides stay in cache.
    /// The transpose of a transpose by `perm` is a transpose by its inverse (the backward).
    public static func forward<T: BitwiseCopyable>(shape: UnsafeBufferPointer<Int>, perm: UnsafeBufferPointer<Int>,
                                                   input x: UnsafePointer<T>, output y: UnsafeMutablePointer<T>) {
        let rank = shape.count
        if rank == 0 { y[0] = x[0]; return }
        var total = 1
        for d in shape { total *= d }
        if total == 0 { return }
        // element stride in the input of input dimension `dim`, and in the output of output position `pos`
        func inputStride(_ dim: Int) -> Int {
            var s = 1
            var d = rank - 1
            while d > dim { s *= shape[d]; d -= 1 }
            return s
        }
        func outputStride(_ pos: Int) -> Int {
            var s = 1
            var d = rank - 1
            while d > pos { s *= shape[perm[d]]; d -= 1 }
            return s
        }
        let innerLen = shape[perm[rank - 1]]
        let innerStride = inputStride(perm[rank - 1])
        if innerStride == 1 {
            let rows = total / innerLen
            for r in 0..<rows {
                var rem = r, off = 0
                var d = rank - 2
                while d >= 0 {
                    let n = shape[perm[d]]
                    off += (rem % n) * inputStride(perm[d])
                    rem /= n
                    d -= 1
                }
                (y + r * innerLen).update(from: x + off, count: innerLen)
            }
            return
        }
        // The input's innermost dimension sits at output position q: tile (q, last).
        var q = 0
        while perm[q] != rank - 1 { q += 1 }
        let nI = shape[rank - 1], nJ = innerLen, s = innerStride, t = outputStride(q)
        let blocks = total / (nI * nJ)
        let tile = 16
        for r in 0..<blocks {
            // the remaining output positions, outermost first, skipping q and the last
            var rem = r, inOff = 0, outOff = 0
            var d = rank - 2
            while d >= 0 {
                if d != q {
                    let n = shape[perm[d]]
                    let i = rem % n
                    rem /= n
                    inOff += i * inputStride(perm[d])
                    outOff += i * outputStride(d)
                }
                d -= 1
            }
            let src = x + inOff, dst = y + outOff
            var i0 = 0
            while i0 < nI {
                let i1 = min(i0 + tile, nI)
                var j0 = 0
                while j0 < nJ {
                    let j1 = min(j0 + tile, nJ)
                    for i in i0..<i1 {
                        let out = dst + i * t
                        for j in j0..<j1 { out[j] = src[i + j * s] }
                    }
                    j0 = j1
                }
                i0 = i1
            }
        }
    }
}
