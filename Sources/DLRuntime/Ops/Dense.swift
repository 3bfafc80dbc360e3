import DLCore
import DLKernels

/// Dense (fully connected): Y[m, n] = X[m, k] · W[n, k]ᵀ + B[n], then the fused activation.
/// All leading dimensions of X fold into m.
struct DenseKernel {
    var m: Int
    var n: Int
    var k: Int
    var hasBias: Bool
    var activation: FusedActivation
    /// W packed at model load (constant weights); nil when W is computed by the graph.
    var packed: Gemm.PackedMatrix?

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        if c.input(0)?.dtype == .int8 { return try QuantizedDenseKernel.prepare(c) }
        guard let x = c.inputs[0], let w = c.inputs[1] else { throw c.fail(.invalidModel, "missing X or W") }
        let bias = c.inputs.count > 2 ? c.inputs[2] : nil
        guard x.dtype == .float32, w.dtype == .float32, bias.map({ $0.dtype == .float32 }) ?? true else {
            throw c.unsupportedDTypes()
        }
        let k = w.shape[1], n = w.shape[0]
        let m = (x.shape.elementCount ?? 0) / max(k, 1)
        let activation = FusedActivation(rawValue: c.node.int("activation", default: 0)) ?? .none
        return OpRegistry.Prepared(kernel: .dense(DenseKernel(m: m, n: n, k: k, hasBias: bias != nil, activation: activation,
                                                                               packed: c.model.packed.float[c.nodeIndex])))
    }

    func run(_ io: StepIO) {
        let y = io.outputFloats(0)
        // The bias goes in as the initial C (beta 1): no second pass over the output.
        var beta: Float = 0
        if let bias = io.optionalFloats(2) {
            for row in 0..<m { (y + row * n).update(from: bias, count: n) }
            beta = 1
        }
        if let packed {
            packed.multiply(m: m, a: io.floats(0), lda: k, beta: beta, c: y, ldc: n, threads: io.threads)
        } else {
            Gemm.sgemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 1,
                       a: io.floats(0), lda: k, b: io.floats(1), ldb: k,
                       beta: beta, c: y, ldc: n, threads: io.threads)
        }
        switch activation {
        case .none: break
        case .relu: Relu.forward(y, y, count: m * n)
        case .relu6: Clip.forward(y, y, count: m * n, lower: 0, upper: 6)
        }
    }
}

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
