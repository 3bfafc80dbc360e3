extension GRU {
    /// Floats of the `saved` buffer of a training forward.
    public static func savedCount(_ p: RecurrentParams) -> Int {
        p.directions * p.sequenceLength * p.batch * savedPerStep * p.hiddenSize
    }

    public static func backwardScratchByteCount(_ p: RecurrentParams) -> Int {
        p.backwardScratchFloats(gates: gates) * MemoryLayout<Float>.stride
    }

    /// Backpropagation through time; conventions as `LSTM.backward`. With Hₜ = (1−z)⊙h̃ + z⊙Hₜ₋₁:
    /// dh̃ = dH⊙(1−z), dz = dH⊙(Hₜ₋₁ − h̃), and dHₜ₋₁ gets dH⊙z directly plus the gate paths through R.
    public static func backward(_ p: RecurrentParams, linearBeforeReset: Bool, input x: UnsafePointer<Float>,
                                weight w: UnsafePointer<Float>, recurrence r: UnsafePointer<Float>,
                                sequenceLengths: UnsafePointer<Int32>?, initialH: UnsafePointer<Float>?,
                                saved: UnsafePointer<Float>,
                                outputGrad dy: UnsafePointer<Float>?, outputHGrad dyh: UnsafePointer<Float>?,
                                inputGrad dx: UnsafeMutablePointer<Float>?, weightGrad dw: UnsafeMutablePointer<Float>,
                                recurrenceGrad dr: UnsafeMutablePointer<Float>, biasGrad db: UnsafeMutablePointer<Float>?,
                                initialHGrad dh0: UnsafeMutablePointer<Float>?,
                                scratch: UnsafeMutableRawPointer, threads: Int = 1) {
        let hs = p.hiddenSize, gh = gates * hs, per = savedPerStep
        let buf = Recurrent.backwardBuffers(p, gates: gates, scratch: scratch)
        let direct = buf.cPrev, dan = buf.t2, resetH = buf.t3   // dH⊙z, dL/d(h̃ pre-activation), r⊙Hₜ₋₁
        for d in 0..<p.directions {
            let reverse = Recurrent.isReverse(p, d)
            let rd = r + d * gh * hs, drd = dr + d * gh * hs
            let rn = rd + 2 * hs * hs, drn = drd + 2 * hs * hs
            buf.gateGrad.update(repeating: 0, count: p.sequenceLength * p.batch * gh)
            drd.update(repeating: 0, count: gh * hs)
            let dbd = db.map { $0 + d * 2 * gh }
            dbd?.update(repeating: 0, count: 2 * gh)
            Recurrent.loadGradient(p, d, from: dyh, into: buf.dh)
            for s in stride(from: p.sequenceLength - 1, through: 0, by: -1) {
                Recurrent.previousState(p, d, step: s, reverse: reverse, lengths: sequenceLengths, saved: saved,
                                        per: per, field: 4, initial: initialH, into: buf.hPrev)
                buf.step.update(repeating: 0, count: p.batch * gh)
                dan.update(repeating: 0, count: p.batch * hs)
                direct.update(repeating: 0, count: p.batch * hs)
                // phase 1: z and h̃ gradients (and r's when linear before reset)
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let rec = saved + p.savedOffset(d, s, b, per: per)
                    let g = buf.step + b * gh, dh = buf.dh + b * hs, hp = buf.hPrev + b * hs
                    let an = dan + b * hs, dd = direct + b * hs
                    let dyRow = dy.map { $0 + p.outputOffset(t, d, b) }
                    for j in 0..<hs {
                        let z = rec[j], rg = rec[hs + j], n = rec[2 * hs + j]
                        let dhj = dh[j] + (dyRow?[j] ?? 0)
                        dd[j] = dhj * z
                        g[j] = dhj * (hp[j] - n) * z * (1 - z)
                        an[j] = dhj * (1 - z) * (1 - n * n)
                        if linearBeforeReset {
                            let hr = rec[3 * hs + j]
                            g[hs + j] = an[j] * hr * rg * (1 - rg)
                            g[2 * hs + j] = an[j] * rg          // d(Hₜ₋₁·Rhᵀ + Rbh)
                        }
                    }
                }
                if !linearBeforeReset {
                    // d(r⊙Hₜ₋₁) = dan·Rh; dRh += danᵀ·(r⊙Hₜ₋₁)
                    Gemm.sgemm(transA: false, transB: false, m: p.batch, n: hs, k: hs, alpha: 1, a: dan, lda: hs,
                               b: rn, ldb: hs, beta: 0, c: buf.t1, ldc: hs, threads: threads)
                    for b in 0..<p.batch {
                        let hp = buf.hPrev + b * hs, rh = resetH + b * hs
                        guard Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) != nil else {
                            rh.update(repeating: 0, count: hs)
                            continue
                        }
                        let rec = saved + p.savedOffset(d, s, b, per: per)
                        let g = buf.step + b * gh, drh = buf.t1 + b * hs, dd = direct + b * hs
                        for j in 0..<hs {
                            let rg = rec[hs + j]
                            rh[j] = rg * hp[j]
                            g[hs + j] = drh[j] * hp[j] * rg * (1 - rg)
                            dd[j] += drh[j] * rg
                        }
                    }
                    Gemm.sgemm(transA: true, transB: false, m: hs, n: hs, k: p.batch, alpha: 1, a: dan, lda: hs,
                               b: resetH, ldb: hs, beta: 1, c: drn, ldc: hs, threads: threads)
                }
                // input-side gate gradients [dz, dr, dh̃], and the recurrent bias of the h gate
                for b in 0..<p.batch {
                    guard let t = Recurrent.time(p, step: s, reverse: reverse, b: b, lengths: sequenceLengths) else { continue }
                    let g = buf.step + b * gh, row = buf.gateGrad + p.inputRow(t, b) * gh
                    row.update(from: g, count: 2 * hs)
                    (row + 2 * hs).update(from: dan + b * hs, count: hs)
                    if let dbd {
                        let src = linearBeforeReset ? g + 2 * hs : dan + b * hs
                        for j in 0..<hs { dbd[gh + 2 * hs + j] += src[j] }
                    }
                }
                // dHₜ₋₁ = dH⊙z (+ r-path) + G·R; dR += Gᵀ·Hₜ₋₁ (G's h-gate block is zero unless linear before reset)
                Gemm.sgemm(transA: false, transB: false, m: p.batch, n: hs, k: gh, alpha: 1, a: buf.step, lda: gh,
                           b: rd, ldb: hs, beta: 0, c: buf.t1, ldc: hs, threads: threads)
                for i in 0..<(p.batch * hs) { buf.t1[i] += direct[i] }
                Recurrent.takeActiveRows(p, step: s, reverse: reverse, lengths: sequenceLengths, from: buf.t1, into: buf.dh)
                Gemm.sgemm(transA: true, transB: false, m: linearBeforeReset ? gh : 2 * hs, n: hs, k: p.batch, alpha: 1,
                           a: buf.step, lda: gh, b: buf.hPrev, ldb: hs, beta: 1, c: drd, ldc: hs, threads: threads)
            }
            Recurrent.storeState(p, d, buf.dh, into: dh0)
            // writes the Wb part only; the Rbh gradient accumulated above stays
            Recurrent.inputGradients(p, gates: gates, d, x: x, w: w, gateGrad: buf.gateGrad, dx: dx, dw: dw,
                                     dInputBias: dbd, threads: threads)
            if let dbd { (dbd + gh).update(from: dbd, count: 2 * hs) }   // Rbz, Rbr enter as Wbz, Wbr do
        }
    }
}
