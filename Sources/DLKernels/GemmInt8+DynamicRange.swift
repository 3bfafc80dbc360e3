import CDLKernels
import DLCore

extension GemmInt8 {
    /// Scratch bytes `dynamicRange` needs: X quantized (m·k bytes) and the n column scales.
    public static func dynamicRangeScratchBytes(m: Int, k: Int, n: Int) -> Int {
        (m * k + 63) / 64 * 64 + n * MemoryLayout<Float>.size
    }

    /// The parameters X is quantized with on every call: asymmetric, per tensor, over X's own
    /// range widened to contain 0 (`Quantize.asymmetric`'s rule, ONNX's DynamicQuantizeLinear
    /// in int8 form). NaN is skipped; a range too wide to represent gives scale 1. No allocation.
    public static func dynamicRangeParameters(_ x: UnsafePointer<Float>, count: Int) -> (scale: Float, zeroPoint: Int32) {
        var lo: Float = 0, hi: Float = 0
        dlk_minmax_f32(count, x, &lo, &hi)
        lo = max(lo, -Float.greatestFiniteMagnitude)
        hi = min(hi, Float.greatestFiniteMagnitude)
        return Quantize.asymmetricScaleAndZeroPoint(min: lo, max: hi)
    }

    /// Dynamic-range int8 (fp32 in, int8 weights, fp32 out; TFLite's "dynamic range
    /// quantization", onnxruntime's `quantize_dynamic`): X [m, k] is quantized to int8 with
    /// `dynamicRangeParameters`, then C = act(Float(Σp (xq − zx)·w) × (xScale·wScale[j]) + bias[j])
    /// in one int8 GEMM with an fp32 output stage. `weightScales` has n entries when
    /// `perChannel`, else 1; the weights are symmetric (zero point 0).
    public static func dynamicRange(m: Int, x: UnsafePointer<Float>, weights: PackedWeights,
                                    weightScales: UnsafePointer<Float>, perChannel: Bool,
                                    bias: UnsafePointer<Float>?, activation: FusedActivation,
                                    c: UnsafeMutablePointer<Float>, ldc: Int,
                                    scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        let k = weights.k, n = weights.n
        let q = dynamicRangeParameters(x, count: m * k)
        let xq = scratch.assumingMemoryBound(to: Int8.self)
        dlk_quantize_s8(m * k, x, q.scale, q.zeroPoint, Quantize.activationRange.lowerBound,
                        Quantize.activationRange.upperBound, xq)
        let scales = (scratch + (m * k + 63) / 64 * 64).assumingMemoryBound(to: Float.self)
        for j in 0..<(perChannel ? n : 1) { scales[j] = q.scale * weightScales[j] }
        dequantized(m: m, a: xq, lda: k, aZeroPoint: q.zeroPoint, weights: weights, scales: scales,
                    perChannel: perChannel, floatBias: bias, activation: activation, c: c, ldc: ldc,
                    threads: threads)
    }
}
