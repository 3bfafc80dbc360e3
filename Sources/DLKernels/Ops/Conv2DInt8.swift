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

    /// Output multipliers, one per output channel: inputScale · weightScale[c] / outputScale
    /// (computed once at prepare time).
    public static func multipliers(inputScale: Float, weightScales: [Float], outputScale: Float) -> [Float] {
        weightScales.map { inputScale * $0 / outputScale }
    }

    /// acc·multiplier, rounded half to even, plus the output zero point, clamped.
    @inlinable @inline(__always)
    public func requantize(_ acc: Int32, multiplier: Float) -> Int8 {
        let v = (Float(acc) * multiplier).rounded(.toNearestOrEven) + Float(outputZeroPoint)
        let lo = Float(outputMin), hi = Float(outputMax)
        return Int8(v < lo ? lo : (v > hi ? hi : v))
    }
}

/// int8 2-D convolution, NCHW: Y = requantize(Σ (X − zx)·W + B). Every path is bit-exact with
/// `reference`: the sums are exact in int32 and the requantization is one shared function.
/// The fast path is im2col (padding filled with the input zero point, so it adds exactly 0)
/// followed by an int8×int8→int32 product.
public enum Conv2DInt8 {
    /// Bytes of scratch `forward` needs.
    public static func scratchByteCount(_ p: Conv2DParams) -> Int {
        let k = Conv2D.columnRows(p), plane = p.outHeight * p.outWidth
        let col = (k * plane + 63) & ~63
        return col + p.outChannelsPerGroup * plane * 4 + p.outChannels * 4
    }

    /// Direct loops from the definition.
    public static func reference(_ p: Conv2DParams, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                                 weight w: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?,
                                 multipliers: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>) {
        let (oh, ow) = (p.outHeight, p.outWidth)
        let (cg, mg) = (p.inChannelsPerGroup, p.outChannelsPerGroup)
        for n in 0..<p.batch {
            for oc in 0..<p.outChannels {
                let g = oc / mg
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var acc: Int32 = bias?[oc] ?? 0
                        for c in 0..<cg {
                            for ky in 0..<p.kernelHeight {
                                let iy = oy * p.strideH - p.padTop + ky * p.dilationH
                                if iy < 0 || iy >= p.inHeight { continue }
                                for kx in 0..<p.kernelWidth {
                                    let ix = ox * p.strideW - p.padLeft + kx * p.dilationW
                                    if ix < 0 || ix >= p.inWidth { continue }
                                    let xv = Int32(x[((n * p.inChannels + g * cg + c) * p.inHeight + iy) * p.inWidth + ix])
                                    let wv = Int32(w[((oc * cg + c) * p.kernelHeight + ky) * p.kernelWidth + kx])
                                    acc &+= (xv - q.inputZeroPoint) * wv
                                }
                            }
                        }
                        y[((n * p.outChannels + oc) * oh + oy) * ow + ox] = q.requantize(acc, multiplier: multipliers[oc])
                    }
                }
            }
        }
    }

    public static func forward(_ p: Conv2DParams, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                               weight w: UnsafePointer<Int8>, bias: UnsafePointer<Int32>?,
                               multipliers: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        let (cg, mg, k) = (p.inChannelsPerGroup, p.outChannelsPerGroup, Conv2D.columnRows(p))
        let plane = p.outHeight * p.outWidth, inPlane = p.inHeight * p.inWidth
        let col = scratch.assumingMemoryBound(to: Int8.self)
        let acc = (scratch + ((k * plane + 63) & ~63)).assumingMemoryBound(to: Int32.self)
        let rowSums = acc + mg * plane
        // Σ_k W[m, k]: subtracting zx·rowSum turns Σ X·W into Σ (X − zx)·W
        for m in 0..<p.outChannels {
            var s: Int32 = 0
            for i in 0..<k { s &+= Int32(w[m * k + i]) }
            rowSums[m] = s
        }
        let pad = Int8(truncatingIfNeeded: q.inputZeroPoint)
        for n in 0..<p.batch {
            for g in 0..<p.groups {
                Conv2D.im2col(p, image: x + (n * p.inChannels + g * cg) * inPlane, columns: col, pad: pad)
                gemmInt8(m: mg, n: plane, k: k, a: w + g * mg * k, b: col, c: acc)
                for ml in 0..<mg {
                    let oc = g * mg + ml
                    let offset = (bias?[oc] ?? 0) &- q.inputZeroPoint &* rowSums[oc]
                    let src = acc + ml * plane, dst = y + (n * p.outChannels + oc) * plane
                    let mult = multipliers[oc]
                    for j in 0..<plane { dst[j] = q.requantize(src[j] &+ offset, multiplier: mult) }
                }
            }
        }
    }

    /// C[m, n] = A[m, k] · B[k, n] in int32, all row-major and dense.
    /// (Stand-in until the GEMM helper's int8 kernel lands; same contract.)
    static func gemmInt8(m: Int, n: Int, k: Int, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>,
                         c: UnsafeMutablePointer<Int32>) {
        for i in 0..<m {
            let row = c + i * n
            row.update(repeating: 0, count: n)
            for p in 0..<k {
                let av = Int32(a[i * k + p])
                if av == 0 { continue }
                let brow = b + p * n
                for j in 0..<n { row[j] &+= av &* Int32(brow[j]) }
            }
        }
    }
}
