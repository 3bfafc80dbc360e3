import CDLKernels
import DLCore

/// The direct convolution (CDLKernels/conv_direct.c): no im2col, weights packed once, the
/// input read in place (fp32) or regrouped 4 channels per lane (int8), bias and activation or
/// requantization applied in registers. For stride-1 convolutions whose output rows are as
/// wide as the input rows (`supports`), the common "same" 3×3 / 5×5 layers.
///
/// Built once per weight tensor and geometry (the batch size may change afterwards); read only
/// while running, so one instance serves every session of a model.
public final class Conv2DDirect: @unchecked Sendable {
    /// The geometry it was built for (`batch` is ignored).
    public let params: Conv2DParams
    let offsets: UnsafeMutablePointer<Int32>
    let masks: UnsafeMutablePointer<UInt16>
    let packed: UnsafeMutableRawPointer
    /// int8: Σ of each output channel's weights (for the zero-point correction).
    public let weightSums: [Int32]

    /// True when the direct kernel computes this convolution.
    public static func supports(_ p: Conv2DParams) -> Bool {
        p.groups == 1 && p.strideH == 1 && p.strideW == 1 && p.outWidth == p.inWidth
            && p.outHeight >= 1 && p.inWidth >= 1 && p.inChannels >= 1 && p.outChannels >= 1
            && p.inHeight * p.inWidth < Int(Int32.max) / 8
    }

    private init(_ p: Conv2DParams, packedBytes: Int, weightSums: [Int32]) {
        params = p
        let taps = p.kernelHeight * p.kernelWidth
        offsets = .allocate(capacity: max(taps, 1))
        masks = .allocate(capacity: max(dlk_dconv_mask_count(p.outHeight, p.inWidth, taps), 1))
        dlk_dconv_tables(p.inHeight, p.inWidth, p.outHeight, p.kernelHeight, p.kernelWidth, p.padTop, p.padLeft,
                         p.dilationH, p.dilationW, offsets, masks)
        packed = WeightMemory.allocate(byteCount: max(packedBytes, 64))
        self.weightSums = weightSums
    }

    /// fp32 weights W [outChannels, inChannels, kH, kW]. `p` must satisfy `supports`.
    public convenience init(_ p: Conv2DParams, floatWeights w: UnsafePointer<Float>) {
        let k = p.inChannels * p.kernelHeight * p.kernelWidth
        let count = dlk_dconv_f32_packed_count(p.outChannels, k)
        self.init(p, packedBytes: count * 4, weightSums: [])
        dlk_dconv_f32_pack(p.outChannels, p.inChannels, p.kernelHeight * p.kernelWidth, w,
                           packed.assumingMemoryBound(to: Float.self))
    }

    /// int8 weights W [outChannels, inChannels, kH, kW]. `p` must satisfy `supports`.
    public convenience init(_ p: Conv2DParams, int8Weights w: UnsafePointer<Int8>) {
        let taps = p.kernelHeight * p.kernelWidth
        var sums = [Int32](repeating: 0, count: p.outChannels)
        let bytes = dlk_dconv_s8_packed_size(p.outChannels, p.inChannels, taps)
        // the sums first, into the array, then the packed layout into the new buffer
        let scratch = UnsafeMutablePointer<Int8>.allocate(capacity: max(bytes, 1))
        defer { scratch.deallocate() }
        sums.withUnsafeMutableBufferPointer { s in
            dlk_dconv_s8_pack(p.outChannels, p.inChannels, taps, w, scratch, s.baseAddress!)
        }
        self.init(p, packedBytes: bytes, weightSums: sums)
        packed.copyMemory(from: scratch, byteCount: bytes)
    }

    deinit {
        offsets.deallocate()
        masks.deallocate()
        WeightMemory.deallocate(packed)
    }

    /// The geometry for the C kernels at `batch` images.
    @inline(__always)
    func withGeometry<R>(batch: Int, _ body: (UnsafePointer<dlk_dconv_geometry>) -> R) -> R {
        var g = dlk_dconv_geometry(batch: batch, in_c: params.inChannels, ih: params.inHeight, iw: params.inWidth,
                                   out_c: params.outChannels, oh: params.outHeight,
                                   taps: params.kernelHeight * params.kernelWidth,
                                   offsets: offsets, masks: masks)
        return body(&g)
    }

    /// Y = activation(conv(X, W) + B) for `batch` images (fp32 instance).
    public func forward(batch: Int, input x: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        activation: FusedActivation, output y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        let kind: Int32 = activation == .relu ? 1 : activation == .relu6 ? 2 : 0
        withGeometry(batch: batch) { g in
            dlk_dconv_f32(g, x, packed.assumingMemoryBound(to: Float.self), bias, kind, y, Int32(clamping: threads))
        }
    }

    /// Scratch bytes of the int8 `forward` for `images` regrouped input images (1 suffices;
    /// as many as threads let a batch run one image per thread).
    public func int8ScratchByteCount(images: Int = 1) -> Int {
        withGeometry(batch: 1) { g in dlk_dconv_s8_scratch_size(g, max(1, images)) }
    }

    /// The per-channel constant of the int8 kernel: bias − (128 + inputZeroPoint)·Σw, wrapping
    /// (computed once at prepare time).
    public func int8Offsets(bias: UnsafePointer<Int32>?, inputZeroPoint: Int32) -> [Int32] {
        let shift = 128 &+ inputZeroPoint
        return weightSums.indices.map { (bias?[$0] ?? 0) &- shift &* weightSums[$0] }
    }

    /// Y = requantize(Σ (X − zx)·W + B) for `batch` images (int8 instance), bit-exact with
    /// `Conv2DInt8.reference`; `offsets` from `int8Offsets`.
    public func forward(batch: Int, _ q: Conv2DInt8Quantization, input x: UnsafePointer<Int8>,
                        offsets: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>,
                        output y: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer, scratchImages: Int = 1,
                        threads: Int = 1) {
        withGeometry(batch: batch) { g in
            dlk_dconv_s8(g, x, q.inputZeroPoint, packed.assumingMemoryBound(to: Int8.self), offsets, multipliers,
                         q.outputZeroPoint, Int32(q.outputMin), Int32(q.outputMax), y, scratch, max(1, scratchImages),
                         Int32(clamping: threads))
        }
    }
}
