import DLCore

/// Direct-loop convolution: the specification the fast paths are tested against.
extension Conv2D {
    /// Y = conv(X, W) + B, then `p.activation`. Straight from the definition, one output at a time.
    public static func reference(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                                 weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 output y: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        for n in 0..<p.batch {
            for oc in 0..<p.outChannels {
                let g = oc / mg
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var acc: Float = bias?[oc] ?? 0
                        for c in 0..<cg {
                            let ic = g * cg + c
                            for ky in 0..<p.kernelHeight {
                                let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                                if iy < 0 || iy >= p.inHeight { continue }
                                for kx in 0..<p.kernelWidth {
                                    let ix = ox * p.strideW - p.padLeft + kx * p.dilationW
                                    if ix < 0 || ix >= p.inWidth { continue }
                                    let xv = x[((n * p.inChannels + ic) * p.inHeight + iy) * p.inWidth + ix]
                                    let wv = w[((oc * cg + c) * p.kernelHeight + ky) * p.kernelWidth + kx]
                                    acc += xv * wv
                                }
                            }
                        }
                        y[((n * p.outChannels + oc) * oh + oy) * ow + ox] = p.activation.apply(acc)
                    }
                }
            }
        }
    }

    /// dX = ∂L/∂X given dY = ∂L/∂Y (activation not included: pass the gradient after it).
    /// Overwrites dX.
    public static func referenceBackwardInput(_ p: Conv2DParams, outputGrad dy: UnsafePointer<Float>,
                                              weight w: UnsafePointer<Float>,
                                              inputGrad dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: p.inputCount)
        forEachTap(p) { xi, wi, yi in dx[xi] += dy[yi] * w[wi] }
    }

    /// dW = ∂L/∂W, summed over the batch. Overwrites dW.
    public static func referenceBackwardWeight(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                                               outputGrad dy: UnsafePointer<Float>,
                                               weightGrad dw: UnsafeMutablePointer<Float>) {
        dw.update(repeating: 0, count: p.weightCount)
        forEachTap(p) { xi, wi, yi in dw[wi] += dy[yi] * x[xi] }
    }

    /// Calls `body(inputIndex, weightIndex, outputIndex)` for every multiply-add of the forward pass
    /// that touches a real (non-padding) input.
    @inline(__always)
    static func forEachTap(_ p: Conv2DParams, _ body: (Int, Int, Int) -> Void) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        for n in 0..<p.batch {
            for oc in 0..<p.outChannels {
                let g = oc / mg
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let yi = ((n * p.outChannels + oc) * oh + oy) * ow + ox
                        for c in 0..<cg {
                            let ic = g * cg + c
                            for ky in 0..<p.kernelHeight {
                                let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                                if iy < 0 || iy >= p.inHeight { continue }
                                for kx in 0..<p.kernelWidth {
                                    let ix = ox * p.strideW - p.padLeft + kx * p.dilationW
                                    if ix < 0 || ix >= p.inWidth { continue }
                                    body(((n * p.inChannels + ic) * p.inHeight + iy) * p.inWidth + ix,
                                         ((oc * cg + c) * p.kernelHeight + ky) * p.kernelWidth + kx, yi)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dB = ∂L/∂B: dY summed over batch and space. Overwrites dB. (Also the fast path: it is a plain sum.)
    public static func backwardBias(_ p: Conv2DParams, outputGrad dy: UnsafePointer<Float>,
                                    biasGrad db: UnsafeMutablePointer<Float>) {
        let plane = p.outHeight * p.outWidth
        for oc in 0..<p.outChannels {
            var s: Float = 0
            for n in 0..<p.batch {
                let row = dy + (n * p.outChannels + oc) * plane
                for i in 0..<plane { s += row[i] }
            }
            db[oc] = s
        }
    }
}
