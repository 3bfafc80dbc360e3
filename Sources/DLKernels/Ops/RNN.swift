import CDLKernels

@inline(__always) func tanhValue(_ x: Float) -> Float { dlk_tanhf(x) }

/// Simple RNN over a whole sequence (ONNX RNN, tanh): Hₜ = tanh(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb).
/// Layouts: see `RecurrentParams`.
public enum RNN {
    public static let gates = 1
    /// Floats saved per step and batch entry: Hₜ.
    static let savedPerStep = 1

    public static func scratchByteCount(_ p: RecurrentParams) -> Int {
        p.scratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    public static func forward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                               weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, sequenceLengths: UnsafePointer<Int32>?,
                               initialH: UnsafePointer<Float>?,
                               output y: UnsafeMutablePointer<Float>?, outputH: UnsafeMutablePointer<Float>?,
                               scratch: UnsafeMutableRawPointer, threads: Int = 1,
                               saved: UnsafeMutablePointer<Float>? = nil, isa: Int32 = OpsISA.best) {
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
            let reverse = Recurrent.isReverse(p, d)
            let rd = r + d * hs * hs
            for s in 0..<p.sequenceLength {
                Gemm.sgemm(transA: false, transB: true, m: p.batch, n: hs, k: hs, alpha: 1,
                           a: buf.h, lda: hs, b: rd, ldb: hs, beta: 0, c: buf.recurrent, ldc: hs, threads: threads)
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let pre = buf.projection + p.inputRow(t, b) * hs, rec = buf.recurrent + b * hs
                    let h = buf.h + b * hs
                    for j in 0..<hs { h[j] = pre[j] + rec[j] }
                    dlk_vmath(isa, DLK_VM_TANH, h, h, hs)
                    if let saved { (saved + p.savedOffset(d, s, b, per: savedPerStep)).update(from: h, count: hs) }
                    if let y { (y + p.outputOffset(t, d, b)).update(from: h, count: hs) }
                }
            }
            Recurrent.storeState(p, d, buf.h, into: outputH)
        }
    }
}
