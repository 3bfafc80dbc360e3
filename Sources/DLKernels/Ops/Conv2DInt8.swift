import CDLKernels
import DLCore

/// The quantization of an int8 convolution (DESIGN.md rules): int8 activations with per-tensor
/// zero points, int8 symmetric weights per output channel (zero point 0), int32 bias with scale
/// inputScale·weightScale[c], output requantized to int8.
public struct Conv2DInt8Quantization: Equatable, Hashable, Sendable {
    public var inputZeroPoint: Int32
    public var outputZeroPoint: Int32
    /// The clamp of the output in the quantized domain: −128…127, or narrower for a fused relu/relu6.
    public var outputMin: Int8
    public var outputMax: Int8

    public init(inputZeroPoint: Int32, outputZeroPoint: Int32, outputMin: Int8 = .min, outputMax: Int8 = .max) {
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.outputMin = outputMin
        self.outputMax = outputMax
    }

    /// `requantize` over a row: out[i] = requantize(acc[i] + offset), vectorised (`isa` as in `OpsISA`).
    @inline(__always)
    public func requantize(row acc: UnsafePointer<Int32>, offset: Int32, multiplier: Float,
                           into out: UnsafeMutablePointer<Int8>, count: Int, isa: Int32 = OpsISA.best) {
        dlk_requantize_row(isa, acc, offset, multiplier, outputZeroPoint, Int32(outputMin), Int32(outputMax), out, count)
    }

    /// Output multipliers, one per output channel: inputScale · weightScale[c] / outputScale
    /// (computed once at prepare time).
    public static func multipliers(inputScale: Float, weightScales: [Float], outputScale: Float) -> [Float] {
        weightScales.map { inputScale * $0 / outputScale }
    }

    /// acc·multiplier, rounded half to even, plus the output zero point, clamped to
    /// outputMin…outputMax: the shared quantizer's rule (`Quantize.requantize`), which the int8
    /// GEMM's output stage implements too.
    @inline(__always)
    public func requantize(_ acc: Int32, multiplier: Float) -> Int8 {
        Quantize.requantize(acc, multiplier: multiplier, zeroPoint: outputZeroPoint,
                            range: Int32(outputMin)...Int32(outputMax))
    }
}

/// int8 2-D convolution, NCHW: Y = requantize(Σ (X − zx)·W + B). Every path is bit-exact with
/// `reference`: the sums are exact in int32 and the requantization is one shared function.
/// The fastest path is `forward(packed:)` on the int8 GEMM (Conv2DInt8Packed.swift); this one,
/// on the raw weights, is im2col (padding filled with the input zero point, so it adds exactly 0)
/// followed by an int8×int8→int32 product; depthwise convolutions accumulate row by row.
public enum Conv2DInt8 {
    /// Bytes of scratch `forward` needs.
    public static func scratchByteCount(_ p: Conv2DParams) -> Int {
        if p.isDepthwise { return p.outWidth * MemoryLayout<Int32>.stride }
        let l = layout(p)
        return l.rowSums + p.outChannels * 4
    }

    /// Where the scratch blocks start: im2col columns, the packed GEMM operand, the int32
    /// products, the weight row sums (each 64-byte aligned).
    static func layout(_ p: Conv2DParams) -> (packed: Int, acc: Int, rowSums: Int) {
        let k = Conv2D.columnRows(p), plane = p.outHeight * p.outWidth
        let align = { (v: Int) in (v + 63) & ~63 }
        // dense layers (1×1 images) multiply the whole batch at once
        let columns = isDense(p) ? p.batch : plane
        let rows = isDense(p) ? p.outChannels : p.outChannelsPerGroup
        let packed = align(isDense(p) || Conv2D.isPointwise(p) ? 0 : k * plane)
        let acc = packed + align(dlk_igemm_packed_size(k, columns))
        return (packed, acc, acc + align(rows * columns * 4))
    }

    /// A 1×1 convolution of 1×1 images: a dense layer.
    static func isDense(_ p: Conv2DParams) -> Bool {
        Conv2D.isPointwise(p) && p.outHeight * p.outWidth == 1 && p.groups == 1
    }

    /// The int8 convolution on the raw weights: im2col (padding = the input zero point, so it adds
    /// exactly 0), the weights times the packed columns on the int8 GEMM (VNNI / AVX-512BW / AVX2 /
    /// NEON dot product, bit-exact at every level), then the zero-point correction, bias and
    /// requantization per output channel. Depthwise convolutions accumulate row by row instead.
    public static func forward(_ p: Conv2DParams, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                               weight w: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?,
                               multipliers: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        if p.isDepthwise {
            depthwise(p, q, input: x, weight: w, bias: bias, multipliers: multipliers, output: y,
                      rowSums: scratch.assumingMemoryBound(to: Int32.self))
            return
        }
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, Conv2D.columnRows(p))
        let plane = p.outHeight * p.outWidth, inPlane = p.inHeight * p.inWidth
        let l = layout(p)
        let col = scratch.assumingMemoryBound(to: Int8.self)
        let packed = scratch + l.packed
        let acc = (scratch + l.acc).assumingMemoryBound(to: Int32.self)
        let rowSums = (scratch + l.rowSums).assumingMemoryBound(to: Int32.self)
        // Σ_k W[m, k]: subtracting zx·rowSum turns Σ X·W into Σ (X − zx)·W
        for m in 0..<p.outChannels {
            var s: Int32 = 0
            for i in 0..<k { s &+= Int32(w[m * k + i]) }
            rowSums[m] = (bias?[m] ?? 0) &- q.inputZeroPoint &* s
        }
        if isDense(p) {
            // acc [outChannels, batch] = W · Xᵀ
            gemmInt8(m: p.outChannels, n: p.batch, k: k, a: w, b: x, transposedB: true, ldb: k, c: acc,
                     packed: packed, threads: threads)
            for n in 0..<p.batch {
                for m in 0..<p.outChannels {
                    y[n * p.outChannels + m] = q.requantize(acc[m * p.batch + n] &+ rowSums[m], multiplier: multipliers[m])
                }
            }
            return
        }
        let pad = Int8(truncatingIfNeeded: q.inputZeroPoint)
        for n in 0..<p.batch {
            for g in 0..<p.groups {
                let image = x + (n * p.inChannels + g * cg) * inPlane
                if Conv2D.isPointwise(p) {
                    gemmInt8(m: mg, n: plane, k: k, a: w + g * mg * k, b: image, transposedB: false, ldb: plane,
                             c: acc, packed: packed, threads: threads)
                } else {
                    Conv2D.im2col(p, image: image, columns: col, pad: pad)
                    gemmInt8(m: mg, n: plane, k: k, a: w + g * mg * k, b: col, transposedB: false, ldb: plane,
                             c: acc, packed: packed, threads: threads)
                }
                for ml in 0..<mg {
                    let oc = g * mg + ml
                    let offset = rowSums[oc], mult = multipliers[oc]
                    q.requantize(row: acc + ml * plane, offset: offset, multiplier: mult,
                                 into: y + (n * p.outChannels + oc) * plane, count: plane)
                }
            }
        }
    }

    /// C[m, n] = A[m, k] · op(B) in int32 on the int8 GEMM, B packed into `packed` first
    /// (A's zero point is 0 here: the caller corrects for the activations' zero point).
    static func gemmInt8(m: Int, n: Int, k: Int, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>,
                         transposedB: Bool, ldb: Int, c: UnsafeMutablePointer<Int32>,
                         packed: UnsafeMutableRawPointer, threads: Int) {
        dlk_igemm_pack_b(transposedB ? 1 : 0, k, n, b, ldb, packed)
        var stage = dlk_out_stage()
        stage.kind = DLK_OUT_INT32
        dlk_igemm_packed(m, n, k, a, k, 0, packed, &stage, c, n, Int32(clamping: threads))
    }

    /// groups == inChannels: one int32 accumulator row per output row (in `rowSums`, ow entries),
    /// each tap added over its valid column range, then requantized.
    static func depthwise(_ p: Conv2DParams, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                          weight w: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?,
                          multipliers: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>,
                          rowSums acc: UnsafeMutablePointer<Int32>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let multiplier = p.outChannels / p.inChannels
        let (kh, kw) = (p.kernelHeight, p.kernelWidth)
        let zx = q.inputZeroPoint
        for n in 0..<p.batch {
            for oc in 0..<p.outChannels {
                let chan = x + (n * p.inChannels + oc / multiplier) * p.inHeight * p.inWidth
                let filter = w + oc * kh * kw
                let outPlane = y + (n * p.outChannels + oc) * oh * ow
                let b = bias?[oc] ?? 0, mult = multipliers[oc]
                for oy in 0..<oh {
                    acc.update(repeating: b, count: ow)
                    for ky in 0..<kh {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                        if iy < 0 || iy >= p.inHeight { continue }
                        let row = chan + iy * p.inWidth
                        for kx in 0..<kw {
                            let wv = Int32(filter[ky * kw + kx])
                            let xoff = kx * p.dilationW - p.padLeft
                            let r = Conv2D.validRange(offset: xoff, stride: p.strideW, width: p.inWidth, outWidth: ow)
                            let src = row + xoff
                            if p.strideW == 1 {
                                for ox in r { acc[ox] &+= wv &* (Int32(src[ox]) &- zx) }
                            } else {
                                for ox in r { acc[ox] &+= wv &* (Int32(src[ox &* p.strideW]) &- zx) }
                            }
                        }
                    }
                    q.requantize(row: acc, offset: 0, multiplier: mult, into: outPlane + oy * ow, count: ow)
                }
            }
        }
    }
}
