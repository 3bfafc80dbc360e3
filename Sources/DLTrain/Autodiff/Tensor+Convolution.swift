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

/// The base address of an optional array (nil for nil), for kernels with optional operands.
func withOptionalBuffer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0.baseAddress!) }
}

func withOptionalMutableBuffer<R>(_ a: inout [Float]?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard a != nil else { return body(nil) }
    return a!.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

extension Tensor {
    /// 2-D convolution: self [N, C, H, W], weight [M, C/groups, kH, kW], bias [M].
    /// With several threads the forward runs image-parallel (each thread its own im2col block:
    /// one GEMM per image is too small to share), where threads measure faster (`Compute.run`).
    public func conv2d(weight: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1),
                       pads: (Int, Int, Int, Int) = (0, 0, 0, 0), groups: Int = 1) -> Tensor {
        let p = Conv2DParams(batch: shape[0], inChannels: shape[1], inHeight: shape[2], inWidth: shape[3],
                             outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                             strides: strides, pads: pads, groups: groups)
        let out = Tensor.uninitialized(count: p.outputCount) { y in
            Compute.run(.convForward(p), multiplyAdds: p.multiplyAdds) { threads in
                convolve(p, weight: weight, bias: bias, into: y.baseAddress!, threads: threads)
            }
        }
        let x = self
        return Tensor.result(shape: [p.batch, p.outChannels, p.outHeight, p.outWidth], data: out,
                             parents: bias.map { [x, weight, $0] } ?? [x, weight]) { y in
            // dX, dW and dB in one pass over dY, each into a fresh buffer the kernel overwrites
            func fresh(_ t: Tensor?) -> [Float]? { t.flatMap { $0.requiresGrad ? [Float](repeating: 0, count: $0.count) : nil } }
            var dx = fresh(x), dw = fresh(weight), db = fresh(bias)
            Compute.run(.convBackward(p), multiplyAdds: 2 * p.multiplyAdds) { threads in
                withOptionalMutableBuffer(&dx) { dxp in
                    withOptionalMutableBuffer(&dw) { dwp in
                        withOptionalMutableBuffer(&db) { dbp in
                            x.convolutionGradients(p, weight: weight, outputGrad: y.grad!, inputGrad: dxp,
                                                   weightGrad: dwp, biasGrad: dbp, threads: threads)
                        }
                    }
                }
            }
            if let dx { x.accumulateGrad(dx, shape: x.shape) }
            if let dw { weight.accumulateGrad(dw, shape: weight.shape) }
            if let db, let bias { bias.accumulateGrad(db, shape: bias.shape) }
        }
    }

    /// Y = conv(self, W) + B into `y`.
    private func convolve(_ p: Conv2DParams, weight: Tensor, bias: Tensor?, into y: UnsafeMutablePointer<Float>,
                          threads: Int) {
        withScratch(bytes: DLKernels.Conv2D.scratchByteCount(p, threads: threads)) { scratch in
            data.withUnsafeBufferPointer { x in
                weight.data.withUnsafeBufferPointer { w in
                    withOptionalBuffer(bias?.data) { b in
                        DLKernels.Conv2D.forward(p, input: x.baseAddress!, weight: w.baseAddress!, bias: b, output: y,
                                                 scratch: scratch, threads: threads, scratchThreads: threads)
                    }
                }
            }
        }
    }

    /// The gradients `DLKernels.Conv2D.backward` writes (those not nil), self being X.
    private func convolutionGradients(_ p: Conv2DParams, weight: Tensor, outputGrad: [Float],
                                      inputGrad dx: UnsafeMutablePointer<Float>?, weightGrad dw: UnsafeMutablePointer<Float>?,
                                      biasGrad db: UnsafeMutablePointer<Float>?, threads: Int) {
        withScratch(bytes: DLKernels.Conv2D.backwardScratchByteCount(p)) { scratch in
            outputGrad.withUnsafeBufferPointer { dy in
                data.withUnsafeBufferPointer { x in
                    weight.data.withUnsafeBufferPointer { w in
                        DLKernels.Conv2D.backward(p, input: x.baseAddress!, weight: w.baseAddress!, outputGrad: dy.baseAddress!,
                                                  inputGrad: dx, weightGrad: dw, biasGrad: db, scratch: scratch,
                                                  threads: threads)
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
                    y.data.withUnsafeBufferPointer { ys in
                        x.accumulateComputedGrad { dx in
                            DLKernels.MaxPool2D.backward(p, input: xs.baseAddress!, output: ys.baseAddress!,
                                                         outputGrad: dy.baseAddress!, inputGrad: dx)
                        }
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
