/// LeakyRelu (ONNX LeakyRelu): y = x if x >= 0 else alpha·x.
public enum LeakyRelu {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, alpha: Float) {
        for i in 0..<count { y[i] = x[i] >= 0 ? x[i] : alpha * x[i] }
    }

    public static func backward(input x: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int, alpha: Float) {
        for i in 0..<count { dx[i] = x[i] >= 0 ? dy[i] : alpha * dy[i] }
    }
}
