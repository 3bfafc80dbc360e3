import CDLKernels

/// GRU over a whole sequence (ONNX GRU, gate order z, r, h):
/// z = σ(Xₜ·Wzᵀ + Hₜ₋₁·Rzᵀ + Wbz + Rbz), r likewise,
/// h̃ = tanh(Xₜ·Whᵀ + (r⊙Hₜ₋₁)·Rhᵀ + Rbh + Wbh)            (linearBeforeReset false), or
/// h̃ = tanh(Xₜ·Whᵀ + Wbh + r⊙(Hₜ₋₁·Rhᵀ + Rbh))            (linearBeforeReset true, as PyTorch);
/// Hₜ = (1 − z)⊙h̃ + z⊙Hₜ₋₁. Layouts: see `RecurrentParams`.
public enum GRU {
    public static let gates = 3
    /// Floats saved per step and batch entry: z, r, h̃, the h gate's recurrent term
    /// (Hₜ₋₁·Rhᵀ + Rbh, or (r⊙Hₜ₋₁)·Rhᵀ + Rbh), Hₜ.
    static let savedPerStep = 5

    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    public static func forward(_ p: RecurrentParams, linearBeforeReset: Bool, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1,
                               saved: UnsafeMutablePointer<Float>? = nil, isa: Int32 = OpsISA.best) {
        let hs = p.hiddenSize, gh = gates * hs
        let buf = Recurrent.buffers(p, gates: gates, scratch: scratch)
        if let y, sequenceLengths != nil {
            y.update(repeating: 0, count: p.sequenceLength * p.directions * p.batch * hs)
        }
        for d in 0..<p.directions {
            let bd = bias.map { $0 + d * 2 * gh }
            // Rbh sits inside r⊙(…) or next to (r⊙H)·Rhᵀ: added per step, not into the projection.
            Recurrent.projectInputs(p, gates: gates, x: x, w: w + d * gh * p.inputSize,
                                    bias: bd, addRecurrentBias: { $0 < 2 },
                                    into: buf.projection, biasBuffer: buf.bias, threads: threads)
            Recurrent.loadState(p, d, from: initialH, into: buf.h)
            let reverse = Recurrent.isReverse(p, d)
            let rd = r + d * gh * hs
            for s in 0..<p.sequenceLength {
                // z and r (and h when linear before reset) recurrent terms in one product
                Gemm.sgemm(transA: false, transB: true, m: p.batch, n: linearBeforeReset ? gh : 2 * hs, k: hs,
                           alpha: 1, a: buf.h, lda: hs, b: rd, ldb: hs, beta: 0, c: buf.recurrent, ldc: gh,
                           threads: threads)
                if !linearBeforeReset {
                    // temp = r ⊙ H, then its product with Rh into the h columns
                    for b in 0..<p.batch {
                        let pre = buf.projection, rec = buf.recurrent + b * gh, h = buf.h + b * hs, tmp = buf.temp + b * hs
                        if let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) {
                            let row = pre + p.inputRow(t, b) * gh
                            for j in 0..<hs { tmp[j] = Sigmoid.value(row[hs + j] + rec[hs + j]) * h[j] }
                        } else {
                            tmp.update(repeating: 0, count: hs)
                        }
                    }
                    Gemm.sgemm(transA: false, transB: true, m: p.batch, n: hs, k: hs, alpha: 1,
                               a: buf.temp, lda: hs, b: rd + 2 * hs * hs, ldb: hs, beta: 0,
                               c: buf.recurrent + 2 * hs, ldc: gh, threads: threads)
                }
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let pre = buf.projection + p.inputRow(t, b) * gh
                    let h = buf.h + b * hs
                    // z and r through the vector sigmoid, then h̃ through the vector tanh
                    let gate = buf.recurrent + b * gh, hr = buf.temp + b * hs
                    for j in 0..<hs { hr[j] = gate[2 * hs + j] + (bd?[gh + 2 * hs + j] ?? 0) }
                    for k in 0..<(2 * hs) { gate[k] += pre[k] }
                    dlk_vmath(isa, DLK_VM_SIGMOID, gate, gate, 2 * hs)
                    let cand = gate + 2 * hs
                    if linearBeforeReset {
                        for j in 0..<hs { cand[j] = pre[2 * hs + j] + gate[hs + j] * hr[j] }
                    } else {
                        for j in 0..<hs { cand[j] = pre[2 * hs + j] + hr[j] }
                    }
                    dlk_vmath(isa, DLK_VM_TANH, cand, cand, hs)
                    for j in 0..<hs { h[j] = (1 - gate[j]) * cand[j] + gate[j] * h[j] }
                    if let store = saved.map({ $0 + p.savedOffset(d, s, b, per: savedPerStep) }) {
                        store.update(from: gate, count: gh)
                        (store + 3 * hs).update(from: hr, count: hs)
                        (store + 4 * hs).update(from: h, count: hs)
                    }
                    if let y { (y + p.outputOffset(t, d, b)).update(from: h, count: hs) }
                }
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
        }
    }
}
