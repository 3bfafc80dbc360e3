import CDLKernels

/// Tanh (ONNX Tanh).
public enum Tanh {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = dlk_tanhf(x[i]) }
    }

    /// From the forward output: dx = dy·(1 − y²).
    public static func backward(output y: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}
