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

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        if c.input(0)?.dtype == .int8 { return try QuantizedConvKernel.prepare(c) }
        guard let x = c.inputs[0], let w = c.inputs[1] else { throw c.fail(.invalidModel, "missing X or W") }
        let bias = c.inputs.count > 2 ? c.inputs[2] : nil
        guard x.dtype == .float32, w.dtype == .float32, bias.map({ $0.dtype == .float32 }) ?? true else {
            throw c.unsupportedDTypes()
        }
        let k = w.shape[1], n = w.shape[0]
        let m = (x.shape.elementCount ?? 0) / max(k, 1)
        let activation = FusedActivation(rawValue: c.node.int("activation", default: 0)) ?? .none
        return OpRegistry.Prepared(kernel: .dense(DenseKernel(m: m, n: n, k: k, hasBias: bias != nil, activation: activation)))
    }

    func run(_ io: StepIO) {
        let y = io.outputFloats(0)
        Gemm.sgemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 1,
                   a: io.floats(0), lda: k, b: io.floats(1), ldb: k,
                   beta: 0, c: y, ldc: n, threads: io.threads)
        let bias = io.optionalInput(2)?.assumingMemoryBound(to: Float.self)
        if bias == nil && activation == .none { return }
        // Epilogue: bias and activation in one pass over the output while it is in cache.
        for row in 0..<m {
            let out = y + row * n
            for j in 0..<n {
                var v = out[j]
                if let bias { v += bias[j] }
                switch activation {
                case .none: break
                case .relu: v = max(v, 0)
                case .relu6: v = min(max(v, 0), 6)
                }
                out[j] = v
            }
        }
    }
}
