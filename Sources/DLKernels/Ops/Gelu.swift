import CDLKernels

/// Gelu (ONNX Gelu, attribute `approximate`): the exact form x·Φ(x) = ½x(1 + erf(x/√2)),
/// or the tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
public enum Gelu {
    public enum Approximation: Int, Sendable {
        case none = 0
        case tanh = 1
    }

    static let invSqrt2: Float = 0.70710678118654752
    static let sqrt2OverPi: Float = 0.79788456080286536
    static let invSqrt2Pi: Float = 0.39894228040143268
    static let cubic: Float = 0.044715

    /// Vectorised: the erf form uses a polynomial erf (absolute error < 2e-7), the tanh form the
    /// vector tanh; `isa` as in `OpsISA` (0 is libm).
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               approximation: Approximation = .none, isa: Int32 = OpsISA.best) {
        dlk_vmath(isa, approximation == .none ? DLK_VM_GELU_ERF : DLK_VM_GELU_TANH, x, y, count)
    }

    /// From the forward input: dx = dy·gelu′(x).
    public static func backward(input x: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int,
                                approximation: Approximation = .none) {
        switch approximation {
        case .none:
            for i in 0..<count {
                let v = x[i]
                let cdf = 0.5 * (1 + dlk_erff(v * invSqrt2))
                let pdf = invSqrt2Pi * dlk_expf(-0.5 * v * v)
                dx[i] = dy[i] * (cdf + v * pdf)
            }
        case .tanh:
            for i in 0..<count {
                let v = x[i]
                let t = dlk_tanhf(sqrt2OverPi * (v + cubic * v * v * v))
                let du = sqrt2OverPi * (1 + 3 * cubic * v * v)
                dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
            }
        }
    }
}
