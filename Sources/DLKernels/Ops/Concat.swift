/// Concat (ONNX Concat) of any element type: every input seen as [outer, axis_i·inner]
/// (same outer and inner), the output as [outer, Σ axis_i·inner].
public enum Concat {
    /// `inputs[i]` has `axisSizes[i]` entries along the axis. The gradient of Concat is `split`.
    public static func forward<T: BitwiseCopyable>(outer: Int, inner: Int,
                                                   inputs: UnsafeBufferPointer<UnsafePointer<T>>,
                                                   axisSizes: UnsafeBufferPointer<Int>,
                                                   output: UnsafeMutablePointer<T>) {
        var dst = output
        for o in 0..<outer {
            for i in 0..<inputs.count {
                let run = axisSizes[i] * inner
                dst.update(from: inputs[i] + o * run, count: run)
                dst += run
            }
        }
    }

    /// The inverse of `forward`: cuts the input along the axis into `outputs` (Concat's backward).
    public static func split<T: BitwiseCopyable>(outer: Int, inner: Int, input: UnsafePointer<T>,
                                                 axisSizes: UnsafeBufferPointer<Int>,
                                                 outputs: UnsafeBufferPointer<UnsafeMutablePointer<T>>) {
        var src = input
        for o in 0..<outer {
            for i in 0..<outputs.count {
                let run = axisSizes[i] * inner
                (outputs[i] + o * run).update(from: src, count: run)
                src += run
            }
        }
    }
}
