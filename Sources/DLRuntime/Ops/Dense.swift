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
