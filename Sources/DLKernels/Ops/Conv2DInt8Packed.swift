import DLCore

/// int8 convolution on the GEMM helper's packed int8 kernel (VNNI / AVX-512BW / AVX2 / NEON):
/// im2row (one row of cg·kH·kW inputs per output pixel, padding = input zero point: im2col and a
/// tiled transpose) times the weights of each group packed once, requantized by the GEMM's
/// output stage, then transposed from [pixels, channels] to NCHW. Bit-exact with `reference`.
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
        let block = (Conv2D.columnRows(p) * p.outHeight * p.outWidth + 63) & ~63
        return 2 * block + p.outHeight * p.outWidth * p.outChannelsPerGroup
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
        let block = (k * plane + 63) & ~63
        let rows = scratch.assumingMemoryBound(to: Int8.self)
        let columns = (scratch + block).assumingMemoryBound(to: Int8.self)
        let tile = (scratch + 2 * block).assumingMemoryBound(to: Int8.self)
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
                // im2row = im2col (row copies) then a tiled transpose
                Conv2D.im2col(p, image: x + (n * p.inChannels + g * cg) * inPlane, columns: columns, pad: pad)
                transpose(columns, rows: k, columns: plane, into: rows)
                GemmInt8.requantized(m: plane, a: rows, lda: k, aZeroPoint: q.inputZeroPoint, weights: packed[g],
                                     bias: bias.map { $0 + g * mg }, multipliers: multipliers + g * mg,
                                     perChannel: true, outputZeroPoint: q.outputZeroPoint,
                                     outputRange: range,
                                     c: tile, ldc: mg, threads: threads)
                transpose(tile, rows: plane, columns: mg, into: y + (n * p.outChannels + g * mg) * plane)
            }
        }
    }

    /// [rows, columns] -> [columns, rows] through the tiled `Transpose`.
    static func transpose(_ src: UnsafePointer<Int8>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Int8>) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 4) { buf in
            let shape = buf.baseAddress!, perm = shape + 2
            shape[0] = rows; shape[1] = columns; perm[0] = 1; perm[1] = 0
            Transpose.forward(shape: UnsafeBufferPointer(start: shape, count: 2),
                              perm: UnsafeBufferPointer(start: perm, count: 2), input: src, output: dst)
        }
    }
}
