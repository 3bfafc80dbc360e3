import CDLKernels

@inline(__always) func tanhValue(_ x: Float) -> Float { dlk_tanhf(x) }

/// Simple RNN over a whole sequence (ONNX RNN, tanh): Hₜ = tanh(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb).
/// Layouts: see `RecurrentParams`.
///
/// As `LSTM`: one input-projection GEMM, Hₜ₋₁·Rᵀ (R packed once) accumulated in place onto each
/// step's projections, and the vector tanh straight into Hₜ.
public enum RNN {
    public static let gates = 1
    /// Floats saved per step and batch entry: Hₜ.
    static let savedPerStep = 1

    /// Bytes of scratch `forward` needs (with room to pack R when it is not given packed).
    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride + p.packedRecurrenceBytes(gates: gates)
    }

    /// `packedRecurrence`: R packed once (`PackedRecurrence(p, gates: 1, recurrence: r)`), else
    /// R is packed into the scratch on every call.
    public static func forward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1,
                               saved: UnsafeMutablePointer<Float>? = nil, isa: Int32 = OpsISA.best,
                               packedRecurrence: PackedRecurrence? = nil) {
        let hs = p.hiddenSize
        let buf = Recurrent.buffers(p, gates: gates, scratch: scratch)
        if let y, sequenceLengths != nil {
            y.update(repeating: 0, count: p.sequenceLength * p.directions * p.batch * hs)
        }
        for d in 0..<p.directions {
            Recurrent.projectInputs(p, gates: gates, x: x, w: w + d * hs * p.inputSize,
                                    bias: bias.map { $0 + d * 2 * hs }, addRecurrentBias: { _ in true },
                                    into: buf.projection, biasBuffer: buf.bias, threads: threads)
            Recurrent.loadState(p, d, from: initialH, into: buf.h)
            let packedR = Recurrent.packedRecurrence(p, d, gates: gates, lastGateApart: false, r: r,
                                                     given: packedRecurrence, buf: buf).0
            Recurrent.forRowBlocks(p, gates: gates, threads: threads, lengths: sequenceLengths) { rows, length, threads in
                steps(p, d, rows: rows, length: length, packedR: packedR, zeroState: initialH == nil, buf: buf,
                      saved: saved, y: y, isa: isa, threads: threads)
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
        }
    }

    /// The first `length` steps of direction d for the batch entries `rows` (see `LSTM.steps`).
    static func steps(_ p: RecurrentParams, _ d: Int, rows: Range<Int>, length: Int, packedR: UnsafeRawPointer,
                      zeroState: Bool, buf: Recurrent.Buffers, saved: UnsafeMutablePointer<Float>?,
                      y: UnsafeMutablePointer<Float>?, isa: Int32, threads: Int32) {
        let hs = p.hiddenSize, reverse = Recurrent.isReverse(p, d)
        let ldg = (p.batchFirst ? p.sequenceLength : 1) * hs
        let lo = rows.lowerBound
        for s in 0..<length {
            let t = reverse ? length - 1 - s : s
            let g = buf.projection + p.inputRow(t, lo) * hs
            if s > 0 || !zeroState {
                dlk_sgemm_packed(0, rows.count, hs, hs, 1, buf.h + lo * hs, hs, packedR, 1, g, ldg, threads)
            }
            for b in rows {
                let h = buf.h + b * hs
                dlk_vmath(isa, DLK_VM_TANH, g + (b - lo) * ldg, h, hs)
                if let saved { (saved + p.savedOffset(d, s, b, per: savedPerStep)).update(from: h, count: hs) }
                if let y { (y + p.outputOffset(t, d, b)).update(from: h, count: hs) }
            }
        }
    }
}
