import CDLKernels
import DLCore

/// The gradients of `Conv2D` the trainer needs: dX, dW and dB from dY (the gradient after the
/// activation).
///
/// The images of a batch are taken a chunk at a time, so that each GEMM covers many images
/// (per-image GEMMs of these shapes are mostly packing and call overhead, and too small to
/// share between threads). For a chunk of `n` images, one group at a time:
/// - dY is gathered channel-major: dYcat [outChannels, n·plane];
/// - dX: dcol [k, n·plane] = W_gᵀ · dYcat_g, then col2im adds each image's columns back;
/// - dW: dW_g (+)= dYcat_g · colT, where colT [n·plane, k] is the pixel-major im2col of the
///   chunk, which the GEMM reads in place.
/// The chunk size depends on the geometry only, so results do not depend on `threads`.
extension Conv2D {
    /// Bytes of the chunk buffers (dYcat and one column matrix) the backward may use.
    static let backwardChunkBytes = 2 << 20

    /// Images per chunk: as many as fit `backwardChunkBytes`, at least one, at most the batch.
    static func backwardChunk(_ p: Conv2DParams) -> Int {
        let perImage = p.outHeight * p.outWidth * (columnRows(p) + p.outChannels) * MemoryLayout<Float>.stride
        return max(1, min(p.batch, backwardChunkBytes / max(perImage, 1)))
    }

    /// Bytes of scratch `backward`, `backwardInput` and `backwardWeight` need.
    public static func backwardScratchByteCount(_ p: Conv2DParams) -> Int {
        let columns = backwardChunk(p) * p.outHeight * p.outWidth
        return gatheredBytes(p, columns: columns) + columns * columnRows(p) * MemoryLayout<Float>.stride
    }

    /// dYcat's bytes, rounded to 64 so that the column matrix after it stays aligned.
    static func gatheredBytes(_ p: Conv2DParams, columns: Int) -> Int {
        (p.outChannels * columns * MemoryLayout<Float>.stride + 63) & ~63
    }

    /// dX from dY. Overwrites dX.
    public static func backwardInput(_ p: Conv2DParams, outputGrad dy: UnsafePointer<Float>,
                                     weight w: UnsafePointer<Float>,
                                     inputGrad dx: UnsafeMutablePointer<Float>,
                                     scratch: UnsafeMutableRawPointer?, threads: Int = 1) {
        backward(p, input: nil, weight: w, outputGrad: dy, inputGrad: dx, weightGrad: nil, biasGrad: nil,
                 scratch: scratch, threads: threads)
    }

    /// dW from X and dY, summed over the batch. Overwrites dW.
    public static func backwardWeight(_ p: Conv2DParams, input x: UnsafePointer<Float>,
                                      outputGrad dy: UnsafePointer<Float>,
                                      weightGrad dw: UnsafeMutablePointer<Float>,
                                      scratch: UnsafeMutableRawPointer?, threads: Int = 1) {
        backward(p, input: x, weight: nil, outputGrad: dy, inputGrad: nil, weightGrad: dw, biasGrad: nil,
                 scratch: scratch, threads: threads)
    }

    /// Any of dX (needs W), dW (needs X) and dB from one pass over dY; each gradient given is
    /// overwritten. `scratch` holds `backwardScratchByteCount(p)` bytes, 16-byte aligned.
    public static func backward(_ p: Conv2DParams, input x: UnsafePointer<Float>?, weight w: UnsafePointer<Float>?,
                                outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>?,
                                weightGrad dw: UnsafeMutablePointer<Float>?,
                                biasGrad db: UnsafeMutablePointer<Float>?,
                                scratch: UnsafeMutableRawPointer?, threads: Int = 1) {
        let plane = p.outHeight * p.outWidth
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, columnRows(p))
        let chunk = backwardChunk(p)
        if let dx { dx.update(repeating: 0, count: p.inputCount) }
        if let dw { dw.update(repeating: 0, count: p.weightCount) }
        if let db { db.update(repeating: 0, count: p.outChannels) }
        guard p.batch > 0, plane > 0, let scratch else { return }
        let gathered = scratch.assumingMemoryBound(to: Float.self)
        let col = (scratch + gatheredBytes(p, columns: chunk * plane)).assumingMemoryBound(to: Float.self)
        var first = 0
        while first < p.batch {
            let n = min(chunk, p.batch - first)
            let width = n * plane
            // Threads take whole images of the chunk's copies; worth it only for big chunks.
            let workers = width * (k + p.outChannels) >= 1 << 16 ? min(threads, n) : 1
            eachImage(n, workers) { i in
                for oc in 0..<p.outChannels {
                    (gathered + oc * width + i * plane).update(from: dy + ((first + i) * p.outChannels + oc) * plane,
                                                              count: plane)
                }
            }
            if let db {
                for oc in 0..<p.outChannels { db[oc] += sum(gathered + oc * width, count: width) }
            }
            for g in 0..<p.groups {
                let dyg = gathered + g * mg * width
                if let dx, let w {
                    // dcol [k, n·plane] = W_gᵀ [k, mg] · dYcat_g [mg, n·plane]
                    Gemm.sgemm(transA: true, transB: false, m: k, n: width, k: mg,
                               alpha: 1, a: w + g * mg * k, lda: k, b: dyg, ldb: width,
                               beta: 0, c: col, ldc: width, threads: threads)
                    eachImage(n, workers) { i in
                        col2imAdd(p, columns: col + i * plane, rowStride: width,
                                  image: dx + ((first + i) * p.inChannels + g * cg) * p.inHeight * p.inWidth)
                    }
                }
                if let dw, let x {
                    eachImage(n, workers) { i in
                        im2colPixelMajor(p, image: x + ((first + i) * p.inChannels + g * cg) * p.inHeight * p.inWidth,
                                         columns: col + i * plane * k)
                    }
                    // dW_g [mg, k] (+)= dYcat_g [mg, n·plane] · colT [n·plane, k]
                    Gemm.sgemm(transA: false, transB: false, m: mg, n: k, k: width,
                               alpha: 1, a: dyg, lda: width, b: col, ldb: k,
                               beta: 1, c: dw + g * mg * k, ldc: k, threads: threads)
                }
            }
            first += n
        }
    }

    /// Runs body(i) for every image i < n, split into `workers` contiguous runs.
    static func eachImage(_ n: Int, _ workers: Int, _ body: (Int) -> Void) {
        Parallel.run(threads: workers, tasks: workers) { t in
            for i in (n * t / workers)..<(n * (t + 1) / workers) { body(i) }
        }
    }

    /// The sum of `count` floats, in 16 independent lanes (so it vectorises).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 16 <= count {
            acc += raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < count { s += x[i]; i += 1 }
        return s
    }

    // MARK: - Column matrices

    /// The pixel-major im2col of one group of one image (`dlk_im2col_pixel_major`): row j =
    /// oy·ow + ox holds the k taps of output pixel j in weight order (channel, ky, kx), 0 for
    /// taps in the padding; rows are k floats apart. (`im2col` writes the transpose.)
    static func im2colPixelMajor(_ p: Conv2DParams, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>,
                                 isa: Int32 = OpsISA.best) {
        var g = dlk_im2col_geometry(
            channels: Int32(p.inChannelsPerGroup), in_h: Int32(p.inHeight), in_w: Int32(p.inWidth),
            out_h: Int32(p.outHeight), out_w: Int32(p.outWidth), kernel_h: Int32(p.kernelHeight),
            kernel_w: Int32(p.kernelWidth), stride_h: Int32(p.strideH), stride_w: Int32(p.strideW),
            pad_top: Int32(p.padTop), pad_left: Int32(p.padLeft), dilation_h: Int32(p.dilationH),
            dilation_w: Int32(p.dilationW))
        dlk_im2col_pixel_major(isa, &g, image, columns)
    }

    /// Adds a column matrix back onto the image it came from (the adjoint of `im2col`): tap row
    /// r of the matrix starts at `columns + r · rowStride`.
    static func col2imAdd(_ p: Conv2DParams, columns: UnsafePointer<Float>, rowStride: Int,
                          image: UnsafeMutablePointer<Float>) {
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
                        if p.strideW == 1 {
                            for ox in r { row[ox] += col[ox] }
                        } else {
                            for ox in r { row[ox &* p.strideW] += col[ox] }
                        }
                    }
                    src += rowStride
                }
            }
        }
    }
}
