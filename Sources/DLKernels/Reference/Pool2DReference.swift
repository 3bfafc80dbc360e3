/// Per-output pooling loops: the specification of the row-wise fast paths.
extension MaxPool2D {
    public static func reference(_ p: Pool2DParams, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>) {
        reference(p, x, y, lowest: -Float.infinity)
    }

    public static func reference(_ p: Pool2DParams, input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>) {
        reference(p, x, y, lowest: Int8.min)
    }

    @inline(__always)
    static func reference<T: Comparable>(_ p: Pool2DParams, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, lowest: T) {
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = lowest
                    forEachInput(p, oy, ox) { i in if src[i] > best { best = src[i] } }
                    y[(nc * oh + oy) * ow + ox] = best
                }
            }
        }
    }
}

extension MaxPool2D {
    /// The per-output backward: each dY to the first maximum of its window (row-major order).
    public static func backwardReference(_ p: Pool2DParams, input x: UnsafePointer<Float>,
                                         outputGrad dy: UnsafePointer<Float>, inputGrad dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: p.inputCount)
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane, grad = dx + nc * plane
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, at = -1
                    forEachInput(p, oy, ox) { i in
                        if at < 0 || src[i] > best { best = src[i]; at = i }
                    }
                    if at >= 0 { grad[at] += dy[(nc * oh + oy) * ow + ox] }
                }
            }
        }
    }
}

extension AvgPool2D {
    public static func reference(_ p: Pool2DParams, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>) {
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s: Float = 0
                    MaxPool2D.forEachInput(p, oy, ox) { i in s += src[i] }
                    let d = p.averageDivisor(oy: oy, ox: ox)
                    y[(nc * oh + oy) * ow + ox] = d > 0 ? s / Float(d) : 0
                }
            }
        }
    }
}
