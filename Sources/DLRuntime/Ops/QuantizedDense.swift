import DLCore
import DLKernels

/// int8 dense: Y = requantize(Σ (X − zx)·W + B) with W packed once at load (GemmInt8), the
/// fused relu/relu6 a narrower output range. Quantization as in `QuantizedConvKernel`.
struct QuantizedDenseKernel {
    var m: Int
    var n: Int
    var k: Int
    var inputZeroPoint: Int32
    var outputZeroPoint: Int32
    var outputRange: ClosedRange<Int32>
    var multipliers: [Float]
    var packed: GemmInt8.PackedWeights

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        let q = try Int8Quantization(c)
        guard let x = c.input(0), let w = c.input(1), let packed = c.model.packed.int8[c.nodeIndex] else {
            throw c.fail(.unsupported, "int8 dense needs constant weights")
        }
        let k = w.shape[1], n = w.shape[0]
        let kernel = QuantizedDenseKernel(m: (x.shape.elementCount ?? 0) / max(k, 1), n: n, k: k,
                                          inputZeroPoint: q.inputZeroPoint, outputZeroPoint: q.outputZeroPoint,
                                          outputRange: q.outputRange, multipliers: q.multipliers, packed: packed)
        return OpRegistry.Prepared(kernel: .quantizedDense(kernel))
    }

    func run(_ io: StepIO) {
        multipliers.withUnsafeBufferPointer { mult in
            GemmInt8.requantized(m: m, a: io.input(0).assumingMemoryBound(to: Int8.self), lda: k, aZeroPoint: inputZeroPoint,
                                 weights: packed, bias: io.optionalInput(2)?.assumingMemoryBound(to: Int32.self),
                                 multipliers: mult.baseAddress!, perChannel: true, outputZeroPoint: outputZeroPoint,
                                 outputRange: outputRange, c: io.output(0).assumingMemoryBound(to: Int8.self), ldc: n,
                                 threads: io.threads)
        }
    }
}
