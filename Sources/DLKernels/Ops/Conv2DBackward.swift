import DLCore

/// The gradients of `Conv2D` the trainer needs: dX (GEMM then col2im) and dW (im2col then GEMM).
extension Conv2D {
    /// Bytes of scratch `backwardInput` and `backwardWeight` need.
    public static func backwardScratchByteCount(_ p: Conv2DParams) -> Int {
        if isPointwise(p) { return 0 }
        return columnRows(p) * p.outHeight * p.outWidth * MemoryLayout<Float>.stride
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
                    im2col(p, image: image, columns: col!, pad: 0)
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

    // MARK: - col2im

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
}
