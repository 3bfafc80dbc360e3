import Testing
import CDLKernels
@testable import DLKernels
import _TestSupport

/// Every instruction-set level of the C paths (ops_vmath.c) against double-precision libm,
/// over awkward lengths so that both the vector body and the scalar tail run.
@Suite struct VectorPathTests {
    static let lengths = [1, 3, 7, 17, 63, 65, 127, 1000]

    @Test(arguments: OpsISA.available)
    func transcendentalsAtEveryLevel(_ isa: Int32) {
        var data = TestData(seed: 61)
        for n in Self.lengths {
            var x = data.floats(n, in: -12...12)
            x[0] = n > 3 ? 1e-5 : x[0]            // near zero: tanh's small-argument branch
            if n > 3 { x[1] = -100; x[2] = 100 }   // saturation
            var y = [Float](repeating: .nan, count: n)
            Sigmoid.forward(x, &y, count: n, isa: isa)
            for i in 0..<n {
                let e: Double = 1 / (1 + dlk_exp(-Double(x[i])))
                #expect(near(y[i], e, rel: 1e-6, abs: 1e-37), "sigmoid(\(x[i])) isa \(isa)")
            }
            Tanh.forward(x, &y, count: n, isa: isa)
            for i in 0..<n { #expect(near(y[i], dlk_tanh(Double(x[i])), rel: 2e-6, abs: 1e-12), "tanh(\(x[i])) isa \(isa)") }
            Gelu.forward(x, &y, count: n, isa: isa)
            for i in 0..<n {
                let v = Double(x[i])
                let e: Double = 0.5 * v * (1 + dlk_erf(v / 2.0.squareRoot()))
                #expect(near(y[i], e, rel: 1e-6, abs: 2e-7 * abs(v)), "gelu(\(x[i])) isa \(isa)")
            }
            Gelu.forward(x, &y, count: n, approximation: .tanh, isa: isa)
            for i in 0..<n {
                let v = Double(x[i])
                let u: Double = (2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
                let e: Double = 0.5 * v * (1 + dlk_tanh(u))
                #expect(near(y[i], e, rel: 0, abs: 2e-6 * abs(v)), "gelu tanh(\(x[i])) isa \(isa)")
            }
        }
    }

    @Test(arguments: OpsISA.available)
    func softmaxAtEveryLevel(_ isa: Int32) {
        var data = TestData(seed: 62)
        for n in Self.lengths {
            let x = data.floats(2 * n, in: -30...30)
            let v = AxisView(outer: 2, axis: n, inner: 1)
            var y = [Float](repeating: .nan, count: 2 * n), ly = y
            Softmax.forward(v, x, &y, isa: isa)
            LogSoftmax.forward(v, x, &ly, isa: isa)
            for o in 0..<2 {
                let row = (0..<n).map { Double(x[o * n + $0]) }
                let m = row.max()!
                let z = row.reduce(0) { $0 + dlk_exp($1 - m) }
                for j in 0..<n {
                    let e: Double = dlk_exp(row[j] - m) / z
                    let le: Double = row[j] - m - dlk_log(z)
                    #expect(near(y[o * n + j], e, rel: 1e-6, abs: 1e-12))
                    #expect(near(ly[o * n + j], le, rel: 0, abs: 1e-5))
                }
            }
        }
    }

    @Test(arguments: OpsISA.available)
    func requantizeRowIsBitExactAtEveryLevel(_ isa: Int32) {
        var data = TestData(seed: 64)
        for n in Self.lengths {
            // odd accumulators times 0.5 land exactly on halves: round half to even decides them
            var acc = data.int32s(n, in: -300...300).map { $0 | 1 }
            if n > 3 { acc[0] = .max; acc[1] = .min; acc[2] = 0 }
            for (mult, zp, lo, hi) in [(Float(0.5), Int32(0), Int8(-128), Int8(127)), (0.0371, -7, -7, 127),
                                       (3.1e-5, 100, -128, 90), (1.0, 0, 0, 6)] {
                let q = Conv2DInt8Quantization(inputZeroPoint: 0, outputZeroPoint: zp, outputMin: lo, outputMax: hi)
                var out = [Int8](repeating: 0, count: n)
                q.requantize(row: acc, offset: 3, multiplier: mult, into: &out, count: n, isa: isa)
                let expected = acc.map { q.requantize($0 &+ 3, multiplier: mult) }
                #expect(out == expected, "n \(n) multiplier \(mult) isa \(isa)")
            }
        }
    }

    @Test(arguments: OpsISA.available)
    func depthwiseAtEveryLevel(_ isa: Int32) {
        let cases = [
            ConvCase(n: 1, c: 3, h: 7, w: 65, m: 3, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 3),
            ConvCase(n: 2, c: 2, h: 5, w: 17, m: 4, kh: 3, kw: 5, pads: (2, 2, 0, 1), dh: 1, dw: 2, groups: 2),
            ConvCase(n: 1, c: 4, h: 9, w: 127, m: 4, kh: 5, kw: 5, sh: 2, sw: 1, pads: (2, 3, 2, 1), groups: 4, act: .relu6),
            ConvCase(n: 1, c: 2, h: 3, w: 3, m: 2, kh: 3, kw: 7, pads: (1, 3, 1, 3), groups: 2),   // no interior column
            ConvCase(n: 1, c: 2, h: 1, w: 1, m: 2, kh: 1, kw: 1, groups: 2),
        ]
        var data = TestData(seed: 63)
        for c in cases {
            let p = c.params
            let x = data.floats(p.inputCount), w = data.floats(p.weightCount), b = data.floats(p.outChannels)
            var y = [Float](repeating: .nan, count: p.outputCount)
            Conv2D.depthwiseForward(p, input: x, weight: w, bias: b, output: &y, isa: isa)
            #expect(allClose(y, referenceConv(p, x, w, b), rtol: 1e-5, atol: 1e-5), "\(c.testDescription) isa \(isa)")
        }
    }
}

/// |got − expected| <= rel·|expected| + abs.
func near(_ got: Float, _ expected: Double, rel: Double, abs tolerance: Double) -> Bool {
    abs(Double(got) - expected) <= rel * abs(expected) + tolerance
}
