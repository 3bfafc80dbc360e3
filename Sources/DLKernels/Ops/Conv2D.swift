import DLCore

/// 2-D convolution, NCHW (ONNX Conv), fp32: forward and the gradients the trainer needs.
///
/// Fast paths: 1×1 stride-1 unpadded convolutions are one GEMM per image and group;
/// depthwise convolutions (groups == inChannels) run a direct loop; everything else is
/// im2col into the caller's scratch buffer followed by `Gemm.sgemm`.
/// The kernels allocate nothing: ask `scratchByteCount` for the scratch buffer's size
/// (it may be 0, then `scratch` may be nil). Scratch must be aligned to 16 bytes.
public enum Conv2D {
    /// Rows of the im2col matrix of one group: inChannels/groups · kH · kW.
    @inlinable static func columnRows(_ p: Conv2DParams) -> Int {
        p.inChannelsPerGroup * p.kernelHeight * p.kernelWidth
    }

    /// True when the input plane of a group already is its im2col matrix.
    @inlinable static func isPointwise(_ p: Conv2DParams) -> Bool {
        p.kernelHeight == 1 && p.kernelWidth == 1 && p.strideH == 1 && p.strideW == 1
            && p.padTop == 0 && p.padLeft == 0 && p.padBottom == 0 && p.padRight == 0
    }

    /// Bytes of scratch `forward` needs.
    public static func scratchByteCount(_ p: Conv2DParams) -> Int {
        if isPointwise(p) || p.isDepthwise { return 0 }
        return columnRows(p) * p.outHeight * p.outWidth * MemoryLayout<Float>.stride
    }

    /// Bytes of scratch `backwardInput` and `backwardWeight` need.
    public static func backwardScratchByteCount(_ p: Conv2DParams) -> Int {
        if isPointwise(p) { return 0 }
        return columnRows(p) * p.outHeight * p.outWidth * MemoryLayout<Float>.stride
    }

    /// Y = activation(conv(X, W) + B). Matches `reference` within fp32 rounding
    /// (the sums are taken in a different order).
    public static func forward(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutableRawPointer?, threads: Int = 1) {
        if p.isDepthwise {
            depthwiseForward(p, input: x, weight: w, bias: bias, output: y)
            return
        }
        let plane = p.outHeight * p.outWidth
        let inPlane = p.inHeight * p.inWidth
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, columnRows(p))
        let pointwise = isPointwise(p)
        let col = scratch?.assumingMemoryBound(to: Float.self)
        for n in 0..<p.batch {
            for g in 0..<p.groups {
                let image = x + (n * p.inChannels + g * cg) * inPlane
                let b: UnsafePointer<Float>
                if pointwise {
                    b = image
                } else {
                    im2col(p, image: image, columns: col!)
                    b = UnsafePointer(col!)
                }
                let out = y + (n * p.outChannels + g * mg) * plane
                Gemm.sgemm(transA: false, transB: false, m: mg, n: plane, k: k,
                           alpha: 1, a: w + g * mg * k, lda: k, b: b, ldb: plane,
                           beta: 0, c: out, ldc: plane, threads: threads)
            }
            for oc in 0..<p.outChannels {
                let row = y + (n * p.outChannels + oc) * plane
                if let bias {
                    let bv = bias[oc]
                    for i in 0..<plane { row[i] += bv }
                }
                p.activation.apply(row, count: plane)
            }
        }
    }

    /// dX from dY (the gradient after the activation). Overwrites dX.
    public static func backwardInput(_ p: Conv2DParams, outputGrad dy: UnsafePointer<Float>,
                                     weight w: UnsafePointer<Float>,
                                     inputGrad dx: UnsafeMutablePointer<Float>,
                                     scratch: UnsafeMutableRawPointer?, threads: Int = 1) {
        let plane = p.outHeight * p.outWidth
        let inPlane = p.inHeight * p.inWidth
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, columnRows(p))
        let pointwise = isPointwise(p)
        let col = scratch?.assumingMemoryBound(to: Float.self)
        if !pointwise { dx.update(repeating: 0, count: p.inputCount) }
        for n in 0..<p.batch {
            for g in 0..<p.groups {
                let grad = dy + (n * p.outChannels + g * mg) * plane
                let image = dx + (n * p.inChannels + g * cg) * inPlane
                // dcol [k, plane] = W_gᵀ [k, mg] · dY_g [mg, plane]
                Gemm.sgemm(transA: true, transB: false, m: k, n: plane, k: mg,
                           alpha: 1, a: w + g * mg * k, lda: k, b: grad, ldb: plane,
                           beta: 0, c: pointwise ? image : col!, ldc: plane, threads: threads)
                if !pointwise { col2imAdd(p, columns: col!, image: image) }
            }
        }
    }

    /// dW from X and dY, summed over the batch. Overwrites dW.
    public static func backwardWeight(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                                      outputGrad dy: UnsafePointer<Float>,
                                      weightGrad dw: UnsafeMutablePointer<Float>,
                                      scratch: UnsafeMutableRawPointer?, threads: Int = 1) {
        let plane = p.outHeight * p.outWidth
        let inPlane = p.inHeight * p.inWidth
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, columnRows(p))
        let pointwise = isPointwise(p)
        let col = scratch?.assumingMemoryBound(to: Float.self)
        if p.batch == 0 { dw.update(repeating: 0, count: p.weightCount) }
        for n in 0..<p.batch {
            for g in 0..<p.groups {
                let image = x + (n * p.inChannels + g * cg) * inPlane
                let b: UnsafePointer<Float>
                if pointwise {
                    b = image
                } else {
                    im2col(p, image: image, columns: col!)
                    b = UnsafePointer(col!)
                }
                // dW_g [mg, k] (+)= dY_g [mg, plane] · colᵀ [plane, k]
                Gemm.sgemm(transA: false, transB: true, m: mg, n: k, k: plane,
                           alpha: 1, a: dy + (n * p.outChannels + g * mg) * plane, lda: plane,
                           b: b, ldb: plane, beta: n == 0 ? 0 : 1,
                           c: dw + g * mg * k, ldc: k, threads: threads)
            }
        }
    }

    // MARK: - im2col

    /// The range of output columns `ox` whose input column `ox·stride + offset` lies in [0, width).
    @inline(__always)
    static func validRange(offset: Int, stride: Int, width: Int, outWidth: Int) -> Range<Int> {
        // smallest ox with ox·stride + offset >= 0
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        // largest ox with ox·stride + offset <= width - 1
        let last = width - 1 - offset
        let hi = last < 0 ? 0 : min(outWidth, last / stride + 1)
        return lo < hi ? lo..<hi : 0..<0
    }

    /// Writes the [cg·kH·kW, oh·ow] column matrix of one group of one image (its first channel at `image`).
    static func im2col(_ p: Conv2DParams, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        var dst = columns
        for c in 0..<p.inChannelsPerGroup {
            let chan = image + c * p.inHeight * p.inWidth
            for ky in 0..<p.kernelHeight {
                for kx in 0..<p.kernelWidth {
                    let xoff = kx * p.dilationW - p.padLeft
                    let r = validRange(offset: xoff, stride: p.strideW, width: p.inWidth, outWidth: ow)
                    for oy in 0..<oh {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                        let out = dst + oy * ow
                        if iy < 0 || iy >= p.inHeight || r.isEmpty {
                            out.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = chan + iy * p.inWidth + xoff
                        for ox in 0..<r.lowerBound { out[ox] = 0 }
                        if p.strideW == 1 {
                            (out + r.lowerBound).update(from: src + r.lowerBound, count: r.count)
                        } else {
                            for ox in r { out[ox] = src[ox &* p.strideW] }
                        }
                        for ox in r.upperBound..<ow { out[ox] = 0 }
                    }
                    dst += oh * ow
                }
            }
        }
    }

    /// Adds the column matrix back onto the image it came from (the adjoint of `im2col`).
    static func col2imAdd(_ p: Conv2DParams, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        var src = columns
        for c in 0..<p.inChannelsPerGroup {
            let chan = image + c * p.inHeight * p.inWidth
            for ky in 0..<p.kernelHeight {
                for kx in 0..<p.kernelWidth {
                    let xoff = kx * p.dilationW - p.padLeft
                    let r = validRange(offset: xoff, stride: p.strideW, width: p.inWidth, outWidth: ow)
                    for oy in 0..<oh {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                        if iy < 0 || iy >= p.inHeight { continue }
                        let row = chan + iy * p.inWidth + xoff
                        let col = src + oy * ow
                        for ox in r { row[ox &* p.strideW] += col[ox] }
                    }
                    src += oh * ow
                }
            }
        }
    }

    // MARK: - Depthwise

    /// groups == inChannels: each output channel reads one input plane; the inner loop runs
    /// along the output row over the taps' valid range, so it has no bounds tests.
    static func depthwiseForward(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                                 weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 output y: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let multiplier = p.outChannels / p.inChannels
        let taps = p.kernelHeight * p.kernelWidth
        for n in 0..<p.batch {
            for oc in 0..<p.outChannels {
                let chan = x + (n * p.inChannels + oc / multiplier) * p.inHeight * p.inWidth
                let filter = w + oc * taps
                let outPlane = y + (n * p.outChannels + oc) * oh * ow
                let bv = bias?[oc] ?? 0
                for oy in 0..<oh {
                    let out = outPlane + oy * ow
                    out.update(repeating: bv, count: ow)
                    for ky in 0..<p.kernelHeight {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                        if iy < 0 || iy >= p.inHeight { continue }
                        let inRow = chan + iy * p.inWidth
                        for kx in 0..<p.kernelWidth {
                            let xoff = kx * p.dilationW - p.padLeft
                            let r = validRange(offset: xoff, stride: p.strideW, width: p.inWidth, outWidth: ow)
                            if r.isEmpty { continue }
                            let wv = filter[ky * p.kernelWidth + kx]
                            let src = inRow + xoff
                            if p.strideW == 1 {
                                depthwiseRowStride1(out + r.lowerBound, src + r.lowerBound, wv, r.count)
                            } else {
                                for ox in r { out[ox] += wv * src[ox &* p.strideW] }
                            }
                        }
                    }
                    p.activation.apply(out, count: ow)
                }
            }
        }
    }

    @inline(__always)
    static func depthwiseRowStride1(_ out: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                                    _ wv: Float, _ count: Int) {
        var i = 0
        while i &+ 8 <= count {
            let o = UnsafeMutableRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: o + wv * s, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count { out[i] += wv * src[i]; i &+= 1 }
    }
}
