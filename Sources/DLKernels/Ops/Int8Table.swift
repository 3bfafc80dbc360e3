import CDLKernels

/// int8 element-wise functions by table (as TFLite runs int8 Logistic and Tanh): every one of
/// the 256 input codes is dequantized, mapped and requantized once at prepare time; running
/// the op is then one load per element. Used for int8 Sigmoid, Tanh and Gelu.
public enum Int8Table {
    /// The functions a table can hold.
    public enum Function: Sendable {
        case sigmoid, tanh, gelu, geluTanh
    }

    /// Fills `table` (256 entries, indexed by code + 128) with
    /// quantize(f(dequantize(code))): real = (q − zp)·scale, rounding half to even, clamped to int8.
    public static func build(_ f: Function, inputScale: Float, inputZeroPoint: Int32,
                             outputScale: Float, outputZeroPoint: Int32, into table: UnsafeMutablePointer<Int8>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { real in
            let r = real.baseAddress!
            for i in 0..<256 { r[i] = Float(Int32(i - 128) - inputZeroPoint) * inputScale }
            let op: dlk_vm_op
            switch f {
            case .sigmoid: op = DLK_VM_SIGMOID
            case .tanh: op = DLK_VM_TANH
            case .gelu: op = DLK_VM_GELU_ERF
            case .geluTanh: op = DLK_VM_GELU_TANH
            }
            // portable level: the table is the same on every CPU
            dlk_vmath(OpsISA.portable, op, r, r, 256)
            let zo = Float(outputZeroPoint)
            for i in 0..<256 {
                let q = (r[i] / outputScale).rounded(.toNearestOrEven) + zo
                table[i] = Int8(q < -128 ? -128 : (q > 127 ? 127 : q))
            }
        }
    }

    /// y[i] = table[x[i] + 128].
    public static func apply(_ table: UnsafePointer<Int8>, _ x: UnsafePointer<Int8>, _ y: UnsafeMutablePointer<Int8>,
                             count: Int) {
        for i in 0..<count { y[i] = table[Int(x[i]) &+ 128] }
    }
}
