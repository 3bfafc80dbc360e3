/// Batch normalization over axis 1 of [N, C, spatial…] (ONNX BatchNormalization):
/// y = scale·(x − mean)/√(var + ε) + bias, per channel.
/// `planeSize` is the product of the dimensions after C (1 for [N, C]).
public enum BatchNorm {
    /// Inference: the running statistics of the model.
    public static func forward(batch: Int, channels: Int, planeSize: Int, input x: UnsafePointer<Float>,
                               scale: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, epsilon: Float,
                               output y: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            let a = scale[c] / (variance[c] + epsilon).squareRoot()
            let b = bias[c] - a * mean[c]
            for n in 0..<batch {
                let off = (n * channels + c) * planeSize
                for i in 0..<planeSize { y[off + i] = a * x[off + i] + b }
            }
        }
    }

    /// Training: normalises with the batch's own statistics (biased variance). Writes the batch
    /// mean and 1/√(var + ε) per channel to `savedMean`/`savedInvStd` for `backward`, and the
    /// unbiased batch variance to `batchVariance` (what running averages are updated with; optional).
    public static func forwardTraining(batch: Int, channels: Int, planeSize: Int, input x: UnsafePointer<Float>,
                                       scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float,
                                       output y: UnsafeMutablePointer<Float>,
                                       savedMean: UnsafeMutablePointer<Float>, savedInvStd: UnsafeMutablePointer<Float>,
                                       batchVariance: UnsafeMutablePointer<Float>?) {
        let count = batch * planeSize
        for c in 0..<channels {
            var sum: Double = 0
            for n in 0..<batch {
                let off = (n * channels + c) * planeSize
                for i in 0..<planeSize { sum += Double(x[off + i]) }
            }
            let mean = sum / Double(max(count, 1))
            var sq: Double = 0
            for n in 0..<batch {
                let off = (n * channels + c) * planeSize
                for i in 0..<planeSize { let d = Double(x[off + i]) - mean; sq += d * d }
            }
            let variance = sq / Double(max(count, 1))
            let invStd = Float(1 / (variance + Double(epsilon)).squareRoot())
            savedMean[c] = Float(mean)
            savedInvStd[c] = invStd
            batchVariance?[c] = Float(count > 1 ? sq / Double(count - 1) : 0)
            let a = scale[c] * invStd
            let b = bias[c] - a * Float(mean)
            for n in 0..<batch {
                let off = (n * channels + c) * planeSize
                for i in 0..<planeSize { y[off + i] = a * x[off + i] + b }
            }
        }
    }

    /// Gradients of `forwardTraining` from its saved statistics. Overwrites dx, dScale, dBias.
    /// With x̂ = (x − μ)·invStd: dBias = Σ dy, dScale = Σ dy·x̂,
    /// dx = scale·invStd/M · (M·dy − dBias − x̂·dScale), M = N·planeSize.
    public static func backward(batch: Int, channels: Int, planeSize: Int, input x: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                savedMean: UnsafePointer<Float>, savedInvStd: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>,
                                scaleGrad dScale: UnsafeMutablePointer<Float>, biasGrad dBias: UnsafeMutablePointer<Float>) {
        let m = Float(batch * planeSize)
        for c in 0..<channels {
            let mu = savedMean[c], inv = savedInvStd[c]
            var sdy: Float = 0, sdyx: Float = 0
            for n in 0..<batch {
                let off = (n * channels + c) * planeSize
                for i in 0..<planeSize { sdy += dy[off + i]; sdyx += dy[off + i] * (x[off + i] - mu) * inv }
            }
            dBias[c] = sdy
            dScale[c] = sdyx
            let k = scale[c] * inv / m
            for n in 0..<batch {
                let off = (n * channels + c) * planeSize
                for i in 0..<planeSize {
                    let xhat = (x[off + i] - mu) * inv
                    dx[off + i] = k * (m * dy[off + i] - sdy - xhat * sdyx)
                }
            }
        }
    }
}
