import Testing
import CDLKernels
@testable import DLKernels
import _TestSupport

/// The ONNX recurrences written out in Double, one time step and one batch entry at a time,
/// in layout 0; the kernels' outputs (layout 1 transposed back) are compared with it.
struct NaiveRecurrence {
    enum Kind { case lstm, gru(linearBeforeReset: Bool), rnn }
    var kind: Kind
    var seq, batch, input, hidden, dirs: Int
    var x, w, r, b, h0, c0: [Float]
    var lengths: [Int32]?
    /// direction `reverse` (one direction, run backwards)
    var reverseOnly = false

    var gates: Int { switch kind { case .lstm: 4; case .gru: 3; case .rnn: 1 } }

    func sigmoid(_ v: Double) -> Double { 1 / (1 + dlk_exp(-v)) }

    /// Y [seq, dirs, batch, hidden], Y_h and Y_c [dirs, batch, hidden].
    func run() -> (y: [Float], h: [Float], c: [Float]) {
        let g = gates, hs = hidden
        var y = [Float](repeating: 0, count: seq * dirs * batch * hs)
        var yh = [Float](repeating: 0, count: dirs * batch * hs), yc = yh
        for d in 0..<dirs {
            let reverse = dirs == 2 ? d == 1 : reverseOnly
            for bi in 0..<batch {
                let len = lengths.map { Int($0[bi]) } ?? seq
                var h = (0..<hs).map { Double(h0[(d * batch + bi) * hs + $0]) }
                var c = (0..<hs).map { Double(c0[(d * batch + bi) * hs + $0]) }
                for s in 0..<len {
                    let t = reverse ? len - 1 - s : s
                    // xw[k] = x·W[k] + Wb[k], hr[k] = h·R[k] + Rb[k]
                    var xw = [Double](repeating: 0, count: g * hs), hr = xw
                    for k in 0..<(g * hs) {
                        var a = Double(b[d * 2 * g * hs + k]), e = Double(b[d * 2 * g * hs + g * hs + k])
                        for i in 0..<input { a += Double(x[(t * batch + bi) * input + i]) * Double(w[(d * g * hs + k) * input + i]) }
                        for i in 0..<hs { e += h[i] * Double(r[(d * g * hs + k) * hs + i]) }
                        xw[k] = a; hr[k] = e
                    }
                    var nh = h
                    switch kind {
                    case .lstm:
                        for j in 0..<hs {
                            let i = sigmoid(xw[j] + hr[j]), o = sigmoid(xw[hs + j] + hr[hs + j])
                            let f = sigmoid(xw[2 * hs + j] + hr[2 * hs + j]), cc = dlk_tanh(xw[3 * hs + j] + hr[3 * hs + j])
                            c[j] = f * c[j] + i * cc
                            nh[j] = o * dlk_tanh(c[j])
                        }
                    case .gru(let lbr):
                        let z = (0..<hs).map { sigmoid(xw[$0] + hr[$0]) }
                        let rg = (0..<hs).map { sigmoid(xw[hs + $0] + hr[hs + $0]) }
                        for j in 0..<hs {
                            let cand: Double
                            if lbr {
                                cand = dlk_tanh(xw[2 * hs + j] + rg[j] * hr[2 * hs + j])
                            } else {
                                var e = Double(b[d * 6 * hs + 5 * hs + j])
                                let row = (d * 3 * hs + 2 * hs + j) * hs
                                for i in 0..<hs {
                                    let rv = Double(r[row + i])
                                    e += rg[i] * h[i] * rv
                                }
                                cand = dlk_tanh(xw[2 * hs + j] + e)
                            }
                            nh[j] = (1 - z[j]) * cand + z[j] * h[j]
                        }
                    case .rnn:
                        for j in 0..<hs { nh[j] = dlk_tanh(xw[j] + hr[j]) }
                    }
                    h = nh
                    for j in 0..<hs { y[((t * dirs + d) * batch + bi) * hs + j] = Float(h[j]) }
                }
                for j in 0..<hs {
                    yh[(d * batch + bi) * hs + j] = Float(h[j])
                    yc[(d * batch + bi) * hs + j] = Float(c[j])
                }
            }
        }
        return (y, yh, yc)
    }
}

/// [a, b, rest] -> [b, a, rest]
func swapLeading(_ v: [Float], _ a: Int, _ b: Int) -> [Float] {
    let rest = v.count / (a * b)
    var out = v
    for i in 0..<a { for j in 0..<b { for k in 0..<rest { out[(j * a + i) * rest + k] = v[(i * b + j) * rest + k] } } }
    return out
}

@Suite struct RecurrentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var seq = 5, batch = 3, input = 4, hidden = 6
        var direction = RecurrentParams.Direction.forward
        var lengths: [Int32]? = nil
        var batchFirst = false
        var testDescription: String { "s\(seq) b\(batch) i\(input) h\(hidden) \(direction) lens \(lengths ?? []) bf \(batchFirst)" }
    }

    static let cases = [
        Case(), Case(direction: .reverse), Case(direction: .bidirectional),
        Case(seq: 7, batch: 2, input: 17, hidden: 3, direction: .bidirectional, lengths: [7, 4]),
        Case(seq: 4, batch: 3, input: 5, hidden: 9, direction: .reverse, lengths: [1, 4, 0]),
        Case(seq: 1, batch: 1, input: 1, hidden: 1),
        Case(seq: 6, batch: 2, input: 3, hidden: 5, direction: .bidirectional, batchFirst: true),
    ]


    func check(_ kind: NaiveRecurrence.Kind, _ c: Case) {
        var data = TestData(seed: 51)
        let p = RecurrentParams(sequenceLength: c.seq, batch: c.batch, inputSize: c.input, hiddenSize: c.hidden,
                                direction: c.direction, batchFirst: c.batchFirst)
        let dirs = p.directions
        var naive = NaiveRecurrence(kind: kind, seq: c.seq, batch: c.batch, input: c.input, hidden: c.hidden, dirs: dirs,
                                    x: [], w: [], r: [], b: [], h0: [], c0: [], lengths: c.lengths,
                                    reverseOnly: c.direction == .reverse)
        let g = naive.gates, hs = c.hidden
        naive.x = data.floats(c.seq * c.batch * c.input)
        naive.w = data.floats(dirs * g * hs * c.input)
        naive.r = data.floats(dirs * g * hs * hs)
        naive.b = data.floats(dirs * 2 * g * hs)
        naive.h0 = data.floats(dirs * c.batch * hs)
        naive.c0 = data.floats(dirs * c.batch * hs)
        let expected = naive.run()

        // the kernel's layout-1 tensors are the layout-0 ones with the leading axes swapped
        let x = c.batchFirst ? swapLeading(naive.x, c.seq, c.batch) : naive.x
        let h0 = c.batchFirst ? swapLeading(naive.h0, dirs, c.batch) : naive.h0
        let c0 = c.batchFirst ? swapLeading(naive.c0, dirs, c.batch) : naive.c0
        var y = [Float](repeating: .nan, count: c.seq * dirs * c.batch * hs)
        var yh = [Float](repeating: .nan, count: dirs * c.batch * hs), yc = yh
        let lengths = c.lengths
        let bytes: Int
        switch kind {
        case .lstm: bytes = LSTM.scratchByteCount(p)
        case .gru: bytes = GRU.scratchByteCount(p)
        case .rnn: bytes = RNN.scratchByteCount(p)
        }
        withScratch(bytes) { s in
            let lens = lengths.map { l in
                let p = UnsafeMutablePointer<Int32>.allocate(capacity: l.count)
                p.initialize(from: l, count: l.count)
                return p
            }
            defer { lens?.deallocate() }
            switch kind {
            case .lstm:
                LSTM.forward(p, input: x, weight: naive.w, recurrence: naive.r, bias: naive.b, sequenceLengths: lens,
                             initialH: h0, initialC: c0, output: &y, outputH: &yh, outputC: &yc, scratch: s)
            case .gru(let lbr):
                GRU.forward(p, linearBeforeReset: lbr, input: x, weight: naive.w, recurrence: naive.r, bias: naive.b,
                            sequenceLengths: lens, initialH: h0, output: &y, outputH: &yh, scratch: s)
            case .rnn:
                RNN.forward(p, input: x, weight: naive.w, recurrence: naive.r, bias: naive.b, sequenceLengths: lens,
                            initialH: h0, output: &y, outputH: &yh, scratch: s)
            }
        }
        if c.batchFirst {
            // Y [batch, seq, dirs, h] -> [seq, dirs, batch, h]
            var t = y
            for bi in 0..<c.batch { for s in 0..<c.seq { for d in 0..<dirs { for j in 0..<hs {
                t[((s * dirs + d) * c.batch + bi) * hs + j] = y[((bi * c.seq + s) * dirs + d) * hs + j]
            } } } }
            y = t
            yh = swapLeading(yh, c.batch, dirs)
            yc = swapLeading(yc, c.batch, dirs)
        }
        #expect(allClose(y, expected.y, rtol: 1e-4, atol: 1e-5))
        #expect(allClose(yh, expected.h, rtol: 1e-4, atol: 1e-5))
        if case .lstm = kind { #expect(allClose(yc, expected.c, rtol: 1e-4, atol: 1e-5)) }
    }

    @Test(arguments: cases) func lstmMatchesTheOnnxEquations(_ c: Case) { check(.lstm, c) }
    @Test(arguments: cases) func gruMatchesTheOnnxEquations(_ c: Case) { check(.gru(linearBeforeReset: false), c) }
    @Test(arguments: cases) func gruLinearBeforeResetMatchesTheOnnxEquations(_ c: Case) { check(.gru(linearBeforeReset: true), c) }
    @Test(arguments: cases) func rnnMatchesTheOnnxEquations(_ c: Case) { check(.rnn, c) }
}

/// The sequence kernels' fast paths (R packed once or per call, the fused cells at each vector level,
/// the first step skipped for a zero initial state, the batch split over threads) on awkward sizes, against the Double recurrence.
/// Nested in KernelLevelTests, which is serialized: the level is global, and every test that
/// forces it must run apart from every other that does.
extension KernelLevelTests {
@Suite struct RecurrentLevelTests {
    struct Shape: Sendable { var seq, batch, input, hidden: Int; var direction: RecurrentParams.Direction; var batchFirst = false }

    static let shapes = [
        Shape(seq: 3, batch: 1, input: 3, hidden: 17, direction: .forward),
        Shape(seq: 4, batch: 7, input: 5, hidden: 16, direction: .reverse),
        Shape(seq: 2, batch: 3, input: 7, hidden: 63, direction: .bidirectional),
        Shape(seq: 2, batch: 65, input: 3, hidden: 9, direction: .forward, batchFirst: true),
        Shape(seq: 3, batch: 2, input: 1, hidden: 65, direction: .forward),
        Shape(seq: 2, batch: 13, input: 32, hidden: 64, direction: .bidirectional, batchFirst: true),
        // enough work to split the batch over two threads (7 = 3 + 4 rows)
        Shape(seq: 4, batch: 7, input: 3, hidden: 63, direction: .reverse),
    ]

    /// The op kernels' level matching a GEMM level.
    static func opsLevel(_ isa: ISA) -> Int32 {
        switch isa {
        case .portable: return OpsISA.portable
        case .avx2, .avxVNNI: return OpsISA.avx2
        case .avx512, .avx512VNNI: return OpsISA.avx512
        case .neon, .neonDotProd: return OpsISA.neon
        }
    }

    @Test("LSTM matches the ONNX equations at every level, R packed once or per call, with or without a state, on 1 or 2 threads",
          arguments: Dispatch.available)
    func lstmAtEveryLevel(isa: ISA) throws { try check(.lstm, isa: isa) }

    @Test("GRU matches the ONNX equations at every level, R packed once or per call, with or without a state, on 1 or 2 threads",
          arguments: Dispatch.available)
    func gruAtEveryLevel(isa: ISA) throws { try check(.gru(linearBeforeReset: false), isa: isa) }

    @Test("GRU with linear_before_reset matches the ONNX equations at every level, R packed once or per call, with or without a state, on 1 or 2 threads",
          arguments: Dispatch.available)
    func gruLinearBeforeResetAtEveryLevel(isa: ISA) throws { try check(.gru(linearBeforeReset: true), isa: isa) }

    @Test("RNN matches the ONNX equations at every level, R packed once or per call, with or without a state, on 1 or 2 threads",
          arguments: Dispatch.available)
    func rnnAtEveryLevel(isa: ISA) throws { try check(.rnn, isa: isa) }

    func check(_ kind: NaiveRecurrence.Kind, isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var data = TestData(seed: 88)
        for c in Self.shapes {
            for (packed, zeroState) in [(false, false), (true, true), (true, false)] {
                let p = RecurrentParams(sequenceLength: c.seq, batch: c.batch, inputSize: c.input, hiddenSize: c.hidden,
                                        direction: c.direction, batchFirst: c.batchFirst)
                let dirs = p.directions, hs = c.hidden
                let g = switch kind { case .lstm: LSTM.gates; case .gru: GRU.gates; case .rnn: RNN.gates }
                var naive = NaiveRecurrence(kind: kind, seq: c.seq, batch: c.batch, input: c.input, hidden: hs, dirs: dirs,
                                            x: data.floats(c.seq * c.batch * c.input), w: data.floats(dirs * g * hs * c.input),
                                            r: data.floats(dirs * g * hs * hs), b: data.floats(dirs * 2 * g * hs),
                                            h0: [], c0: [], lengths: nil, reverseOnly: c.direction == .reverse)
                naive.h0 = zeroState ? [Float](repeating: 0, count: dirs * c.batch * hs) : data.floats(dirs * c.batch * hs)
                naive.c0 = zeroState ? naive.h0 : data.floats(dirs * c.batch * hs)
                let expected = naive.run()
                let x = c.batchFirst ? swapLeading(naive.x, c.seq, c.batch) : naive.x
                let h0 = c.batchFirst ? swapLeading(naive.h0, dirs, c.batch) : naive.h0
                let c0 = c.batchFirst ? swapLeading(naive.c0, dirs, c.batch) : naive.c0
                var y = [Float](repeating: .nan, count: c.seq * dirs * c.batch * hs)
                var yh = [Float](repeating: .nan, count: dirs * c.batch * hs), yc = yh
                let lastGateApart: Bool
                if case .gru = kind { lastGateApart = true } else { lastGateApart = false }
                let packedR = packed ? PackedRecurrence(p, gates: g, recurrence: naive.r, lastGateApart: lastGateApart) : nil
                let threads = packed ? 2 : 1, level = Self.opsLevel(isa)
                let h0Arg = zeroState ? nil : h0
                switch kind {
                case .lstm:
                    withScratch(LSTM.scratchByteCount(p)) { s in
                        LSTM.forward(p, input: x, weight: naive.w, recurrence: naive.r, bias: naive.b, sequenceLengths: nil,
                                     initialH: h0Arg, initialC: zeroState ? nil : c0,
                                     output: &y, outputH: &yh, outputC: &yc, scratch: s, threads: threads,
                                     isa: level, packedRecurrence: packedR)
                    }
                case .gru(let lbr):
                    withScratch(GRU.scratchByteCount(p)) { s in
                        GRU.forward(p, linearBeforeReset: lbr, input: x, weight: naive.w, recurrence: naive.r, bias: naive.b,
                                    sequenceLengths: nil, initialH: h0Arg, output: &y, outputH: &yh, scratch: s,
                                    threads: threads, isa: level, packedRecurrence: packedR)
                    }
                case .rnn:
                    withScratch(RNN.scratchByteCount(p)) { s in
                        RNN.forward(p, input: x, weight: naive.w, recurrence: naive.r, bias: naive.b, sequenceLengths: nil,
                                    initialH: h0Arg, output: &y, outputH: &yh, scratch: s, threads: threads,
                                    isa: level, packedRecurrence: packedR)
                    }
                }
                if c.batchFirst {
                    var t = y
                    for bi in 0..<c.batch { for s in 0..<c.seq { for d in 0..<dirs { for j in 0..<hs {
                        t[((s * dirs + d) * c.batch + bi) * hs + j] = y[((bi * c.seq + s) * dirs + d) * hs + j]
                    } } } }
                    y = t
                    yh = swapLeading(yh, c.batch, dirs)
                    yc = swapLeading(yc, c.batch, dirs)
                }
                let what = "\(kind) \(isa) s\(c.seq) b\(c.batch) i\(c.input) h\(hs) \(c.direction) bf \(c.batchFirst) packed \(packed) zero \(zeroState)"
                #expect(allClose(y, expected.y, rtol: 1e-4, atol: 1e-5), "\(what): Y")
                #expect(allClose(yh, expected.h, rtol: 1e-4, atol: 1e-5), "\(what): Y_h")
                if case .lstm = kind { #expect(allClose(yc, expected.c, rtol: 1e-4, atol: 1e-5), "\(what): Y_c") }
            }
        }
    }
}
}
