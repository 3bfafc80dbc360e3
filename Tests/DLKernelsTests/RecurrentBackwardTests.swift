import Testing
@testable import DLKernels
import _TestSupport

/// Backpropagation through time against finite differences of the forward kernels, with
/// L = Σ Y·Ry + Σ Y_h·Rh (+ Σ Y_c·Rc), over every input that has a gradient.
@Suite struct RecurrentBackwardTests {
    enum Kind: Sendable, CustomTestStringConvertible {
        case lstm, gru(Bool), rnn
        var gates: Int { switch self { case .lstm: 4; case .gru: 3; case .rnn: 1 } }
        var testDescription: String { switch self { case .lstm: "LSTM"; case .gru(let l): "GRU lbr \(l)"; case .rnn: "RNN" } }
    }

    struct Inputs {
        var x, w, r, b, h0, c0: [Float]
    }

    static let params = [
        RecurrentParams(sequenceLength: 4, batch: 2, inputSize: 3, hiddenSize: 3),
        RecurrentParams(sequenceLength: 3, batch: 2, inputSize: 2, hiddenSize: 4, direction: .reverse),
        RecurrentParams(sequenceLength: 4, batch: 3, inputSize: 2, hiddenSize: 2, direction: .bidirectional, batchFirst: true),
    ]

    static let kinds: [Kind] = [.lstm, .gru(false), .gru(true), .rnn]

    func forward(_ kind: Kind, _ p: RecurrentParams, _ v: Inputs, lengths: [Int32]?,
                 saved: UnsafeMutablePointer<Float>? = nil) -> (y: [Float], h: [Float], c: [Float]) {
        let hs = p.hiddenSize, dirs = p.directions
        var y = [Float](repeating: 0, count: p.sequenceLength * dirs * p.batch * hs)
        var yh = [Float](repeating: 0, count: dirs * p.batch * hs), yc = yh
        let bytes: Int
        switch kind {
        case .lstm: bytes = LSTM.scratchByteCount(p)
        case .gru: bytes = GRU.scratchByteCount(p)
        case .rnn: bytes = RNN.scratchByteCount(p)
        }
        withScratch(bytes) { s in
            withOptional(lengths) { lens in
                switch kind {
                case .lstm:
                    LSTM.forward(p, input: v.x, weight: v.w, recurrence: v.r, bias: v.b, sequenceLengths: lens,
                                 initialH: v.h0, initialC: v.c0, output: &y, outputH: &yh, outputC: &yc,
                                 scratch: s, saved: saved)
                case .gru(let lbr):
                    GRU.forward(p, linearBeforeReset: lbr, input: v.x, weight: v.w, recurrence: v.r, bias: v.b,
                                sequenceLengths: lens, initialH: v.h0, output: &y, outputH: &yh, scratch: s, saved: saved)
                case .rnn:
                    RNN.forward(p, input: v.x, weight: v.w, recurrence: v.r, bias: v.b, sequenceLengths: lens,
                                initialH: v.h0, output: &y, outputH: &yh, scratch: s, saved: saved)
                }
            }
        }
        return (y, yh, yc)
    }

    @Test(arguments: kinds, params)
    func gradientsMatchFiniteDifferences(_ kind: Kind, _ p: RecurrentParams) {
        var data = TestData(seed: 71)
        let hs = p.hiddenSize, gh = kind.gates * hs, dirs = p.directions
        let v = Inputs(x: data.floats(p.sequenceLength * p.batch * p.inputSize),
                       w: data.floats(dirs * gh * p.inputSize), r: data.floats(dirs * gh * hs),
                       b: data.floats(dirs * 2 * gh), h0: data.floats(dirs * p.batch * hs), c0: data.floats(dirs * p.batch * hs))
        let ry = data.floats(p.sequenceLength * dirs * p.batch * hs)
        let rh = data.floats(dirs * p.batch * hs), rc = data.floats(dirs * p.batch * hs)
        // shorter sequences for some batch entries in the bidirectional case
        let lengths: [Int32]? = p.direction == .bidirectional ? [4, 2, 1] : nil
        func loss(_ v: Inputs) -> Double {
            let o = forward(kind, p, v, lengths: lengths)
            var l = dot(o.y, ry) + dot(o.h, rh)
            if case .lstm = kind { l += dot(o.c, rc) }
            return l
        }
        let savedCount: Int, scratchBytes: Int
        switch kind {
        case .lstm: savedCount = LSTM.savedCount(p); scratchBytes = LSTM.backwardScratchByteCount(p)
        case .gru: savedCount = GRU.savedCount(p); scratchBytes = GRU.backwardScratchByteCount(p)
        case .rnn: savedCount = RNN.savedCount(p); scratchBytes = RNN.backwardScratchByteCount(p)
        }
        var saved = [Float](repeating: .nan, count: savedCount)
        _ = saved.withUnsafeMutableBufferPointer { forward(kind, p, v, lengths: lengths, saved: $0.baseAddress) }
        var dx = [Float](repeating: .nan, count: v.x.count), dw = [Float](repeating: .nan, count: v.w.count)
        var dr = [Float](repeating: .nan, count: v.r.count), db = [Float](repeating: .nan, count: v.b.count)
        var dh0 = [Float](repeating: .nan, count: v.h0.count), dc0 = [Float](repeating: .nan, count: v.c0.count)
        withScratch(scratchBytes) { s in
            withOptional(lengths) { lens in
                switch kind {
                case .lstm:
                    LSTM.backward(p, input: v.x, weight: v.w, recurrence: v.r, sequenceLengths: lens, initialH: v.h0,
                                  initialC: v.c0, saved: saved, outputGrad: ry, outputHGrad: rh, outputCGrad: rc,
                                  inputGrad: &dx, weightGrad: &dw, recurrenceGrad: &dr, biasGrad: &db,
                                  initialHGrad: &dh0, initialCGrad: &dc0, scratch: s)
                case .gru(let lbr):
                    GRU.backward(p, linearBeforeReset: lbr, input: v.x, weight: v.w, recurrence: v.r, sequenceLengths: lens,
                                 initialH: v.h0, saved: saved, outputGrad: ry, outputHGrad: rh, inputGrad: &dx,
                                 weightGrad: &dw, recurrenceGrad: &dr, biasGrad: &db, initialHGrad: &dh0, scratch: s)
                case .rnn:
                    RNN.backward(p, input: v.x, weight: v.w, recurrence: v.r, sequenceLengths: lens, initialH: v.h0,
                                 saved: saved, outputGrad: ry, outputHGrad: rh, inputGrad: &dx, weightGrad: &dw,
                                 recurrenceGrad: &dr, biasGrad: &db, initialHGrad: &dh0, scratch: s)
                }
            }
        }
        let base = v
        func numeric(_ path: WritableKeyPath<Inputs, [Float]>) -> [Float] {
            numericGradient(base[keyPath: path], eps: 3e-3) { values in
                var u = base
                u[keyPath: path] = values
                return loss(u)
            }
        }
        #expect(closeRelativeToMax(dx, numeric(\.x), rtol: 1e-2), "dX")
        #expect(closeRelativeToMax(dw, numeric(\.w), rtol: 1e-2), "dW")
        #expect(closeRelativeToMax(dr, numeric(\.r), rtol: 1e-2), "dR")
        #expect(closeRelativeToMax(db, numeric(\.b), rtol: 1e-2), "dB")
        #expect(closeRelativeToMax(dh0, numeric(\.h0), rtol: 1e-2), "dH0")
        if case .lstm = kind { #expect(closeRelativeToMax(dc0, numeric(\.c0), rtol: 1e-2), "dC0") }
    }
}

/// Runs `body` with a pointer to the array's elements, or nil.
func withOptional<R>(_ values: [Int32]?, _ body: (UnsafePointer<Int32>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
