import CDLKernels

/// Tanh (ONNX Tanh).
public enum Tanh {
    /// Vectorised (within 1e-6 relative of libm); `isa` as in `OpsISA`.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               isa: Int32 = OpsISA.best) {
        dlk_vmath(isa, DLK_VM_TANH, x, y, count)
    }

    /// From the forward output: dx = dy·(1 − y²).
    public static func backward(output y: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}
