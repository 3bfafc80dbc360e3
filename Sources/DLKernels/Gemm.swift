import CDLKernels
import DLCore

/// Dense matrix products, the hot path of dense layers, convolutions (im2col) and training.
///
/// The fast paths are C microkernels (CDLKernels) chosen at run time per CPU (see `Dispatch`);
/// `GemmReference` is their specification. fp32 results agree with the reference within the
/// rounding of a different summation order: |c − ref| ≤ 2·k·ε·Σp|a||b| per element.
public enum Gemm {
    /// C = alpha · op(A) · op(B) + beta · C, row-major, where op(X) is X or Xᵀ.
    /// op(A) is [m, k], op(B) is [k, n], C is [m, n]; lda/ldb/ldc are row strides in elements.
    /// beta == 0 never reads C. `threads`: the number of threads to use; 1 means exactly one.
    /// Backprop uses transA (Aᵀ·B, weight gradients) and transB (A·Bᵀ, input gradients).
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                             threads: Int = 1) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size \(m)×\(n)×\(k)")
        dlk_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                  Int32(clamping: threads))
    }

    /// C = act(alpha · op(A) · op(B) + beta · C + bias), `bias` ([n], optional) added to every
    /// row, in one pass: the bias and the activation are applied as each tile of C is stored.
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                             bias: UnsafePointer<Float>?, activation: FusedActivation,
                             threads: Int = 1) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size \(m)×\(n)×\(k)")
        dlk_sgemm_ex(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                     bias, activation.gemmEpilogue, Int32(clamping: threads))
    }

    /// op(B) packed once (weights at model load) for repeated products with different A.
    ///
    /// Concretely:
    /// ```swift
    /// let w = Gemm.PackedMatrix(transposed: false, k: 784, n: 512, b: weights, ldb: 512)
    /// w.multiply(m: batch, a: x, lda: 784, c: y, ldc: 512)      // y = x · W
    /// ```
    /// The layout is the one of the level active when packing; a level forced lower later is
    /// still honoured (through a portable microkernel).
    public final class PackedMatrix {
        public let k: Int
        public let n: Int
        @usableFromInline let storage: UnsafeMutableRawPointer

        /// Packs op(B) ([k, n]; B is stored [n, k] when `transposed`).
        public init(transposed: Bool, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int) {
            precondition(k >= 0 && n >= 0, "PackedMatrix: negative size \(k)×\(n)")
            self.k = k
            self.n = n
            storage = WeightMemory.allocate(byteCount: dlk_sgemm_packed_size(k, n))
            dlk_sgemm_pack_b(transposed ? 1 : 0, k, n, b, ldb, storage)
        }

        deinit { WeightMemory.deallocate(storage) }

        /// C = alpha · op(A) · B + beta · C with this packed B (op(A) is [m, k]).
        public func multiply(transA: Bool = false, m: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) {
            precondition(m >= 0, "PackedMatrix.multiply: negative m \(m)")
            dlk_sgemm_packed(transA ? 1 : 0, m, n, k, alpha, a, lda, storage, beta, c, ldc,
                             Int32(clamping: threads))
        }

        /// C = act(alpha · op(A) · B + beta · C + bias) with this packed B, in one pass
        /// (`bias` [n], optional, added to every row).
        public func multiply(transA: Bool = false, m: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int,
                             bias: UnsafePointer<Float>?, activation: FusedActivation, threads: Int = 1) {
            precondition(m >= 0, "PackedMatrix.multiply: negative m \(m)")
            dlk_sgemm_packed_ex(transA ? 1 : 0, m, n, k, alpha, a, lda, storage, beta, c, ldc,
                                bias, activation.gemmEpilogue, Int32(clamping: threads))
        }
    }
}

extension FusedActivation {
    /// The GEMM epilogue computing this activation.
    @usableFromInline var gemmEpilogue: dlk_sgemm_act {
        switch self {
        case .none: return DLK_ACT_NONE
        case .relu: return DLK_ACT_RELU
        case .relu6: return DLK_ACT_RELU6
        }
    }
}
