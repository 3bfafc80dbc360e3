import CDLKernels
import DLCore

/// int8 × int8 → int32 matrix products with per-channel output stages: the quantized dense
/// and convolution layers. `GemmInt8Reference` is the specification; every level is bit-exact
/// with it.
///
/// Activations A are int8 with a zero point (asymmetric per tensor); weights are int8
/// symmetric (zero point 0), packed once. The int32 accumulator is
/// `acc[i][j] = Σp (a[i][p] − aZeroPoint) · w[p][j] + bias[j]` and is stored as int32,
/// requantized to int8 with a float multiplier per channel (`Quantize.requantize`), or
/// dequantized to Float (`Float(acc) × scale[j] + bias[j]`, two roundings, no FMA).
/// On VNNI the kernel multiplies uint8 by int8: A is shifted by +128 and the shift is
/// removed exactly with the weights' column sums.
public enum GemmInt8 {
    /// int8 weights op(W) = [k, n] packed once (with their column sums) for repeated products.
    public final class PackedWeights {
        public let k: Int
        public let n: Int
        @usableFromInline let storage: UnsafeMutableRawPointer

        /// Packs W ([k, n]; stored [n, k] — one row per output channel — when `transposed`).
        public init(transposed: Bool, k: Int, n: Int, weights: UnsafePointer<Int8>, ldw: Int) {
            precondition(k >= 0 && n >= 0, "PackedWeights: negative size \(k)×\(n)")
            self.k = k
            self.n = n
            storage = WeightMemory.allocate(byteCount: dlk_igemm_packed_size(k, n))
            dlk_igemm_pack_b(transposed ? 1 : 0, k, n, weights, ldw, storage)
        }

        deinit { WeightMemory.deallocate(storage) }
    }

    /// C (int32) = A·W − aZeroPoint·colsum(W) + bias. A is [m, k] row-major.
    public static func int32(m: Int, a: UnsafePointer<Int8>, lda: Int, aZeroPoint: Int32,
                             weights: PackedWeights, bias: UnsafePointer<Int32>? = nil,
                             c: UnsafeMutablePointer<Int32>, ldc: Int, threads: Int = 1) {
        var stage = dlk_out_stage()
        stage.kind = DLK_OUT_INT32
        stage.bias32 = bias
        run(m: m, a: a, lda: lda, aZeroPoint: aZeroPoint, weights: weights, stage: &stage,
            c: UnsafeMutableRawPointer(c), ldc: ldc, threads: threads)
    }

    /// C (int8) = requantize(acc, multipliers[j], outputZeroPoint) clamped to `outputRange`
    /// (e.g. 0...127 fuses a ReLU). `multipliers` has n entries when `perChannel`, else 1
    /// (see `Quantize.requantizationScales`).
    public static func requantized(m: Int, a: UnsafePointer<Int8>, lda: Int, aZeroPoint: Int32,
                                   weights: PackedWeights, bias: UnsafePointer<Int32>? = nil,
                                   multipliers: UnsafePointer<Float>, perChannel: Bool,
                                   outputZeroPoint: Int32,
                                   outputRange: ClosedRange<Int32> = Quantize.activationRange,
                                   c: UnsafeMutablePointer<Int8>, ldc: Int, threads: Int = 1) {
        var stage = dlk_out_stage()
        stage.kind = DLK_OUT_REQUANT
        stage.bias32 = bias
        stage.scale = multipliers
        stage.per_channel = perChannel ? 1 : 0
        stage.zero_point = outputZeroPoint
        stage.qmin = outputRange.lowerBound
        stage.qmax = outputRange.upperBound
        run(m: m, a: a, lda: lda, aZeroPoint: aZeroPoint, weights: weights, stage: &stage,
            c: UnsafeMutableRawPointer(c), ldc: ldc, threads: threads)
    }

    /// C (Float) = act(Float(acc) × scales[j] + floatBias[j]), with scales = inputScale × weightScale.
    public static func dequantized(m: Int, a: UnsafePointer<Int8>, lda: Int, aZeroPoint: Int32,
                                   weights: PackedWeights, bias: UnsafePointer<Int32>? = nil,
                                   scales: UnsafePointer<Float>, perChannel: Bool,
                                   floatBias: UnsafePointer<Float>? = nil, activation: FusedActivation = .none,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) {
        var stage = dlk_out_stage()
        stage.kind = DLK_OUT_DEQUANT
        stage.bias32 = bias
        stage.scale = scales
        stage.per_channel = perChannel ? 1 : 0
        stage.bias_f = floatBias
        stage.act = activation.gemmEpilogue
        run(m: m, a: a, lda: lda, aZeroPoint: aZeroPoint, weights: weights, stage: &stage,
            c: UnsafeMutableRawPointer(c), ldc: ldc, threads: threads)
    }

    static func run(m: Int, a: UnsafePointer<Int8>, lda: Int, aZeroPoint: Int32,
                    weights: PackedWeights, stage: inout dlk_out_stage,
                    c: UnsafeMutableRawPointer, ldc: Int, threads: Int) {
        precondition(m >= 0, "GemmInt8: negative m \(m)")
        dlk_igemm_packed(m, weights.n, weights.k, a, lda, aZeroPoint, weights.storage, &stage,
                         c, ldc, Int32(clamping: threads))
    }
}
