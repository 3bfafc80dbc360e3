/// Backpropagation through time: the bookkeeping LSTM, GRU and RNN backward share.
///
/// Each op's training forward records one `saved` entry per direction, step and batch entry
/// (`RecurrentParams.savedOffset`). The backward walks the steps in reverse, turns dHₜ (from Y's
/// gradient plus the next step's) into gate gradients, pushes them through R to dHₜ₋₁ (and R's
/// gradient), and at the end multiplies all input-side gate gradients with W and X at once.
extension Recurrent {
    struct BackwardBuffers {
        var gateGrad: UnsafeMutablePointer<Float>   // [rows of X, gates·hidden]: input-side gate gradients
        var step: UnsafeMutablePointer<Float>       // [batch, gates·hidden]: recurrent-side gate gradients
        var dh: UnsafeMutablePointer<Float>         // [batch, hidden]: dL/dH flowing backwards
        var dc: UnsafeMutablePointer<Float>         // [batch, hidden]: dL/dC (LSTM)
        var hPrev: UnsafeMutablePointer<Float>      // [batch, hidden]
        var cPrev: UnsafeMutablePointer<Float>      // [batch, hidden]
        var t1: UnsafeMutablePointer<Float>         // [batch, hidden] temporaries
        var t2: UnsafeMutablePointer<Float>
        var t3: UnsafeMutablePointer<Float>
    }

    static func backwardBuffers(_ p: RecurrentParams, gates: Int, scratch: UnsafeMutableRawPointer) -> BackwardBuffers {
        let gh = gates * p.hiddenSize, bh = p.batch * p.hiddenSize
        let g = scratch.assumingMemoryBound(to: Float.self)
        let step = g + p.sequenceLength * p.batch * gh, rest = step + p.batch * gh
        return BackwardBuffers(gateGrad: g, step: step, dh: rest, dc: rest + bh, hPrev: rest + 2 * bh,
                               cPrev: rest + 3 * bh, t1: rest + 4 * bh, t2: rest + 5 * bh, t3: rest + 6 * bh)
    }

    /// A state entering step s of direction d, [batch, hidden]: field `field` of step s−1's saved
    /// record, or the initial state (zeros when absent) at s = 0; zeros for batch entries not
    /// active at step s, so that products with zero gradients stay zero.
    static func previousState(_ p: RecurrentParams, _ d: Int, step s: Int, reverse: Bool,
                              lengths: UnsafePointer<Int32>?, saved: UnsafePointer<Float>, per: Int, field: Int,
                              initial: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        let hs = p.hiddenSize
        for b in 0..<p.batch {
            let dst = out + b * hs
            if time(p, step: s, reverse: reverse, b: b, lengths: lengths) == nil {
                dst.update(repeating: 0, count: hs)
            } else if s > 0 {
                dst.update(from: saved + p.savedOffset(d, s - 1, b, per: per) + field * hs, count: hs)
            } else if let initial {
                dst.update(from: initial + p.stateOffset(d, b), count: hs)
            } else {
                dst.update(repeating: 0, count: hs)
            }
        }
    }

    /// Initial dH (and dC) of direction d's backward walk: the gradient of Y_h (Y_c), or zeros.
    static func loadGradient(_ p: RecurrentParams, _ d: Int, from grad: UnsafePointer<Float>?,
                             into out: UnsafeMutablePointer<Float>) {
        loadState(p, d, from: grad, into: out)
    }

    /// dX (+)= G·W_d, dW_d = Gᵀ·X, dWb_d = Σ G over the rows, where G = `gateGrad`.
    static func inputGradients(_ p: RecurrentParams, gates: Int, _ d: Int, x: UnsafePointer<Float>,
                               w: UnsafePointer<Float>, gateGrad: UnsafePointer<Float>,
                               dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>,
                               dInputBias: UnsafeMutablePointer<Float>?, threads: Int) {
        let gh = gates * p.hiddenSize, rows = p.sequenceLength * p.batch
        let wd = w + d * gh * p.inputSize
        if let dx {
            Gemm.sgemm(transA: false, transB: false, m: rows, n: p.inputSize, k: gh, alpha: 1,
                       a: gateGrad, lda: gh, b: wd, ldb: p.inputSize, beta: d == 0 ? 0 : 1,
                       c: dx, ldc: p.inputSize, threads: threads)
        }
        Gemm.sgemm(transA: true, transB: false, m: gh, n: p.inputSize, k: rows, alpha: 1,
                   a: gateGrad, lda: gh, b: x, ldb: p.inputSize, beta: 0,
                   c: dw + d * gh * p.inputSize, ldc: p.inputSize, threads: threads)
        if let dInputBias {
            dInputBias.update(repeating: 0, count: gh)
            for r in 0..<rows {
                let g = gateGrad + r * gh
                for k in 0..<gh { dInputBias[k] += g[k] }
            }
        }
    }

    /// dH for the active batch entries = `product` rows (inactive entries keep their dH).
    static func takeActiveRows(_ p: RecurrentParams, step s: Int, reverse: Bool, lengths: UnsafePointer<Int32>?,
                               from product: UnsafePointer<Float>, into dh: UnsafeMutablePointer<Float>) {
        for b in 0..<p.batch where time(p, step: s, reverse: reverse, b: b, lengths: lengths) != nil {
            (dh + b * p.hiddenSize).update(from: product + b * p.hiddenSize, count: p.hiddenSize)
        }
    }
}
