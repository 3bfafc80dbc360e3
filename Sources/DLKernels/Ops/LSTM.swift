import CDLKernels

/// LSTM over a whole sequence (ONNX LSTM, gate order i, o, f, c):
/// i = σ(·), o = σ(·), f = σ(·), c̃ = tanh(·) of Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb;
/// Cₜ = f⊙Cₜ₋₁ + i⊙c̃, Hₜ = o⊙tanh(Cₜ). Layouts: see `RecurrentParams`.
///
/// The input projections of all steps are one GEMM (bias as its epilogue). Each step then
/// accumulates Hₜ₋₁·Rᵀ (R packed once) onto that step's projections in place, and one fused
/// vector pass (`dlk_lstm_cell`) computes the gates, Cₜ and Hₜ for the whole batch.
public enum LSTM {
    public static let gates = 4
    /// Floats saved per step and batch entry: i, o, f, c̃ (activated), Cₜ, Hₜ.
    static let savedPerStep = 6

    /// Bytes of scratch `forward` needs (with room to pack R when it is not given packed).
    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride + p.packedRecurrenceBytes(gates: gates)
    }

    /// Every output is optional. `sequenceLengths` ([batch], optional) as ONNX `sequence_lens`.
    /// `packedRecurrence`: R packed once (`PackedRecurrence(p, gates: 4, recurrence: r)`), else
    /// R is packed into the scratch on every call.
    /// Training passes `saved` (`savedCount` floats): what `backward` needs, per step.
    public static func forward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               outputC: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1,
                               saved: UnsafeMutablePointer<Float>? = nil, isa: Int32 = OpsISA.best,
                               packedRecurrence: PackedRecurrence? = nil) {
        let hs = p.hiddenSize, gh = gates * hs
        let buf = Recurrent.buffers(p, gates: gates, scratch: scratch)
        if let y, sequenceLengths != nil {
            y.update(repeating: 0, count: p.sequenceLength * p.directions * p.batch * hs)
        }
        for d in 0..<p.directions {
            Recurrent.projectInputs(p, gates: gates, x: x, w: w + d * gh * p.inputSize,
                                    bias: bias.map { $0 + d * 2 * gh }, addRecurrentBias: { _ in true },
                                    into: buf.projection, biasBuffer: buf.bias, threads: threads)
            Recurrent.loadState(p, d, from: initialH, into: buf.h)
            Recurrent.loadState(p, d, from: initialC, into: buf.c)
            let packedR = Recurrent.packedRecurrence(p, d, gates: gates, lastGateApart: false, r: r,
                                                     given: packedRecurrence, buf: buf).0
            Recurrent.forRowBlocks(p, gates: gates, threads: threads, lengths: sequenceLengths) { rows, length, threads in
                steps(p, d, rows: rows, length: length, packedR: packedR, zeroState: initialH == nil, buf: buf,
                      saved: saved, y: y, isa: isa, threads: threads)
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
            Recurrent.storeState(p, d, buf.c, into: outputC)
        }
    }

    /// The first `length` steps of direction d for the batch entries `rows`, all at the same time
    /// step: their projections are rows `ldg` apart, and Hₜ₋₁·Rᵀ accumulates onto them in place
    /// (a zero initial state adds nothing at the first step).
    static func steps(_ p: RecurrentParams, _ d: Int, rows: Range<Int>, length: Int, packedR: UnsafeRawPointer,
                      zeroState: Bool, buf: Recurrent.Buffers, saved: UnsafeMutablePointer<Float>?,
                      y: UnsafeMutablePointer<Float>?, isa: Int32, threads: Int32) {
        let hs = p.hiddenSize, gh = gates * hs, reverse = Recurrent.isReverse(p, d)
        let ldg = (p.batchFirst ? p.sequenceLength : 1) * gh
        let h = buf.h + rows.lowerBound * hs, c = buf.c + rows.lowerBound * hs
        for s in 0..<length {
            let t = reverse ? length - 1 - s : s
            let g = buf.projection + p.inputRow(t, rows.lowerBound) * gh
            if s > 0 || !zeroState {
                dlk_sgemm_packed(0, rows.count, gh, hs, 1, h, hs, packedR, 1, g, ldg, threads)
            }
            dlk_lstm_cell(isa, rows.count, hs, g, ldg, nil, 0, c, hs, h, hs)
            for b in rows {
                record(p, d, s, b, gates: g + (b - rows.lowerBound) * ldg, saved: saved, y: y, t: t, buf: buf)
            }
        }
    }

    /// Batch entry b's step s: its record for training and its Y[t, d, b, :].
    @inline(__always)
    static func record(_ p: RecurrentParams, _ d: Int, _ s: Int, _ b: Int, gates: UnsafePointer<Float>,
                       saved: UnsafeMutablePointer<Float>?, y: UnsafeMutablePointer<Float>?, t: Int,
                       buf: Recurrent.Buffers) {
        let hs = p.hiddenSize
        let h = buf.h + b * hs
        if let rec = saved.map({ $0 + p.savedOffset(d, s, b, per: savedPerStep) }) {
            rec.update(from: gates, count: LSTM.gates * hs)
            (rec + 4 * hs).update(from: buf.c + b * hs, count: hs)
            (rec + 5 * hs).update(from: h, count: hs)
        }
        if let y { (y + p.outputOffset(t, d, b)).update(from: h, count: hs) }
    }
}
