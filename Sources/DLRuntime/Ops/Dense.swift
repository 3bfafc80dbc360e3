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
        if c.node.computesDynamicRange { return try DynamicRangeDenseKernel.prepare(c) }
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
        // Bias and activation are the GEMM's epilogue: applied as each tile is stored.
        let y = io.outputFloats(0), bias = hasBias ? io.optionalFloats(2) : nil
        if let packed {
            packed.multiply(m: m, a: io.floats(0), lda: k, c: y, ldc: n, bias: bias, activation: activation,
                            threads: io.threads)
        } else {
            Gemm.sgemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 1,
                       a: io.floats(0), lda: k, b: io.floats(1), ldb: k,
                       beta: 0, c: y, ldc: n, bias: bias, activation: activation, threads: io.threads)
        }
    }
}
