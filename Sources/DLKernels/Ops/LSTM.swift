/// LSTM over a whole sequence (ONNX LSTM, gate order i, o, f, c):
/// i = σ(·), o = σ(·), f = σ(·), c̃ = tanh(·) of Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb;
/// Cₜ = f⊙Cₜ₋₁ + i⊙c̃, Hₜ = o⊙tanh(Cₜ). Layouts: see `RecurrentParams`.
/// The input projections of all steps are one `Gemm.sgemm`; each step adds one more for Hₜ₋₁·Rᵀ.
public enum LSTM {
    public static let gates = 4

    /// Bytes of scratch `forward` needs.
    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    /// Every output is optional. `sequenceLengths` ([batch], optional) as ONNX `sequence_lens`.
    public static func forward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               outputC: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1) {
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
                    let pre = buf.projection + p.inputRow(t, b) * gh, rec = buf.recurrent + b * gh
                    let h = buf.h + b * hs, c = buf.c + b * hs
                    for j in 0..<hs {
                        let i = Sigmoid.value(pre[j] + rec[j])
                        let o = Sigmoid.value(pre[hs + j] + rec[hs + j])
                        let f = Sigmoid.value(pre[2 * hs + j] + rec[2 * hs + j])
                        let g = tanhValue(pre[3 * hs + j] + rec[3 * hs + j])
                        let cn = f * c[j] + i * g
                        c[j] = cn
                        h[j] = o * tanhValue(cn)
                    }
                    if let y { (y + p.outputOffset(t, d, b)).update(from: h, count: hs) }
                }
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
            Recurrent.storeState(p, d, buf.c, into: outputC)
        }
    }
}
