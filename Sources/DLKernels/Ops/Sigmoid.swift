import CDLKernels

/// Sigmoid (ONNX Sigmoid): y = 1 / (1 + e^−x), computed without overflow for large |x|.
public enum Sigmoid {
    @inline(__always) static func value(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + dlk_expf(-x)) }
        let e = dlk_expf(x)
        return e / (1 + e)
    }

    /// Vectorised (exp polynomial, within 1e-6 relative of libm); `isa` as in `OpsISA`.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               isa: Int32 = OpsISA.best) {
        dlk_vmath(isa, DLK_VM_SIGMOID, x, y, count)
    }

    /// From the forward output: dx = dy·y·(1 − y).
    public static func backward(output y: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
}
