import DLCore
import DLKernels

/// Dynamic-range int8 dense (`dynamic_quantization` = 1): fp32 X and Y, int8 W (symmetric, per
/// tensor or per output channel) packed once at load, fp32 bias. X is quantized on every run
/// over its own range (`GemmInt8.dynamicRange`), so no calibration fixed an activation range.
/// Without the attribute the same tensors mean weights-only int8: W widened to f32 at load.
struct DynamicRangeDenseKernel {
    var m: Int
    var n: Int
    var k: Int
    var hasBias: Bool
    var activation: FusedActivation
    /// One per output channel (a per-tensor scale repeated).
    var weightScales: [Float]
    var packed: GemmInt8.PackedWeights

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let x = c.input(0), let w = c.input(1) else { throw c.fail(.invalidModel, "missing X or W") }
        let bias = c.input(2)
        guard x.dtype == .float32, w.dtype == .int8, c.outputs[0].dtype == .float32,
              bias.map({ $0.dtype == .float32 }) ?? true else {
            throw c.fail(.unsupportedDType, "dynamic-range dense needs f32 X, i8 W, f32 bias and an f32 output")
        }
        guard let packed = c.model.packed.int8[c.nodeIndex] else {
            throw c.fail(.unsupported, "dynamic-range dense needs constant weights")
        }
        let k = w.shape[1], n = w.shape[0]
        let weightScales = try c.int8WeightScales(outChannels: n)
        let m = (x.shape.elementCount ?? 0) / max(k, 1)
        let kernel = DynamicRangeDenseKernel(
            m: m, n: n, k: k, hasBias: bias != nil,
            activation: FusedActivation(rawValue: c.node.int("activation", default: 0)) ?? .none,
            weightScales: weightScales, packed: packed)
        return OpRegistry.Prepared(kernel: .dynamicRangeDense(kernel),
                                   scratchBytes: GemmInt8.dynamicRangeScratchBytes(m: m, k: k, n: n))
    }

    func run(_ io: StepIO) {
        weightScales.withUnsafeBufferPointer { scales in
            GemmInt8.dynamicRange(m: m, x: io.floats(0), weights: packed, weightScales: scales.baseAddress!,
                                  perChannel: true, bias: hasBias ? io.optionalFloats(2) : nil,
                                  activation: activation, c: io.outputFloats(0), ldc: n, scratch: io.scratch,
                                  threads: io.threads)
        }
    }
}
