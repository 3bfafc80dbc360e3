/// The specification of `Gemm`: plain loops, obviously correct, no blocking, one thread.
public enum GemmReference {
    /// C = alpha · op(A) · op(B) + beta · C, row-major (the contract of `Gemm.sgemm`).
    /// Sums in Float in increasing p; beta == 0 never reads C.
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    acc += av * bv
                }
                let scaled = alpha * acc
                c[i * ldc + j] = beta == 0 ? scaled : scaled + beta * c[i * ldc + j]
            }
        }
    }
}
