/// Layer normalization (ONNX LayerNormalization): the input seen as [rows, size] where `size`
/// is the product of the dimensions from `axis` on; each row normalised with its own mean and
/// (biased) variance, then y = x̂·scale + bias with scale and bias of length `size`.
public enum LayerNorm {
    /// `bias` may be nil (ONNX makes it optional). `savedMean`/`savedInvStd` ([rows], optional)
    /// receive what `backward` needs.
    public static func forward(rows: Int, size: Int, input x: UnsafePointer<Float>,
                               scale: UnsafePointer<Float>, bias: UnsafePointer<Float>?, epsilon: Float,
                               output y: UnsafeMutablePointer<Float>,
                               savedMean: UnsafeMutablePointer<Float>? = nil,
                               savedInvStd: UnsafeMutablePointer<Float>? = nil) {
        for r in 0..<rows {
            let xr = x + r * size, yr = y + r * size
            var sum: Float = 0
            for i in 0..<size { sum += xr[i] }
            let mean = sum / Float(size)
            var sq: Float = 0
            for i in 0..<size { let d = xr[i] - mean; sq += d * d }
            let inv = 1 / (sq / Float(size) + epsilon).squareRoot()
            savedMean?[r] = mean
            savedInvStd?[r] = inv
            if let bias {
                for i in 0..<size { yr[i] = (xr[i] - mean) * inv * scale[i] + bias[i] }
            } else {
                for i in 0..<size { yr[i] = (xr[i] - mean) * inv * scale[i] }
            }
        }
    }

    /// Gradients from the saved row statistics. Overwrites dx, dScale and dBias (either may be nil).
    /// With g = dy·scale: dx = invStd·(g − mean(g) − x̂·mean(g·x̂)).
    public static func backward(rows: Int, size: Int, input x: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                savedMean: UnsafePointer<Float>, savedInvStd: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>,
                                scaleGrad dScale: UnsafeMutablePointer<Float>?, biasGrad dBias: UnsafeMutablePointer<Float>?) {
        dScale?.update(repeating: 0, count: size)
        dBias?.update(repeating: 0, count: size)
        let n = Float(size)
        for r in 0..<rows {
            let xr = x + r * size, dyr = dy + r * size, dxr = dx + r * size
            let mu = savedMean[r], inv = savedInvStd[r]
            var sg: Float = 0, sgx: Float = 0
            for i in 0..<size {
                let xhat = (xr[i] - mu) * inv
                let g = dyr[i] * scale[i]
                sg += g
                sgx += g * xhat
                dScale?[i] += dyr[i] * xhat
                dBias?[i] += dyr[i]
            }
            let mg = sg / n, mgx = sgx / n
            for i in 0..<size {
                let xhat = (xr[i] - mu) * inv
                dxr[i] = inv * (dyr[i] * scale[i] - mg - xhat * mgx)
            }
        }
    }
}
