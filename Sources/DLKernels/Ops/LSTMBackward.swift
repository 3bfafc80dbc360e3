extension LSTM {
    /// Floats of the `saved` buffer of a training forward.
    public static func savedCount(_ p: RecurrentParams) -> Int {
        p.directions * p.sequenceLength * p.batch * savedPerStep * p.hiddenSize
    }

    /// Bytes of scratch `backward` needs.
    public static func backwardScratchByteCount(_ p: RecurrentParams) -> Int {
        p.backwardScratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    /// Backpropagation through time from a forward run with `saved`. Output gradients are optional
    /// (absent = zero); every gradient written is overwritten: dX [like X], dW [like W], dR [like R],
    /// dB [like B], dInitialH/dInitialC [like initial_h/initial_c]. Inputs as in `forward`.
    public static func backward(_ p: RecurrentParams, input x: UnsafePointer<Float>,
                                weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                                sequenceLengths: UnsafePointer<Int32>?,
                                initialH: UnsafePointer<Float>?, initialC: UnsafePointer<Float>?,
                                saved: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>?, outputHGrad dyh: UnsafePointer<Float>?,
                                outputCGrad dyc: UnsafePointer<Float>?,
                                inputGrad dx: UnsafeMutablePointer<Float>?, weightGrad dw: UnsafeMutablePointer<Float>,
                                recurrenceGrad dr: UnsafeMutablePointer<Float>, biasGrad db: UnsafeMutablePointer<Float>?,
                                initialHGrad dh0: UnsafeMutablePointer<Float>?, initialCGrad dc0: UnsafeMutablePointer<Float>?,
                                scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        let hs = p.hiddenSize, gh = gates * hs, per = savedPerStep
        let buf = Recurrent.backwardBuffers(p, gates: gates, scratch: scratch)
        for d in 0..<p.directions {
            let reverse = Recurrent.isReverse(p, d)
            let rd = r + d * gh * hs, drd = dr + d * gh * hs
            buf.gateGrad.update(repeating: 0, count: p.sequenceLength * p.batch * gh)
            drd.update(repeating: 0, count: gh * hs)
            Recurrent.loadGradient(p, d, from: dyh, into: buf.dh)
            Recurrent.loadGradient(p, d, from: dyc, into: buf.dc)
            for s in stride(from: p.sequenceLength - 1, through: 0, by: -1) {
                Recurrent.previousState(p, d, step: s, reverse: reverse, lengths: sequenceLengths, saved: saved,
                                        per: per, field: 5, initial: initialH, into: buf.hPrev)
                Recurrent.previousState(p, d, step: s, reverse: reverse, lengths: sequenceLengths, saved: saved,
                                        per: per, field: 4, initial: initialC, into: buf.cPrev)
                buf.step.update(repeating: 0, count: p.batch * gh)
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let rec = saved + p.savedOffset(d, s, b, per: per)
                    let g = buf.step + b * gh, dh = buf.dh + b * hs, dc = buf.dc + b * hs, cp = buf.cPrev + b * hs
                    let dyRow = dy.map { $0 + p.outputOffset(t, d, b) }
                    for j in 0..<hs {
                        let i = rec[j], o = rec[hs + j], f = rec[2 * hs + j], cc = rec[3 * hs + j]
                        let tc = tanhValue(rec[4 * hs + j])
                        let dhj = dh[j] + (dyRow?[j] ?? 0)
                        let dcj = dc[j] + dhj * o * (1 - tc * tc)
                        g[j] = dcj * cc * i * (1 - i)
                        g[hs + j] = dhj * tc * o * (1 - o)
                        g[2 * hs + j] = dcj * cp[j] * f * (1 - f)
                        g[3 * hs + j] = dcj * i * (1 - cc * cc)
                        dc[j] = dcj * f
                    }
                    (buf.gateGrad + p.inputRow(t, b) * gh).update(from: g, count: gh)
                }
                // dHₜ₋₁ = G·R, dR += Gᵀ·Hₜ₋₁
                Gemm.sgemm(transA: false, transB: false, m: p.batch, n: hs, k: gh, alpha: 1, a: buf.step, lda: gh,
                           b: rd, ldb: hs, beta: 0, c: buf.t1, ldc: hs, threads: threads)
                Recurrent.takeActiveRows(p, step: s, reverse: reverse, lengths: sequenceLengths, from: buf.t1, into: buf.dh)
                Gemm.sgemm(transA: true, transB: false, m: gh, n: hs, k: p.batch, alpha: 1, a: buf.step, lda: gh,
                           b: buf.hPrev, ldb: hs, beta: 1, c: drd, ldc: hs, threads: threads)
            }
            Recurrent.storeState(p, d, buf.dh, into: dh0)
            Recurrent.storeState(p, d, buf.dc, into: dc0)
            let dbd = db.map { $0 + d * 2 * gh }
            Recurrent.inputGradients(p, gates: gates, d, x: x, w: w, gateGrad: buf.gateGrad, dx: dx, dw: dw,
                                     dInputBias: dbd, threads: threads)
            if let dbd { (dbd + gh).update(from: dbd, count: gh) }   // Rb enters exactly as Wb does
        }
    }
}
