/// The geometry of a 2-D pooling window over NCHW tensors (ONNX MaxPool / AveragePool).
///
/// X [batch, channels, inHeight, inWidth] -> Y [batch, channels, outHeight, outWidth].
/// With `ceilMode` the output size rounds up, but (as in PyTorch and onnxruntime) a last
/// window that would start inside the right/bottom padding is dropped.
public struct Pool2DParams: Equatable, Hashable, Sendable {
    public var batch: Int
    public var channels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideH: Int
    public var strideW: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var dilationH: Int
    public var dilationW: Int
    public var ceilMode: Bool
    /// Average pooling only: divide by the full window (padding counted) instead of the real inputs.
    public var countIncludePad: Bool

    public init(batch: Int, channels: Int, inHeight: Int, inWidth: Int,
                kernel: (Int, Int), strides: (Int, Int) = (1, 1), pads: (Int, Int, Int, Int) = (0, 0, 0, 0),
                dilations: (Int, Int) = (1, 1), ceilMode: Bool = false, countIncludePad: Bool = false) {
        self.batch = batch
        self.channels = channels
        self.inHeight = inHeight
        self.inWidth = inWidth
        (kernelHeight, kernelWidth) = kernel
        (strideH, strideW) = strides
        (padTop, padLeft, padBottom, padRight) = pads
        (dilationH, dilationW) = dilations
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    @inlinable static func outSize(_ input: Int, _ padBegin: Int, _ padEnd: Int, _ kernel: Int,
                                   _ stride: Int, _ dilation: Int, _ ceil: Bool) -> Int {
        let span = input + padBegin + padEnd - dilation * (kernel - 1) - 1
        var out = (ceil ? (span + stride - 1) / stride : span / stride) + 1
        if ceil && (out - 1) * stride >= input + padBegin { out -= 1 }
        return out
    }

    @inlinable public var outHeight: Int {
        Self.outSize(inHeight, padTop, padBottom, kernelHeight, strideH, dilationH, ceilMode)
    }
    @inlinable public var outWidth: Int {
        Self.outSize(inWidth, padLeft, padRight, kernelWidth, strideW, dilationW, ceilMode)
    }
    @inlinable public var inputCount: Int { batch * channels * inHeight * inWidth }
    @inlinable public var outputCount: Int { batch * channels * outHeight * outWidth }

    /// Output columns whose tap at input column ox·strideW + offset lies inside the row.
    @inline(__always) func validColumns(offset: Int, outWidth: Int) -> Range<Int> {
        Conv2D.validRange(offset: offset, stride: strideW, width: inWidth, outWidth: outWidth)
    }

    /// Output columns whose whole window (every tap) lies inside the row.
    @inline(__always) func interiorColumns(outWidth: Int) -> Range<Int> {
        let first = validColumns(offset: -padLeft, outWidth: outWidth)
        let last = validColumns(offset: (kernelWidth - 1) * dilationW - padLeft, outWidth: outWidth)
        let lo = max(first.lowerBound, last.lowerBound), hi = min(first.upperBound, last.upperBound)
        return lo < hi ? lo..<hi : 0..<0
    }

    /// 2×2 stride 2, no dilation, and no window reaching outside the input (no padding used).
    var hasOnlyFull2x2Windows: Bool {
        kernelHeight == 2 && kernelWidth == 2 && strideH == 2 && strideW == 2 && dilationH == 1 && dilationW == 1
            && padTop == 0 && padLeft == 0 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth
    }

    /// Window rows (ky) of output row oy that lie inside the input.
    @inline(__always) func validRows(_ oy: Int) -> Range<Int> {
        let y0 = oy * strideH - padTop
        var lo = 0, hi = kernelHeight
        while lo < hi && y0 + lo * dilationH < 0 { lo += 1 }
        while hi > lo && y0 + (hi - 1) * dilationH >= inHeight { hi -= 1 }
        return lo..<hi
    }

    /// The divisor of the average at output (oy, ox): real inputs only, or the window clipped
    /// to the padded input when `countIncludePad` (the part added by `ceilMode` never counts).
    @inlinable func averageDivisor(oy: Int, ox: Int) -> Int {
        let y0 = oy * strideH - padTop, x0 = ox * strideW - padLeft
        if countIncludePad {
            let h = min(y0 + (kernelHeight - 1) * dilationH, inHeight + padBottom - 1)
            let w = min(x0 + (kernelWidth - 1) * dilationW, inWidth + padRight - 1)
            return ((h - y0) / dilationH + 1) * ((w - x0) / dilationW + 1)
        }
        var rows = 0, cols = 0
        for k in 0..<kernelHeight { let iy = y0 + k * dilationH; if iy >= 0 && iy < inHeight { rows += 1 } }
        for k in 0..<kernelWidth { let ix = x0 + k * dilationW; if ix >= 0 && ix < inWidth { cols += 1 } }
        return rows * cols
    }
}
