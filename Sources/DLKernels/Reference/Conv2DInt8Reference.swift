/// Direct-loop int8 convolution: the specification the fast path must match bit for bit.
extension Conv2DInt8 {
    /// Direct loops from the definition.
    public static func reference(_ p: Conv2DParams, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                                 weight w: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?,
                                 multipliers: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        for n in 0..<p.batch {
            for oc in 0..<p.outChannels {
                let g = oc / mg
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var acc: Int32 = bias?[oc] ?? 0
                        for c in 0..<cg {
                            for ky in 0..<p.kernelHeight {
                                let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                                if iy < 0 || iy >= p.inHeight { continue }
                                for kx in 0..<p.kernelWidth {
                                    let ix = ox * p.strideW - p.padLeft + kx * p.dilationW
                                    if ix < 0 || ix >= p.inWidth { continue }
                                    let xv = Int32(x[((n * p.inChannels + g * cg + c) * p.inHeight + iy) * p.inWidth + ix])
                                    let wv = Int32(w[((oc * cg + c) * p.kernelHeight + ky) * p.kernelWidth + kx])
                                    acc &+= (xv - q.inputZeroPoint) * wv
                                }
                            }
                        }
                        y[((n * p.outChannels + oc) * oh + oy) * ow + ox] = q.requantize(acc, multiplier: multipliers[oc])
                    }
                }
            }
        }
    }
}
