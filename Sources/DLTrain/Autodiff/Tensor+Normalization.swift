import DLCore
import DLKernels

/// Batch and layer normalization as tensor ops on the DLKernels kernels.

extension Tensor {
    /// Batch normalization with the batch's statistics (training): self [N, C, ...].
    /// Returns the output and the batch mean and unbiased variance per channel (for running averages).
    public func batchNormTraining(scale: Tensor, bias: Tensor, epsilon: Float) -> (Tensor, mean: [Float], variance: [Float]) {
        let n = shape[0], c = shape[1], plane = count / Swift.max(n * c, 1)
        var out = [Float](repeating: 0, count: count)
        var mean = [Float](repeating: 0, count: c), invStd = mean, variance = mean
        data.withUnsafeBufferPointer { x in
            scale.data.withUnsafeBufferPointer { s in
                bias.data.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { y in
                        DLKernels.BatchNorm.forwardTraining(batch: n, channels: c, planeSize: plane, input: x.baseAddress!,
                                                  scale: s.baseAddress!, bias: b.baseAddress!, epsilon: epsilon,
                                                  output: y.baseAddress!, savedMean: &mean, savedInvStd: &invStd,
                                                  batchVariance: &variance)
                    }
                }
            }
        }
        let x = self, savedMean = mean, savedInvStd = invStd
        let y = Tensor.result(shape: shape, data: out, parents: [x, scale, bias]) { y in
            var dx = [Float](repeating: 0, count: x.count)
            var ds = [Float](repeating: 0, count: c), db = ds
            y.grad!.withUnsafeBufferPointer { dy in
                x.data.withUnsafeBufferPointer { xs in
                    scale.data.withUnsafeBufferPointer { s in
                        DLKernels.BatchNorm.backward(batch: n, channels: c, planeSize: plane, input: xs.baseAddress!,
                                           outputGrad: dy.baseAddress!, scale: s.baseAddress!, savedMean: savedMean,
                                           savedInvStd: savedInvStd, inputGrad: &dx, scaleGrad: &ds, biasGrad: &db)
                    }
                }
            }
            x.accumulateGrad(dx, shape: x.shape)
            scale.accumulateGrad(ds, shape: scale.shape)
            bias.accumulateGrad(db, shape: bias.shape)
        }
        return (y, mean, variance)
    }

    /// Batch normalization with fixed statistics (inference): a per-channel affine map.
    public func batchNormInference(scale: Tensor, bias: Tensor, mean: [Float], variance: [Float], epsilon: Float) -> Tensor {
        let n = shape[0], c = shape[1], plane = count / Swift.max(n * c, 1)
        var out = [Float](repeating: 0, count: count)
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                DLKernels.BatchNorm.forward(batch: n, channels: c, planeSize: plane, input: x.baseAddress!, scale: scale.data,
                                  bias: bias.data, mean: mean, variance: variance, epsilon: epsilon, output: y.baseAddress!)
            }
        }
        let x = self
        return Tensor.result(shape: shape, data: out, parents: [x, scale, bias]) { y in
            let g = y.grad!
            let inv = variance.map { 1 / ($0 + epsilon).squareRoot() }
            x.accumulateGrad { dx in
                for i in 0..<dx.count { dx[i] += g[i] * scale.data[(i / plane) % c] * inv[(i / plane) % c] }
            }
            scale.accumulateGrad { ds in
                for i in 0..<g.count { let ch = (i / plane) % c; ds[ch] += g[i] * (x.data[i] - mean[ch]) * inv[ch] }
            }
            bias.accumulateGrad { db in for i in 0..<g.count { db[(i / plane) % c] += g[i] } }
        }
    }

    /// Layer normalization over the last axis, with per-feature scale and bias.
    public func layerNorm(scale: Tensor, bias: Tensor, epsilon: Float) -> Tensor {
        let size = shape.last ?? 1, rows = count / Swift.max(size, 1)
        var out = [Float](repeating: 0, count: count)
        var mean = [Float](repeating: 0, count: rows), invStd = mean
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                DLKernels.LayerNorm.forward(rows: rows, size: size, input: x.baseAddress!, scale: scale.data, bias: bias.data,
                                  epsilon: epsilon, output: y.baseAddress!, savedMean: &mean, savedInvStd: &invStd)
            }
        }
        let x = self, savedMean = mean, savedInvStd = invStd
        return Tensor.result(shape: shape, data: out, parents: [x, scale, bias]) { y in
            var dx = [Float](repeating: 0, count: x.count)
            var ds = [Float](repeating: 0, count: size), db = ds
            y.grad!.withUnsafeBufferPointer { dy in
                x.data.withUnsafeBufferPointer { xs in
                    DLKernels.LayerNorm.backward(rows: rows, size: size, input: xs.baseAddress!, outputGrad: dy.baseAddress!,
                                       scale: scale.data, savedMean: savedMean, savedInvStd: savedInvStd,
                                       inputGrad: &dx, scaleGrad: &ds, biasGrad: &db)
                }
            }
            x.accumulateGrad(dx, shape: x.shape)
            scale.accumulateGrad(ds, shape: scale.shape)
            bias.accumulateGrad(db, shape: bias.shape)
        }
    }
}
