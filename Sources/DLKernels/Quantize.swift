import CDLKernels
import DLCore

/// The one quantizer of dlpack, used by the runtime, the converter and the trainer's export.
///
/// Rules (DESIGN.md, as the field does it): `real = (q − zeroPoint) × scale`.
/// - Weights: int8 symmetric per output channel, zero point 0, range −127…127.
/// - Activations: int8 asymmetric per tensor, from a calibrated min/max; 0.0 is exactly
///   representable (the range is widened to contain it and the zero point is an integer).
///   uint8 activations (as ONNX QDQ models carry them) follow the same rules over 0...255.
/// - Bias: int32, scale = input scale × weight scale (per channel), zero point 0.
/// - Rounding is half to even everywhere (the ONNX QuantizeLinear rule), saturating.
/// - A channel that is all zeros gets scale 1 (never 0, inf or NaN); its values quantize to 0.
///
/// Requantization of int32 accumulators uses a float multiplier (the ONNX QLinearMatMul rule):
/// `q = clamp(roundHalfEven(Float(acc) × m), qmin − zp, qmax − zp) + zp` with
/// `m = inputScale × weightScale / outputScale`; the SIMD kernels are bit-exact with it.
public enum Quantize {
    /// int8 range of symmetric weights.
    public static let weightRange: ClosedRange<Int32> = -127...127
    /// int8 range of activations.
    public static let activationRange: ClosedRange<Int32> = -128...127
    /// uint8 range (ONNX QuantizeLinear's default output type).
    public static let uint8Range: ClosedRange<Int32> = 0...255

    // MARK: - Choosing parameters

    /// Symmetric parameters per channel along `axis` of a tensor of `shape` (e.g. axis 0 of
    /// a dense weight [out, in] or a conv weight [O, I, kh, kw]): scale = max|w| / 127.
    public static func symmetricPerChannel(_ values: UnsafeBufferPointer<Float>, shape: Shape,
                                           axis: Int) throws(DLError) -> QuantParams {
        let (channels, inner) = try channelLayout(count: values.count, shape: shape, axis: axis)
        var maxAbs = [Float](repeating: 0, count: channels)
        for (i, v) in values.enumerated() {
            guard v.isFinite else {
                throw DLError(.numericalError, "cannot quantize a non-finite weight (\(v) at index \(i))")
            }
            let ch = (i / inner) % channels
            maxAbs[ch] = max(maxAbs[ch], abs(v))
        }
        let scales = maxAbs.map { symmetricScale(maxAbs: $0) }
        return QuantParams(scales: scales, zeroPoints: [Int32](repeating: 0, count: channels), axis: axis)
    }

    /// Weights to int8 by the weight rule: symmetric per channel along `axis` (axis 0 of a
    /// dense [N, K] or conv [M, C, kH, kW] weight; axis 1 of a recurrent W/R [D, G·H, I]),
    /// values in −127…127. Returns the parameters and the int8 values.
    public static func int8Weights(_ values: UnsafeBufferPointer<Float>, shape: Shape,
                                   axis: Int) throws(DLError) -> (params: QuantParams, values: [Int8]) {
        let params = try symmetricPerChannel(values, shape: shape, axis: axis)
        var q = [Int8](repeating: 0, count: values.count)
        try q.withUnsafeMutableBufferPointer { (out) throws(DLError) in
            try quantize(values, shape: shape, params: params, range: weightRange, into: out)
        }
        return (params, q)
    }

    /// Symmetric per-tensor parameters: scale = max|w| / 127, zero point 0.
    public static func symmetricPerTensor(_ values: UnsafeBufferPointer<Float>) throws(DLError) -> QuantParams {
        var maxAbs: Float = 0
        for (i, v) in values.enumerated() {
            guard v.isFinite else {
                throw DLError(.numericalError, "cannot quantize a non-finite weight (\(v) at index \(i))")
            }
            maxAbs = max(maxAbs, abs(v))
        }
        return QuantParams(scale: symmetricScale(maxAbs: maxAbs), zeroPoint: 0)
    }

    /// Asymmetric per-tensor int8 parameters covering [min, max] (widened to contain 0).
    public static func asymmetric(min lo: Float, max hi: Float) throws(DLError) -> QuantParams {
        guard lo.isFinite, hi.isFinite, lo <= hi else {
            throw DLError(.invalidArgument, "activation range [\(lo), \(hi)] is not a finite interval")
        }
        let p = asymmetricScaleAndZeroPoint(min: lo, max: hi)
        return QuantParams(scale: p.scale, zeroPoint: p.zeroPoint)
    }

    /// The rule behind `asymmetric`, without allocating (a dynamic-range layer applies it on
    /// every run). Takes a finite interval with min ≤ max; a range too wide for Float gives (1, 0).
    @inlinable
    public static func asymmetricScaleAndZeroPoint(min lo: Float, max hi: Float) -> (scale: Float, zeroPoint: Int32) {
        let rmin = Swift.min(lo, 0), rmax = Swift.max(hi, 0)
        let qmin = Float(activationRange.lowerBound), qmax = Float(activationRange.upperBound)
        var scale = (rmax - rmin) / (qmax - qmin)
        guard scale > 0, scale.isFinite else { return (1, 0) }
        if !(scale.isNormal) { scale = Float.leastNormalMagnitude }
        // The zero point is the integer nearest to where 0.0 falls (so 0 is exact).
        let zp = roundHalfEven(qmin - rmin / scale)
        return (scale, Int32(Swift.min(Swift.max(zp, qmin), qmax)))
    }

    /// The multipliers of an int8 GEMM's requantization: inputScale × weightScale[j] / outputScale.
    public static func requantizationScales(inputScale: Float, weightScales: [Float],
                                            outputScale: Float) -> [Float] {
        weightScales.map { inputScale * $0 / outputScale }
    }

    // MARK: - Scalars (the definitions every kernel follows)

    /// round-half-even(x / scale) + zeroPoint, saturated to `range`.
    @inlinable
    public static func quantize(_ x: Float, scale: Float, zeroPoint: Int32,
                                range: ClosedRange<Int32> = activationRange) -> Int32 {
        let lo = Float(range.lowerBound - zeroPoint), hi = Float(range.upperBound - zeroPoint)
        let y = x / scale
        guard !y.isNaN else { return zeroPoint }
        let clamped = Swift.min(Swift.max(y, lo), hi)
        return Int32(roundHalfEven(clamped)) + zeroPoint
    }

    /// (q − zeroPoint) × scale.
    @inlinable
    public static func dequantize(_ q: Int32, scale: Float, zeroPoint: Int32) -> Float {
        Float(q &- zeroPoint) * scale
    }

    /// An int32 accumulator to int8: clamp(roundHalfEven(Float(acc) × multiplier),
    /// qmin − zp, qmax − zp) + zp. The int8 GEMM's output stage is bit-exact with this.
    @inlinable
    public static func requantize(_ acc: Int32, multiplier: Float, zeroPoint: Int32,
                                  range: ClosedRange<Int32> = activationRange) -> Int8 {
        let lo = Float(range.lowerBound - zeroPoint), hi = Float(range.upperBound - zeroPoint)
        let y = Swift.min(Swift.max(Float(acc) * multiplier, lo), hi)
        return Int8(truncatingIfNeeded: Int32(roundHalfEven(y)) + zeroPoint)
    }

    // MARK: - Buffers

    /// Quantizes `input` to int8 with per-tensor or per-channel `params` for a tensor of `shape`.
    public static func quantize(_ input: UnsafeBufferPointer<Float>, shape: Shape, params: QuantParams,
                                range: ClosedRange<Int32> = activationRange,
                                into output: UnsafeMutableBufferPointer<Int8>) throws(DLError) {
        guard range.lowerBound >= -128, range.upperBound <= 127 else {
            throw DLError(.invalidArgument, "quantize: range \(range) does not fit in int8")
        }
        try check("quantize", input.count, output.count, params, shape)
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        // The SIMD kernel (bit-exact with `quantize(_:scale:zeroPoint:range:)`) over each run
        // of elements that share a channel.
        try forEachChannelRun(count: input.count, shape: shape, params: params) { start, length, scale, zp in
            dlk_quantize_s8(length, src + start, scale, zp, range.lowerBound, range.upperBound, dst + start)
        }
    }

    /// Quantizes `input` to uint8 (ONNX's default QuantizeLinear output, asymmetric with a zero
    /// point in 0...255): the same rule as the int8 form over `range` (default 0...255).
    public static func quantize(_ input: UnsafeBufferPointer<Float>, shape: Shape, params: QuantParams,
                                range: ClosedRange<Int32> = uint8Range,
                                into output: UnsafeMutableBufferPointer<UInt8>) throws(DLError) {
        guard range.lowerBound >= 0, range.upperBound <= 255 else {
            throw DLError(.invalidArgument, "quantize: range \(range) does not fit in uint8")
        }
        try check("quantize", input.count, output.count, params, shape)
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        try forEachChannelRun(count: input.count, shape: shape, params: params) { start, length, scale, zp in
            dlk_quantize_u8(length, src + start, scale, zp, range.lowerBound, range.upperBound, dst + start)
        }
    }

    /// Dequantizes int8 `input` with per-tensor or per-channel `params` for a tensor of `shape`.
    public static func dequantize(_ input: UnsafeBufferPointer<Int8>, shape: Shape, params: QuantParams,
                                  into output: UnsafeMutableBufferPointer<Float>) throws(DLError) {
        try check("dequantize", input.count, output.count, params, shape)
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        try forEachChannelRun(count: input.count, shape: shape, params: params) { start, length, scale, zp in
            dlk_dequantize_s8(length, src + start, scale, zp, dst + start)
        }
    }

    /// Dequantizes uint8 `input` (see `dequantize(_:shape:params:into:)` for int8).
    public static func dequantize(_ input: UnsafeBufferPointer<UInt8>, shape: Shape, params: QuantParams,
                                  into output: UnsafeMutableBufferPointer<Float>) throws(DLError) {
        try check("dequantize", input.count, output.count, params, shape)
        guard let src = input.baseAddress, let dst = output.baseAddress else { return }
        try forEachChannelRun(count: input.count, shape: shape, params: params) { start, length, scale, zp in
            dlk_dequantize_u8(length, src + start, scale, zp, dst + start)
        }
    }

    /// Dequantizes int32 `input` (biases, integer accumulators): Float(q − zeroPoint) × scale,
    /// the difference taken in 64 bits so that no zero point overflows it.
    public static func dequantize(_ input: UnsafeBufferPointer<Int32>, shape: Shape, params: QuantParams,
                                  into output: UnsafeMutableBufferPointer<Float>) throws(DLError) {
        try check("dequantize", input.count, output.count, params, shape)
        try forEachChannelRun(count: input.count, shape: shape, params: params) { start, length, scale, zp in
            for i in start..<(start + length) { output[i] = Float(Int64(input[i]) - Int64(zp)) * scale }
        }
    }

    /// int32 biases with scale inputScale × weightScales[j] (per channel, or one weight scale
    /// for all), zero point 0, rounded half to even and saturated to the int32 range.
    public static func quantizeBias(_ bias: UnsafeBufferPointer<Float>, inputScale: Float,
                                    weightScales: [Float]) throws(DLError) -> [Int32] {
        guard weightScales.count == 1 || weightScales.count == bias.count else {
            throw DLError(.shapeMismatch, "bias quantization: \(weightScales.count) weight scales for \(bias.count) biases")
        }
        var out = [Int32](repeating: 0, count: bias.count)
        for j in 0..<bias.count {
            let scale = inputScale * weightScales[weightScales.count == 1 ? 0 : j]
            guard scale > 0, scale.isFinite, bias[j].isFinite else {
                throw DLError(.numericalError, "bias quantization: bias \(bias[j]) with scale \(scale) at index \(j)")
            }
            let y = Double(bias[j]) / Double(scale)
            let r = roundHalfEven(y)
            out[j] = r >= Double(Int32.max) ? .max : (r <= Double(Int32.min) ? .min : Int32(r))
        }
        return out
    }

    // MARK: - Helpers

    /// Round half to even without libm (the runtime links no math library): adding 2^23
    /// leaves no fraction bits and the FPU rounds to nearest even; larger values are integers.
    @inlinable
    public static func roundHalfEven(_ y: Float) -> Float {
        guard abs(y) < 0x1p23 else { return y }
        return y >= 0 ? (y + 0x1p23) - 0x1p23 : (y - 0x1p23) + 0x1p23
    }

    /// The Double version (2^52).
    @inlinable
    public static func roundHalfEven(_ y: Double) -> Double {
        guard abs(y) < 0x1p52 else { return y }
        return y >= 0 ? (y + 0x1p52) - 0x1p52 : (y - 0x1p52) + 0x1p52
    }

    static func symmetricScale(maxAbs: Float) -> Float {
        let s = maxAbs / Float(weightRange.upperBound)
        // An all-zero channel: any positive scale maps it to 0; 1 keeps it finite and exact.
        // A subnormal scale would overflow 1/scale: use the smallest normal instead.
        if s == 0 { return 1 }
        return s.isNormal ? s : Float.leastNormalMagnitude
    }

    /// The checks every buffer conversion makes first: the output is large enough and the
    /// parameters fit the tensor's shape.
    static func check(_ what: String, _ input: Int, _ output: Int, _ params: QuantParams,
                      _ shape: Shape) throws(DLError) {
        guard output >= input else {
            throw DLError(.bufferTooSmall, "\(what): output has \(output) elements, needs \(input)")
        }
        try params.validate(for: shape)
    }

    /// Calls `body(start, length, scale, zeroPoint)` for each run of consecutive elements that
    /// share one channel's parameters (one run per tensor); `params` were checked for `shape`.
    static func forEachChannelRun(count: Int, shape: Shape, params: QuantParams,
                                  _ body: (Int, Int, Float, Int32) -> Void) throws(DLError) {
        let (channels, inner) = params.axis == nil ? (1, count)
            : try channelLayout(count: count, shape: shape, axis: params.axis!)
        var i = 0
        while i < count {
            let ch = channels == 1 ? 0 : (i / inner) % channels
            body(i, Swift.min(inner, count - i), params.scales[ch], params.zeroPoints[ch])
            i += inner
        }
    }

    /// (channels on `axis`, elements per step of `axis`) for a tensor of `count` elements.
    static func channelLayout(count: Int, shape: Shape, axis: Int) throws(DLError) -> (Int, Int) {
        let dims = shape.dims
        guard axis >= 0, axis < dims.count else {
            throw DLError(.invalidArgument, "quantization axis \(axis) is outside a tensor of rank \(dims.count)")
        }
        var total = 1, inner = 1
        for (d, size) in dims.enumerated() {
            guard size >= 0 else { throw DLError(.invalidArgument, "quantization needs a static shape, got \(shape)") }
            total *= size
            if d > axis { inner *= size }
        }
        guard total == count else {
            throw DLError(.shapeMismatch, "quantization: \(count) values for shape \(shape) (\(total) elements)")
        }
        return (dims[axis], Swift.max(inner, 1))
    }
}
