import CDLKernels

/// GRU over a whole sequence (ONNX GRU, gate order z, r, h):
/// z = σ(Xₜ·Wzᵀ + Hₜ₋₁·Rzᵀ + Wbz + Rbz), r likewise,
/// h̃ = tanh(Xₜ·Whᵀ + (r⊙Hₜ₋₁)·Rhᵀ + Rbh + Wbh)            (linearBeforeReset false), or
/// h̃ = tanh(Xₜ·Whᵀ + Wbh + r⊙(Hₜ₋₁·Rhᵀ + Rbh))            (linearBeforeReset true, as PyTorch);
/// Hₜ = (1 − z)⊙h̃ + z⊙Hₜ₋₁. Layouts: see `RecurrentParams`.
///
/// The input projections of all steps are one GEMM (bias as its epilogue). Each step then
/// accumulates Hₜ₋₁·Rzrᵀ (R packed once, the h gate's rows as a matrix of their own) onto that
/// step's z and r projections in place. With linearBeforeReset, Hₜ₋₁·Rhᵀ is a second product
/// and one fused vector pass (`dlk_gru_cell`) does the rest; otherwise a first pass
/// (`dlk_gru_reset`) activates z and r and forms r⊙Hₜ₋₁, whose product with Rh the cell then takes.
public enum GRU {
    public static let gates = 3
    /// Floats saved per step and batch entry: z, r, h̃, the h gate's recurrent term
    /// (Hₜ₋₁·Rhᵀ + Rbh, or (r⊙Hₜ₋₁)·Rhᵀ + Rbh), Hₜ.
    static let savedPerStep = 5

    /// Bytes of scratch `forward` needs (with room to pack R when it is not given packed).
    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride
            + p.packedRecurrenceBytes(gates: gates, lastGateApart: true)
    }

    /// `packedRecurrence`: R packed once (`PackedRecurrence(p, gates: 3, recurrence: r,
    /// lastGateApart: true)`), else R is packed into the scratch on every call.
    public static func forward(_ p: RecurrentParams, linearBeforeReset: Bool, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1,
                               saved: UnsafeMutablePointer<Float>? = nil, isa: Int32 = OpsISA.best,
                               packedRecurrence: PackedRecurrence? = nil) {
        let hs = p.hiddenSize, gh = gates * hs
        let buf = Recurrent.buffers(p, gates: gates, scratch: scratch)
        if let y, sequenceLengths != nil {
            y.update(repeating: 0, count: p.sequenceLength * p.directions * p.batch * hs)
        }
        for d in 0..<p.directions {
            let bd = bias.map { $0 + d * 2 * gh }
            // Rbh sits inside r⊙(…) or next to (r⊙H)·Rhᵀ: added by the cell, not into the projection.
            Recurrent.projectInputs(p, gates: gates, x: x, w: w + d * gh * p.inputSize,
                                    bias: bd, addRecurrentBias: { $0 < 2 },
                                    into: buf.projection, biasBuffer: buf.bias, threads: threads)
            Recurrent.loadState(p, d, from: initialH, into: buf.h)
            let (packedZR, packedH) = Recurrent.packedRecurrence(p, d, gates: gates, lastGateApart: true, r: r,
                                                                 given: packedRecurrence, buf: buf)
            let rbh = bd.map { UnsafePointer($0 + gh + 2 * hs) }
            Recurrent.forRowBlocks(p, gates: gates, threads: threads, lengths: sequenceLengths) { rows, length, threads in
                steps(p, d, rows: rows, length: length, linearBeforeReset: linearBeforeReset, packedZR: packedZR,
                      packedH: packedH!, rbh: rbh, zeroState: initialH == nil, buf: buf, saved: saved, y: y,
                      isa: isa, threads: threads)
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
        }
    }

    /// The first `length` steps of direction d for the batch entries `rows` (see `LSTM.steps`).
    static func steps(_ p: RecurrentParams, _ d: Int, rows: Range<Int>, length: Int, linearBeforeReset: Bool,
                      packedZR: UnsafeRawPointer, packedH: UnsafeRawPointer, rbh: UnsafePointer<Float>?,
                      zeroState: Bool, buf: Recurrent.Buffers, saved: UnsafeMutablePointer<Float>?,
                      y: UnsafeMutablePointer<Float>?, isa: Int32, threads: Int32) {
        let hs = p.hiddenSize, gh = gates * hs, reverse = Recurrent.isReverse(p, d), m = rows.count
        let ldg = (p.batchFirst ? p.sequenceLength : 1) * gh
        let lo = rows.lowerBound
        let h = buf.h + lo * hs, rec = buf.recurrent + lo * hs, rh = buf.temp + lo * hs
        for s in 0..<length {
            let t = reverse ? length - 1 - s : s
            let g = buf.projection + p.inputRow(t, lo) * gh
            if s > 0 || !zeroState {
                dlk_sgemm_packed(0, m, 2 * hs, hs, 1, h, hs, packedZR, 1, g, ldg, threads)
            }
            if linearBeforeReset {
                dlk_sgemm_packed(0, m, hs, hs, 1, h, hs, packedH, 0, rec, hs, threads)
            } else {
                dlk_gru_reset(isa, m, hs, g, ldg, h, hs, rh, hs)
                dlk_sgemm_packed(0, m, hs, hs, 1, rh, hs, packedH, 0, rec, hs, threads)
            }
            dlk_gru_cell(isa, m, hs, g, ldg, rec, hs, rbh, linearBeforeReset ? 1 : 0, h, hs)
            for b in rows {
                let hb = buf.h + b * hs
                if let store = saved.map({ $0 + p.savedOffset(d, s, b, per: savedPerStep) }) {
                    store.update(from: g + (b - lo) * ldg, count: gh)
                    (store + 3 * hs).update(from: buf.recurrent + b * hs, count: hs)
                    (store + 4 * hs).update(from: hb, count: hs)
                }
                if let y { (y + p.outputOffset(t, d, b)).update(from: hb, count: hs) }
            }
        }
    }
}
