extension RNN {
    /// Floats of the `saved` buffer of a training forward.
    public static func savedCount(_ p: RecurrentParams) -> Int {
        p.directions * p.sequenceLength * p.batch * savedPerStep * p.hiddenSize
    }

    public static func backwardScratchByteCount(_ p: RecurrentParams) -> Int {
        p.backwardScratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    /// Backpropagation through time; conventions as `LSTM.backward`.
    public static func backward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                                weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                                sequenceLengths: UnsafePointer<Int32>?, initialH: UnsafePointer<Float>?,
                                saved: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>?, outputHGrad dyh: UnsafePointer<Float>?,
                                inputGrad dx: UnsafeMutablePointer<Float>?, weightGrad dw: UnsafeMutablePointer<Float>,
                                recurrenceGrad dr: UnsafeMutablePointer<Float>, biasGrad db: UnsafeMutablePointer<Float>?,
                                initialHGrad dh0: UnsafeMutablePointer<Float>?,
                                scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        let hs = p.hiddenSize
        let buf = Recurrent.backwardBuffers(p, gates: gates, scratch: scratch)
        for d in 0..<p.directions {
            let reverse = Recurrent.isReverse(p, d)
            let rd = r + d * hs * hs, drd = dr + d * hs * hs
            buf.gateGrad.update(repeating: 0, count: p.sequenceLength * p.batch * hs)
            drd.update(repeating: 0, count: hs * hs)
            Recurrent.loadGradient(p, d, from: dyh, into: buf.dh)
            for s in stride(from: p.sequenceLength - 1, through: 0, by: -1) {
                Recurrent.previousState(p, d, step: s, reverse: reverse, lengths: sequenceLengths, saved: saved,
                                        per: savedPerStep, field: 0, initial: initialH, into: buf.hPrev)
                buf.step.update(repeating: 0, count: p.batch * hs)
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let h = saved + p.savedOffset(d, s, b, per: savedPerStep)
                    let g = buf.step + b * hs, dh = buf.dh + b * hs
                    let dyRow = dy.map { $0 + p.outputOffset(t, d, b) }
                    for j in 0..<hs { g[j] = (dh[j] + (dyRow?[j] ?? 0)) * (1 - h[j] * h[j]) }
                    (buf.gateGrad + p.inputRow(t, b) * hs).update(from: g, count: hs)
                }
                Gemm.sgemm(transA: false, transB: false, m: p.batch, n: hs, k: hs, alpha: 1, a: buf.step, lda: hs,
                           b: rd, ldb: hs, beta: 0, c: buf.t1, ldc: hs, threads: threads)
                Recurrent.takeActiveRows(p, step: s, reverse: reverse, lengths: sequenceLengths, from: buf.t1, into: buf.dh)
                Gemm.sgemm(transA: true, transB: false, m: hs, n: hs, k: p.batch, alpha: 1, a: buf.step, lda: hs,
                           b: buf.hPrev, ldb: hs, beta: 1, c: drd, ldc: hs, threads: threads)
            }
            Recurrent.storeState(p, d, buf.dh, into: dh0)
            let dbd = db.map { $0 + d * 2 * hs }
            Recurrent.inputGradients(p, gates: gates, d, x: x, w: w, gateGrad: buf.gateGrad, dx: dx, dw: dw,
                                     dInputBias: dbd, threads: threads)
            if let dbd { (dbd + hs).update(from: dbd, count: hs) }
        }
    }
}
