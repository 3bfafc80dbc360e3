/// Relu (ONNX Relu): y = max(x, 0). Memory-bound; the loop vectorises as written.
public enum Relu {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    /// int8 with the input's quantization parameters on the output: y = max(x, zeroPoint).
    public static func forward(_ x: UnsafePointer<Int8>, _ y: UnsafeMutablePointer<Int8>, count: Int, zeroPoint: Int32) {
        let z = Int8(clamping: zeroPoint)
        for i in 0..<count { y[i] = x[i] > z ? x[i] : z }
    }

    /// dx = dy where x > 0, else 0. Written as a mask over dy's bits: `x > 0 ? dy : 0` loads dy
    /// only on one side of a branch, which stays a branch (mispredicted about half the time).
    public static func backward(input x: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let keep: UInt32 = x[i] > 0 ? ~0 : 0
            dx[i] = Float(bitPattern: dy[i].bitPattern & keep)
        }
    }
}
