/// Transpose (ONNX Transpose) with a general permutation, any element type:
/// output dimension i is input dimension perm[i].
public enum Transpose {
    /// `shape` is the input's shape, `perm` a permutation of 0..<rank (validated by the caller).
    /// Walks the output in order; the innermost output dimension is the unit of work.
    /// The transpose of a transpose by `perm` is a transpose by its inverse (the backward).
    public static func forward<T: BitwiseCopyable>(shape: UnsafeBufferPointer<Int>, perm: UnsafeBufferPointer<Int>,
                                                   input x: UnsafePointer<T>, output y: UnsafeMutablePointer<T>) {
        let rank = shape.count
        if rank == 0 { y[0] = x[0]; return }
        var total = 1
        for d in shape { total *= d }
        if total == 0 { return }
        // stride in the input of each input dimension
        func inputStride(_ dim: Int) -> Int {
            var s = 1
            var d = rank - 1
            while d > dim { s *= shape[d]; d -= 1 }
            return s
        }
        let innerLen = shape[perm[rank - 1]]
        let innerStride = inputStride(perm[rank - 1])
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
            let dst = y + r * innerLen, src = x + off
            if innerStride == 1 {
                dst.update(from: src, count: innerLen)
            } else {
                for j in 0..<innerLen { dst[j] = src[j &* innerStride] }
            }
        }
    }
}
