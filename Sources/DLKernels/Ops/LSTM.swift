import CDLKernels

/// LSTM over a whole sequence (ONNX LSTM, gate order i, o, f, c):
/// i = σ(·), o = σ(·), f = σ(·), c̃ = tanh(·) of Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb;
/// Cₜ = f⊙Cₜ₋₁ + i⊙c̃, Hₜ = o⊙tanh(Cₜ). Layouts: see `RecurrentParams`.
/// The input projections of all steps are one `Gemm.sgemm`; each step adds one more for Hₜ₋₁·Rᵀ.
public enum LSTM {
    public static let gates = 4
    /// Floats saved per step and batch entry: i, o, f, c̃ (activated), Cₜ, Hₜ.
    static let savedPerStep = 6

    /// Bytes of scratch `forward` needs.
    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    /// Every output is optional. `sequenceLengths` ([batch], optional) as ONNX `sequence_lens`.
    /// Training passes `saved` (`savedCount` floats): what `backward` needs, per step.
    public static func forward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               outputC: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1,
                               saved: UnsafeMutablePointer<Float>? = nil, isa: Int32 = OpsISA.best) {
        let hs = p.hiddenSize, gh = gates * hs
        let buf = Recurrent.buffers(p, gates: gates, scratch: scratch)
        if let y, sequenceLengths != nil {
            y.update(repeating: 0, count: p.sequenceLength * p.directions * p.batch * hs)
        }
        for d in 0..<p.directions {
            Recurrent.projectInputs(p, gates: gates, x: x, w: w + d * gh * p.inputSize,
                                    bias: bias.map { $0 + d * 2 * gh }, addRecurrentBias: { _ in true },
                                    into: buf.projection, threads: threads)
            Recurrent.loadState(p, d, from: initialH, into: buf.h)
            Recurrent.loadState(p, d, from: initialC, into: buf.c)
            let reverse = Recurrent.isReverse(p, d)
            let rd = r + d * gh * hs
            for s in 0..<p.sequenceLength {
                Gemm.sgemm(transA: false, transB: true, m: p.batch, n: gh, k: hs, alpha: 1,
                           a: buf.h, lda: hs, b: rd, ldb: hs, beta: 0, c: buf.recurrent, ldc: gh, threads: threads)
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let pre = buf.projection + p.inputRow(t, b) * gh
                    let h = buf.h + b * hs, c = buf.c + b * hs
                    // gate pre-activations in place, then the activations vectorised
                    let gate = buf.recurrent + b * gh, tc = buf.temp + b * hs
                    for k in 0..<gh { gate[k] += pre[k] }
                    dlk_vmath(isa, DLK_VM_SIGMOID, gate, gate, 3 * hs)
                    dlk_vmath(isa, DLK_VM_TANH, gate + 3 * hs, gate + 3 * hs, hs)
                    for j in 0..<hs { c[j] = gate[2 * hs + j] * c[j] + gate[j] * gate[3 * hs + j] }
                    dlk_vmath(isa, DLK_VM_TANH, c, tc, hs)
                    for j in 0..<hs { h[j] = gate[hs + j] * tc[j] }
                    if let rec = saved.map({ $0 + p.savedOffset(d, s, b, per: savedPerStep) }) {
                        rec.update(from: gate, count: gh)
                        (rec + 4 * hs).update(from: c, count: hs)
                        (rec + 5 * hs).update(from: h, count: hs)
                    }
                    if let y { (y + p.outputOffset(t, d, b)).update(from: h, count: hs) }
                }
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
            Recurrent.storeState(p, d, buf.c, into: outputC)
        }
    }
}
