/// The specification of `GemmInt8`: plain loops over unpacked weights, one thread.
/// Integer sums wrap like the hardware (the true result fits in Int32 for any real layer).
public enum GemmInt8Reference {
    /// acc[i][j] = Σp (a[i][p] − aZeroPoint) · op(W)[p][j] + bias[j]; op(W) is [k, n]
    /// (W stored [n, k] when `transposed`).
    public static func accumulators(m: Int, n: Int, k: Int, a: UnsafePointer<Int8>, lda: Int,
                                    aZeroPoint: Int32, transposed: Bool,
                                    w: UnsafePointer<Int8>, ldw: Int,
                                    bias: UnsafePointer<Int32>?) -> [Int32] {
        var out = [Int32](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Int32 = bias?[j] ?? 0
                for p in 0..<k {
                    let wv = Int32(transposed ? w[j * ldw + p] : w[p * ldw + j])
                    acc = acc &+ (Int32(a[i * lda + p]) &- aZeroPoint) &* wv
                }
                out[i * n + j] = acc
            }
        }
        return out
    }

    /// Requantized int8 outputs ([m, n]) from accumulators (`Quantize.requantize` per element).
    public static func requantize(_ acc: [Int32], n: Int, multipliers: [Float], outputZeroPoint: Int32,
                                  outputRange: ClosedRange<Int32>) -> [Int8] {
        acc.indices.map { idx in
            Quantize.requantize(acc[idx], multiplier: multipliers[multipliers.count == 1 ? 0 : idx % n],
                                zeroPoint: outputZeroPoint, range: outputRange)
        }
    }

    /// Dequantized Float outputs ([m, n]): Float(acc) × scale[j] + floatBias[j] (or + 0).
    public static func dequantize(_ acc: [Int32], n: Int, scales: [Float], floatBias: [Float]?) -> [Float] {
        acc.indices.map { idx in
            let j = idx % n
            let y = Float(acc[idx]) * scales[scales.count == 1 ? 0 : j]
            return y + (floatBias?[j] ?? 0)
        }
    }

    /// MatMulInteger (ONNX): c[i][j] = Σp (a[i][p] − aZeroPoint) · (b[p][j] − bZeroPoint) in int32,
    /// wrapping like the hardware. A [m, k] and B [k, n] row-major, int8 or uint8 each; c [m, n].
    /// Also the runtime's kernel for MatMulInteger (a plain loop: the op only appears in models
    /// exported with integer products, whose layers the int8 GEMM runs once they are QDQ).
    public static func integerProduct<A: FixedWidthInteger, B: FixedWidthInteger>(
        m: Int, n: Int, k: Int, a: UnsafePointer<A>, aZeroPoint: Int32,
        b: UnsafePointer<B>, bZeroPoint: Int32, c: UnsafeMutablePointer<Int32>) {
        for i in 0..<m {
            let row = c + i * n
            for j in 0..<n { row[j] = 0 }
            for p in 0..<k {
                let av = Int32(truncatingIfNeeded: a[i * k + p]) &- aZeroPoint
                let bRow = b + p * n
                for j in 0..<n { row[j] = row[j] &+ av &* (Int32(truncatingIfNeeded: bRow[j]) &- bZeroPoint) }
            }
        }
    }
}
