import CDLKernels
import DLCore

/// 2-D convolution, NCHW (ONNX Conv), fp32: forward and the gradients the trainer needs.
///
/// Fast paths: with `direct` weights (`Conv2DDirect`, stride-1 "same"-width layers) a direct
/// kernel without im2col; 1×1 stride-1 unpadded convolutions are one GEMM per image and group;
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

    /// Bytes of scratch `forward` needs; with `threads` > 1, room for that many images at once
    /// (pass the same number as `forward`'s `scratchThreads` to let batches run image-parallel).
    public static func scratchByteCount(_ p: Conv2DParams, threads: Int = 1) -> Int {
        if isPointwise(p) || p.isDepthwise { return 0 }
        return imageScratchBytes(p) * max(1, threads)
    }

    /// One image's im2col matrix, rounded to 64 bytes.
    static func imageScratchBytes(_ p: Conv2DParams) -> Int {
        (columnRows(p) * p.outHeight * p.outWidth * MemoryLayout<Float>.stride + 63) & ~63
    }

    /// Y = activation(conv(X, W) + B). Matches `reference` within fp32 rounding
    /// (the sums are taken in a different order).
    ///
    /// `threads` threads work on the call. A batch runs image-parallel (each thread with its own
    /// im2col block) when the scratch was sized by `scratchByteCount(p, threads: scratchThreads)`
    /// with `scratchThreads` > 1; otherwise the threads share each image's GEMM.
    public static func forward(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutableRawPointer?, threads: Int = 1, scratchThreads: Int = 1,
                               direct: Conv2DDirect? = nil) {
        // weights packed for the direct kernel (built for this geometry): no im2col, no scratch
        if let direct, direct.params.inChannels == p.inChannels, direct.params.outChannels == p.outChannels {
            direct.forward(batch: p.batch, input: x, bias: bias, activation: p.activation, output: y, threads: threads)
            return
        }
        if p.isDepthwise {
            depthwiseForward(p, input: x, weight: w, bias: bias, output: y, threads: threads)
            return
        }
        let pointwise = isPointwise(p)
        let workers = min(Conv2D.usefulThreads(p, threads), p.batch, pointwise ? threads : scratchThreads)
        if workers > 1 {
            let stride = imageScratchBytes(p)
            Parallel.run(threads: workers, tasks: workers) { t in
                var n = t
                while n < p.batch {
                    image(p, n, x, w, bias, y, pointwise ? nil : scratch! + t * stride, threads: 1)
                    n += workers
                }
            }
        } else {
            for n in 0..<p.batch { image(p, n, x, w, bias, y, scratch, threads: threads) }
        }
    }

    /// The forward pass of image n: per group one GEMM, then bias and activation.
    static func image(_ p: Conv2DParams, _ n: Int, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                      _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                      _ scratch: UnsafeMutableRawPointer?, threads: Int) {
        let plane = p.outHeight * p.outWidth
        let inPlane = p.inHeight * p.inWidth
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, columnRows(p))
        let pointwise = isPointwise(p)
        let col = scratch?.assumingMemoryBound(to: Float.self)
        for g in 0..<p.groups {
            let img = x + (n * p.inChannels + g * cg) * inPlane
            let b: UnsafePointer<Float>
            if pointwise {
                b = img
            } else {
                im2col(p, image: img, columns: col!, pad: 0)
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

    /// Writes the [cg·kH·kW, oh·ow] column matrix of one group of one image (its first channel at
    /// `image`); taps in the padding get `pad` (0, or the zero point of int8 data).
    static func im2col<T: BitwiseCopyable>(_ p: Conv2DParams, image: UnsafePointer<T>,
                                           columns: UnsafeMutablePointer<T>, pad: T) {
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
                            out.update(repeating: pad, count: ow)
                            continue
                        }
                        let src = chan + iy * p.inWidth + xoff
                        for ox in 0..<r.lowerBound { out[ox] = pad }
                        if p.strideW == 1 {
                            (out + r.lowerBound).update(from: src + r.lowerBound, count: r.count)
                        } else {
                            for ox in r { out[ox] = src[ox &* p.strideW] }
                        }
                        for ox in r.upperBound..<ow { out[ox] = pad }
                    }
                    dst += oh * ow
                }
            }
        }
    }

    // MARK: - Depthwise

    /// groups == inChannels: each output channel reads one input plane. With horizontal stride 1
    /// the columns whose taps all fall inside the row run in the vector kernel `dlk_dw_interior`
    /// (all taps accumulated in registers); the border columns and other strides run here.
    static func depthwiseForward(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                                 weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 output y: UnsafeMutablePointer<Float>, threads: Int = 1, isa: Int32 = OpsISA.best) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let multiplier = p.outChannels / p.inChannels
        let (kh, kw) = (p.kernelHeight, p.kernelWidth)
        let interior = depthwiseInterior(p)
        // planes (image, output channel) are independent: split them into one run per thread
        let planes = p.batch * p.outChannels
        let workers = max(1, min(Conv2D.usefulThreads(p, threads), planes))
        Parallel.run(threads: workers, tasks: workers) { task in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 2 * kh) { ptrs in
                let rows = ptrs.baseAddress!, filters = rows + kh
                for plane in (planes * task / workers)..<(planes * (task + 1) / workers) {
                    let n = plane / p.outChannels, oc = plane % p.outChannels
                    let chan = x + (n * p.inChannels + oc / multiplier) * p.inHeight * p.inWidth
                    let filter = w + oc * kh * kw
                    let outPlane = y + plane * oh * ow
                    let bv = bias?[oc] ?? 0
                    for oy in 0..<oh {
                        let out = outPlane + oy * ow
                        depthwiseRow(p, channel: chan, filter: filter, oy: oy, bias: bv, output: out,
                                     rows: rows, filters: filters, interior: interior, isa: isa)
                        p.activation.apply(out, count: ow)
                    }
                }
            }
        }
    }

    /// The output columns of a depthwise row whose taps all fall inside the input row (stride 1).
    static func depthwiseInterior(_ p: Conv2DParams) -> Range<Int> {
        let ow = p.outWidth
        let x0 = min(p.padLeft, ow)
        let x1 = max(x0, min(ow, p.inWidth - (p.kernelWidth - 1) * p.dilationW + p.padLeft))
        return x0..<x1
    }

    /// Output row oy of one depthwise plane (before the activation). `rows`/`filters` are
    /// kernelHeight pointers of workspace.
    @inline(__always)
    static func depthwiseRow(_ p: Conv2DParams, channel chan: UnsafePointer<Float>, filter: UnsafePointer<Float>,
                             oy: Int, bias bv: Float, output out: UnsafeMutablePointer<Float>,
                             rows: UnsafeMutablePointer<UnsafePointer<Float>?>,
                             filters: UnsafeMutablePointer<UnsafePointer<Float>?>, interior: Range<Int>, isa: Int32) {
        let (kh, kw, ow) = (p.kernelHeight, p.kernelWidth, p.outWidth)
        var valid = 0
        for ky in 0..<kh {
            let iy = oy * p.strideH - p.padTop + ky * p.dilationH
            if iy < 0 || iy >= p.inHeight { continue }
            rows[valid] = chan + iy * p.inWidth - p.padLeft
            filters[valid] = filter + ky * kw
            valid += 1
        }
        if p.strideW == 1 {
            dlk_dw_interior(isa, rows, filters, Int32(valid), Int32(kw), Int32(p.dilationW), bv,
                            out, Int32(interior.lowerBound), Int32(interior.upperBound))
            for ox in 0..<interior.lowerBound { out[ox] = borderTap(p, rows, filters, valid, bv, ox) }
            for ox in interior.upperBound..<ow { out[ox] = borderTap(p, rows, filters, valid, bv, ox) }
        } else {
            for ox in 0..<ow { out[ox] = borderTap(p, rows, filters, valid, bv, ox) }
        }
    }

    /// One depthwise output from the valid rows, testing each column against the row bounds.
    @inline(__always)
    static func borderTap(_ p: Conv2DParams, _ rows: UnsafeMutablePointer<UnsafePointer<Float>?>,
                          _ filters: UnsafeMutablePointer<UnsafePointer<Float>?>, _ valid: Int, _ bias: Float,
                          _ ox: Int) -> Float {
        var acc = bias
        for r in 0..<valid {
            let row = rows[r]!, f = filters[r]!
            for kx in 0..<p.kernelWidth {
                let c = ox * p.strideW + kx * p.dilationW   // column + padLeft
                if c < p.padLeft || c >= p.inWidth + p.padLeft { continue }
                acc += f[kx] * row[c]
            }
        }
        return acc
    }
}

extension Conv2D {
    /// The threads worth using for this layer (the kernels' one split rule): small layers run
    /// on the calling thread alone.
    static func usefulThreads(_ p: Conv2DParams, _ threads: Int) -> Int {
        Dispatch.threads(threads, macs: Double(p.multiplyAdds),
                         bytes: Double(4 * (p.inputCount + p.weightCount + p.outputCount)))
    }
}
