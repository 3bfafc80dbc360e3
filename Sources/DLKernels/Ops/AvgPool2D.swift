/// Average pooling, NCHW (ONNX AveragePool), with `countIncludePad` either way and `ceilMode`.
/// int8 assumes the output has the input's quantization parameters (as ONNX QLinearAveragePool
/// with equal parameters): the mean of the raw values, rounded half away from zero.
public enum AvgPool2D {
    /// Row-wise like `MaxPool2D.forward` (each output's taps are summed in the reference's order,
    /// so the results are identical), then one division per output.
    public static func forward(_ p: Pool2DParams, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>) {
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane
            for oy in 0..<oh {
                let out = y + (nc * oh + oy) * ow
                out.update(repeating: 0, count: ow)
                for ky in 0..<p.kernelHeight {
                    let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                    if iy < 0 || iy >= p.inHeight { continue }
                    let row = src + iy * p.inWidth
                    for kx in 0..<p.kernelWidth {
                        let xoff = kx * p.dilationW - p.padLeft
                        let base = row + xoff
                        let r = p.validColumns(offset: xoff, outWidth: ow)
                        if p.strideW == 1 {
                            for ox in r { out[ox] += base[ox] }
                        } else {
                            for ox in r { out[ox] += base[ox &* p.strideW] }
                        }
                    }
                }
                for ox in 0..<ow {
                    let d = p.averageDivisor(oy: oy, ox: ox)
                    out[ox] = d > 0 ? out[ox] / Float(d) : 0
                }
            }
        }
    }

    public static func forward(_ p: Pool2DParams, input x: UnsafePointer<Int8>, zeroPoint: Int32,
                               output y: UnsafeMutablePointer<Int8>) {
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s = 0
                    MaxPool2D.forEachInput(p, oy, ox) { i in s += Int(src[i]) - Int(zeroPoint) }
                    let d = p.averageDivisor(oy: oy, ox: ox)
                    y[(nc * oh + oy) * ow + ox] = Int8(clamping: roundedDivision(s, d) + Int(zeroPoint))
                }
            }
        }
    }

    /// dX: each dY is spread evenly over the real inputs of its window. Overwrites dX.
    public static func backward(_ p: Pool2DParams, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: p.inputCount)
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let grad = dx + nc * plane
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let d = p.averageDivisor(oy: oy, ox: ox)
                    if d == 0 { continue }
                    let g = dy[(nc * oh + oy) * ow + ox] / Float(d)
                    MaxPool2D.forEachInput(p, oy, ox) { i in grad[i] += g }
                }
            }
        }
    }

    /// s / d rounded to nearest, halves away from zero (d > 0).
    @inline(__always)
    static func roundedDivision(_ s: Int, _ d: Int) -> Int {
        d == 0 ? 0 : (s >= 0 ? (s + d / 2) / d : -((-s + d / 2) / d))
    }
}

/// [N, C, H, W] -> [N, C, 1, 1]: the mean of each plane (ONNX GlobalAveragePool).
public enum GlobalAvgPool {
    /// `planes` = N·C, `planeSize` = H·W.
    public static func forward(planes: Int, planeSize: Int, input x: UnsafePointer<Float>,
                               output y: UnsafeMutablePointer<Float>) {
        for i in 0..<planes {
            let src = x + i * planeSize
            var s: Float = 0
            for j in 0..<planeSize { s += src[j] }
            y[i] = s / Float(planeSize)
        }
    }

    /// int8 with the input's quantization parameters on the output (see `AvgPool2D`).
    public static func forward(planes: Int, planeSize: Int, input x: UnsafePointer<Int8>, zeroPoint: Int32,
                               output y: UnsafeMutablePointer<Int8>) {
        for i in 0..<planes {
            let src = x + i * planeSize
            var s = 0
            for j in 0..<planeSize { s += Int(src[j]) - Int(zeroPoint) }
            y[i] = Int8(clamping: AvgPool2D.roundedDivision(s, planeSize) + Int(zeroPoint))
        }
    }

    /// dX = dY / (H·W) broadcast over each plane.
    public static func backward(planes: Int, planeSize: Int, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>) {
        for i in 0..<planes {
            (dx + i * planeSize).update(repeating: dy[i] / Float(planeSize), count: planeSize)
        }
    }
}
