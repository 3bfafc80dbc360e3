import DLCore
import DLKernels

/// Convolution and pooling as tensor ops on the DLKernels kernels (NCHW).

/// Scratch memory for a kernel call, 64-byte aligned, freed when done.
func withScratch<R>(bytes: Int, _ body: (UnsafeMutableRawPointer?) -> R) -> R {
    guard bytes > 0 else { return body(nil) }
    let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    defer { p.deallocate() }
    return body(p)
}

extension Tensor {
    /// 2-D convolution: self [N, C, H, W], weight [M, C/groups, kH, kW], bias [M].
    public func conv2d(weight: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1),
                       pads: (Int, Int, Int, Int) = (0, 0, 0, 0), groups: Int = 1) -> Tensor {
        let p = Conv2DParams(batch: shape[0], inChannels: shape[1], inHeight: shape[2], inWidth: shape[3],
                             outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                             strides: strides, pads: pads, groups: groups)
        var out = [Float](repeating: 0, count: p.outputCount)
        withScratch(bytes: DLKernels.Conv2D.scratchByteCount(p)) { scratch in
            data.withUnsafeBufferPointer { x in
                weight.data.withUnsafeBufferPointer { w in
                    out.withUnsafeMutableBufferPointer { y in
                        if let bias {
                            bias.data.withUnsafeBufferPointer { b in
                                DLKernels.Conv2D.forward(p, input: x.baseAddress!, weight: w.baseAddress!, bias: b.baseAddress!,
                                               output: y.baseAddress!, scratch: scratch, threads: Compute.threads)
                            }
                        } else {
                            DLKernels.Conv2D.forward(p, input: x.baseAddress!, weight: w.baseAddress!, bias: nil,
                                           output: y.baseAddress!, scratch: scratch, threads: Compute.threads)
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.result(shape: [p.batch, p.outChannels, p.outHeight, p.outWidth], data: out,
                             parents: bias.map { [x, weight, $0] } ?? [x, weight]) { y in
            let g = y.grad!
            withScratch(bytes: DLKernels.Conv2D.backwardScratchByteCount(p)) { scratch in
                g.withUnsafeBufferPointer { dy in
                    if x.requiresGrad {
                        weight.data.withUnsafeBufferPointer { w in
                            x.accumulateComputedGrad { dx in
                                DLKernels.Conv2D.backwardInput(p, outputGrad: dy.baseAddress!, weight: w.baseAddress!, inputGrad: dx,
                                                     scratch: scratch, threads: Compute.threads)
                            }
                        }
                    }
                    if weight.requiresGrad {
                        x.data.withUnsafeBufferPointer { xs in
                            weight.accumulateComputedGrad { dw in
                                DLKernels.Conv2D.backwardWeight(p, input: xs.baseAddress!, outputGrad: dy.baseAddress!, weightGrad: dw,
                                                      scratch: scratch, threads: Compute.threads)
                            }
                        }
                    }
                }
            }
            if let bias, bias.requiresGrad {
                let plane = p.outHeight * p.outWidth
                bias.accumulateGrad { db in
                    for n in 0..<p.batch {
                        for c in 0..<p.outChannels {
                            var s: Float = 0
                            let base = (n * p.outChannels + c) * plane
                            for i in 0..<plane { s += g[base + i] }
                            db[c] += s
                        }
                    }
                }
            }
        }
    }

    static func poolParams(_ shape: [Int], kernel: (Int, Int), strides: (Int, Int), pads: (Int, Int, Int, Int)) -> Pool2DParams {
        Pool2DParams(batch: shape[0], channels: shape[1], inHeight: shape[2], inWidth: shape[3],
                     kernel: kernel, strides: strides, pads: pads)
    }

    /// Max pooling over [N, C, H, W].
    public func maxPool2d(kernel: (Int, Int), strides: (Int, Int), pads: (Int, Int, Int, Int) = (0, 0, 0, 0)) -> Tensor {
        let p = Tensor.poolParams(shape, kernel: kernel, strides: strides, pads: pads)
        var out = [Float](repeating: 0, count: p.outputCount)
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in DLKernels.MaxPool2D.forward(p, input: x.baseAddress!, output: y.baseAddress!) }
        }
        let x = self
        return Tensor.result(shape: [p.batch, p.channels, p.outHeight, p.outWidth], data: out, parents: [x]) { y in
            y.grad!.withUnsafeBufferPointer { dy in
                x.data.withUnsafeBufferPointer { xs in
                    x.accumulateComputedGrad { dx in
                        DLKernels.MaxPool2D.backward(p, input: xs.baseAddress!, outputGrad: dy.baseAddress!, inputGrad: dx)
                    }
                }
            }
        }
    }

    /// Average pooling over [N, C, H, W] (padding not counted).
    public func avgPool2d(kernel: (Int, Int), strides: (Int, Int), pads: (Int, Int, Int, Int) = (0, 0, 0, 0)) -> Tensor {
        let p = Tensor.poolParams(shape, kernel: kernel, strides: strides, pads: pads)
        var out = [Float](repeating: 0, count: p.outputCount)
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in DLKernels.AvgPool2D.forward(p, input: x.baseAddress!, output: y.baseAddress!) }
        }
        let x = self
        return Tensor.result(shape: [p.batch, p.channels, p.outHeight, p.outWidth], data: out, parents: [x]) { y in
            y.grad!.withUnsafeBufferPointer { dy in
                x.accumulateComputedGrad { dx in DLKernels.AvgPool2D.backward(p, outputGrad: dy.baseAddress!, inputGrad: dx) }
            }
        }
    }

    /// [N, C, H, W] -> [N, C]: the mean of each plane.
    public func globalAvgPool() -> Tensor {
        let planes = shape[0] * shape[1], size = shape[2] * shape[3]
        var out = [Float](repeating: 0, count: planes)
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                DLKernels.GlobalAvgPool.forward(planes: planes, planeSize: size, input: x.baseAddress!, output: y.baseAddress!)
            }
        }
        let x = self
        return Tensor.result(shape: [shape[0], shape[1]], data: out, parents: [x]) { y in
            y.grad!.withUnsafeBufferPointer { dy in
                x.accumulateComputedGrad { dx in
                    DLKernels.GlobalAvgPool.backward(planes: planes, planeSize: size, outputGrad: dy.baseAddress!, inputGrad: dx)
                }
            }
        }
    }
}
