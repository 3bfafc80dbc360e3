import CDLKernels

/// Max pooling, NCHW (ONNX MaxPool), fp32 and int8 (int8 keeps the input's quantization
/// parameters, so it is the same comparison on the raw values). Padding never wins a max.
/// The fast path works a whole output row per window tap over the tap's valid column range
/// (no bounds tests inside, vectorisable at stride 1); `reference` is the per-output loop.
public enum MaxPool2D {
    public static func forward(_ p: Pool2DParams, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                               isa: Int32 = OpsISA.best, threads: Int = 1) {
        if p.hasOnlyFull2x2Windows {
            let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
            forEachPlaneRange(p, elementSize: 4, threads: threads) { planes in
                for nc in planes {
                    dlk_maxpool_plane_2x2(isa, x + nc * plane, p.inWidth, y + nc * oh * ow, oh, ow)
                }
            }
        } else if p.kernelWidth == 2 && p.strideW == 2 && p.dilationW == 1 {
            rowsK2S2(p, x, y, isa: isa)
        } else {
            rows(p, x, y, lowest: -Float.infinity)
        }
    }

    /// The 2-wide stride-2 window: the C row kernel over the columns where both taps are in the
    /// row, the scalar tap loop at the (at most one per side) edge columns. Same tap order.
    static func rowsK2S2(_ p: Pool2DParams, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, isa: Int32) {
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        let inner = p.interiorColumns(outWidth: ow)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane
            for oy in 0..<oh {
                let out = y + (nc * oh + oy) * ow
                out.update(repeating: -Float.infinity, count: ow)
                for ky in 0..<p.kernelHeight {
                    let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                    if iy < 0 || iy >= p.inHeight { continue }
                    let row = src + iy * p.inWidth
                    if !inner.isEmpty {
                        dlk_maxpool_row_k2s2(isa, row + inner.lowerBound * 2 - p.padLeft, out + inner.lowerBound, inner.count)
                    }
                    for kx in 0..<2 {
                        let xoff = kx - p.padLeft
                        for ox in p.validColumns(offset: xoff, outWidth: ow) where !inner.contains(ox) {
                            let v = row[xoff + ox * 2]; if v > out[ox] { out[ox] = v }
                        }
                    }
                }
            }
        }
    }

    public static func forward(_ p: Pool2DParams, input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>,
                               isa: Int32 = OpsISA.best, threads: Int = 1) {
        if p.hasOnlyFull2x2Windows {
            let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
            forEachPlaneRange(p, elementSize: 1, threads: threads) { planes in
                for nc in planes {
                    dlk_maxpool_plane_2x2_s8(isa, x + nc * plane, p.inWidth, y + nc * oh * ow, oh, ow)
                }
            }
        } else {
            rows(p, x, y, lowest: Int8.min)
        }
    }

    /// The N·C planes in contiguous ranges, over as many threads as the bytes streamed are
    /// worth (the shared split rule); planes are independent, so any split gives the same bits.
    static func forEachPlaneRange(_ p: Pool2DParams, elementSize: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let planes = p.batch * p.channels
        let bytes = Double(planes * p.inHeight * p.inWidth * elementSize)
        let used = Dispatch.threads(threads, macs: 0, bytes: bytes)
        let units = Dispatch.units(threads: used, macs: 0, bytes: bytes, limit: planes)
        Parallel.run(threads: used, tasks: units) { u in
            body(planes * u / units..<planes * (u + 1) / units)
        }
    }

    @inline(__always)
    static func rows<T: Comparable>(_ p: Pool2DParams, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, lowest: T) {
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane
            for oy in 0..<oh {
                let out = y + (nc * oh + oy) * ow
                out.update(repeating: lowest, count: ow)
                for ky in 0..<p.kernelHeight {
                    let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                    if iy < 0 || iy >= p.inHeight { continue }
                    let row = src + iy * p.inWidth
                    for kx in 0..<p.kernelWidth {
                        let xoff = kx * p.dilationW - p.padLeft
                        let r = p.validColumns(offset: xoff, outWidth: ow)
                        let base = row + xoff
                        if p.strideW == 1 {
                            for ox in r { let v = base[ox]; if v > out[ox] { out[ox] = v } }
                        } else {
                            for ox in r { let v = base[ox &* p.strideW]; if v > out[ox] { out[ox] = v } }
                        }
                    }
                }
            }
        }
    }

    /// dX: each dY goes to the first maximum of its window (row-major order), as PyTorch does.
    /// Overwrites dX. Inside the columns where every tap is in the row, no bounds tests.
    public static func backward(_ p: Pool2DParams, input x: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>, inputGrad dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: p.inputCount)
        let (oh, ow, plane) = (p.outHeight, p.outWidth, p.inHeight * p.inWidth)
        let inner = p.interiorColumns(outWidth: ow)
        let (kw, dw, sw, rowStep) = (p.kernelWidth, p.dilationW, p.strideW, p.dilationH * p.inWidth)
        for nc in 0..<(p.batch * p.channels) {
            let src = x + nc * plane, grad = dx + nc * plane
            for oy in 0..<oh {
                let rows = p.validRows(oy)
                if rows.isEmpty { continue }
                let top = (oy * p.strideH - p.padTop + rows.lowerBound * p.dilationH) * p.inWidth - p.padLeft
                for ox in 0..<ow {
                    var at = -1
                    if inner.contains(ox) {
                        var i = top + ox * sw
                        var best = src[i]
                        at = i
                        for _ in rows {
                            for kx in 0..<kw { let v = src[i + kx * dw]; if v > best { best = v; at = i + kx * dw } }
                            i += rowStep
                        }
                    } else {
                        var best = -Float.infinity
                        forEachInput(p, oy, ox) { i in
                            if at < 0 || src[i] > best { best = src[i]; at = i }
                        }
                    }
                    if at >= 0 { grad[at] += dy[(nc * oh + oy) * ow + ox] }
                }
            }
        }
    }

    /// Calls `body` with the in-plane index of every real input in the window of (oy, ox).
    @inline(__always)
    static func forEachInput(_ p: Pool2DParams, _ oy: Int, _ ox: Int, _ body: (Int) -> Void) {
        let y0 = oy * p.strideH - p.padTop, x0 = ox * p.strideW - p.padLeft
        for ky in 0..<p.kernelHeight {
            let iy = y0 + ky * p.dilationH
            if iy < 0 || iy >= p.inHeight { continue }
            for kx in 0..<p.kernelWidth {
                let ix = x0 + kx * p.dilationW
                if ix < 0 || ix >= p.inWidth { continue }
                body(iy * p.inWidth + ix)
            }
        }
    }
}
