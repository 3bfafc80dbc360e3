import DLCore

/// int8 convolution on the GEMM helper's packed int8 kernel (VNNI / AVX-512BW / AVX2 / NEON):
/// im2row (one row of cg·kH·kW inputs per output pixel, padding = input zero point) times the
/// packed weights of each group, requantized by the GEMM's output stage, then moved from
/// [pixels, channels] to NCHW. Bit-exact with `reference`.
extension Conv2DInt8 {
    /// The weights of each group packed once at prepare time (the GEMM's B = Wᵀ, [k, outChannels/groups]);
    /// empty for depthwise convolutions, which do not use them.
    public static func packWeights(_ p: Conv2DParams, weight w: UnsafePointer<Int8>) -> [GemmInt8.PackedWeights] {
        if p.isDepthwise { return [] }
        let (mg, k) = (p.outChannelsPerGroup, Conv2D.columnRows(p))
        return (0..<p.groups).map { g in
            GemmInt8.PackedWeights(transposed: true, k: k, n: mg, weights: w + g * mg * k, ldw: k)
        }
    }

    /// Bytes of scratch `forward(packed:)` needs.
    public static func packedScratchByteCount(_ p: Conv2DParams) -> Int {
        if p.isDepthwise { return scratchByteCount(p) }
        let plane = p.outHeight * p.outWidth
        return ((Conv2D.columnRows(p) * plane + 63) & ~63) + plane * p.outChannelsPerGroup
    }

    /// The fast int8 convolution; `packed` from `packWeights`, scratch of `packedScratchByteCount`.
    /// Depthwise convolutions read the raw `weight` (a direct loop beats a GEMM of one column).
    public static func forward(_ p: Conv2DParams, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                               weight w: UnsafePointer<Int8>, packed: [GemmInt8.PackedWeights],
                               bias: UnsafePointer<Int32>?,
                               multipliers: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        if p.isDepthwise {
            depthwise(p, q, input: x, weight: w, bias: bias, multipliers: multipliers, output: y,
                      rowSums: scratch.assumingMemoryBound(to: Int32.self))
            return
        }
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, Conv2D.columnRows(p))
        let plane = p.outHeight * p.outWidth, inPlane = p.inHeight * p.inWidth
        let rows = scratch.assumingMemoryBound(to: Int8.self)
        let tile = (scratch + ((k * plane + 63) & ~63)).assumingMemoryBound(to: Int8.self)
        let pad = Int8(truncatingIfNeeded: q.inputZeroPoint)
        let range = Int32(q.outputMin)...Int32(q.outputMax)
        if plane == 1 && Conv2D.isPointwise(p) && p.groups == 1 {
            // dense layers (1×1 images): the whole batch is one product, already in NCHW order
            GemmInt8.requantized(m: p.batch, a: x, lda: k, aZeroPoint: q.inputZeroPoint, weights: packed[0],
                                 bias: bias, multipliers: multipliers, perChannel: true,
                                 outputZeroPoint: q.outputZeroPoint, outputRange: range,
                                 c: y, ldc: p.outChannels, threads: threads)
            return
        }
        for n in 0..<p.batch {
            for g in 0..<p.groups {
                im2row(p, image: x + (n * p.inChannels + g * cg) * inPlane, rows: rows, pad: pad)
                GemmInt8.requantized(m: plane, a: rows, lda: k, aZeroPoint: q.inputZeroPoint, weights: packed[g],
                                     bias: bias.map { $0 + g * mg }, multipliers: multipliers + g * mg,
                                     perChannel: true, outputZeroPoint: q.outputZeroPoint,
                                     outputRange: range,
                                     c: tile, ldc: mg, threads: threads)
                // [plane, mg] -> [mg, plane]
                let out = y + (n * p.outChannels + g * mg) * plane
                for px in 0..<plane {
                    let src = tile + px * mg
                    for m in 0..<mg { out[m * plane + px] = src[m] }
                }
            }
        }
    }

    /// One row per output pixel: the cg·kH·kW inputs its window reads (the transpose of im2col).
    static func im2row(_ p: Conv2DParams, image: UnsafePointer<Int8>, rows: UnsafeMutablePointer<Int8>, pad: Int8) {
        let (oh, ow, k) = (p.outHeight, p.outWidth, Conv2D.columnRows(p))
        let (kh, kw) = (p.kernelHeight, p.kernelWidth)
        for oy in 0..<oh {
            for ox in 0..<ow {
                var dst = rows + (oy * ow + ox) * k
                for c in 0..<p.inChannelsPerGroup {
                    let chan = image + c * p.inHeight * p.inWidth
                    for ky in 0..<kh {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                        if iy < 0 || iy >= p.inHeight {
                            dst.update(repeating: pad, count: kw)
                            dst += kw
                            continue
                        }
                        let row = chan + iy * p.inWidth
                        for kx in 0..<kw {
                            let ix = ox * p.strideW - p.padLeft + kx * p.dilationW
                            dst[kx] = (ix < 0 || ix >= p.inWidth) ? pad : row[ix]
                        }
                        dst += kw
                    }
                }
            }
        }
    }
}
