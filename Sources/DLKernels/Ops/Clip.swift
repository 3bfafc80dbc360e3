/// Clip (ONNX Clip): y = min(max(x, lower), upper); relu6 is Clip(0, 6).
public enum Clip {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               lower: Float, upper: Float) {
        for i in 0..<count { let v = x[i] > lower ? x[i] : lower; y[i] = v < upper ? v : upper }
    }

    /// int8 with the input's quantization parameters on the output: the bounds quantized by the caller.
    public static func forward(_ x: UnsafePointer<Int8>, _ y: UnsafeMutablePointer<Int8>, count: Int,
                               lower: Int8, upper: Int8) {
        for i in 0..<count { let v = x[i] > lower ? x[i] : lower; y[i] = v < upper ? v : upper }
    }

    /// dx = dy where lower < x < upper, else 0.
    public static func backward(input x: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int, lower: Float, upper: Float) {
        for i in 0..<count { dx[i] = (x[i] > lower && x[i] < upper) ? dy[i] : 0 }
    }
}
