import Testing
import DLCore
@testable import DLKernels
import _TestSupport

/// Runs the reference forward on arrays.
func referenceConv(_ p: Conv2DParams, _ x: [Float], _ w: [Float], _ b: [Float]?) -> [Float] {
    var y = [Float](repeating: .nan, count: p.outputCount)
    if let b {
        Conv2D.reference(p, input: x, weight: w, bias: b, output: &y)
    } else {
        Conv2D.reference(p, input: x, weight: w, bias: nil, output: &y)
    }
    return y
}

func fastConv(_ p: Conv2DParams, _ x: [Float], _ w: [Float], _ b: [Float]?, threads: Int = 1,
              scratchThreads: Int = 1) -> [Float] {
    var y = [Float](repeating: .nan, count: p.outputCount)
    withScratch(Conv2D.scratchByteCount(p, threads: scratchThreads)) { s in
        if let b {
            Conv2D.forward(p, input: x, weight: w, bias: b, output: &y, scratch: s, threads: threads,
                           scratchThreads: scratchThreads)
        } else {
            Conv2D.forward(p, input: x, weight: w, bias: nil, output: &y, scratch: s, threads: threads,
                           scratchThreads: scratchThreads)
        }
    }
    return y
}

/// A convolution geometry for parameterized tests, written compactly.
struct ConvCase: CustomTestStringConvertible, Sendable {
    var n = 1, c = 1, h = 5, w = 5, m = 1, kh = 3, kw = 3
    var sh = 1, sw = 1, pads = (0, 0, 0, 0), dh = 1, dw = 1, groups = 1
    var act = FusedActivation.none

    var params: Conv2DParams {
        Conv2DParams(batch: n, inChannels: c, inHeight: h, inWidth: w, outChannels: m,
                     kernelHeight: kh, kernelWidth: kw, strides: (sh, sw), pads: pads,
                     dilations: (dh, dw), groups: groups, activation: act)
    }
    var testDescription: String {
        "n\(n) c\(c) \(h)x\(w) m\(m) k\(kh)x\(kw) s\(sh),\(sw) p\(pads) d\(dh),\(dw) g\(groups) \(act)"
    }
}

let convCases: [ConvCase] = [
    ConvCase(),
    ConvCase(n: 2, c: 3, h: 7, w: 7, m: 4, pads: (1, 1, 1, 1)),
    ConvCase(n: 1, c: 3, h: 17, w: 13, m: 5, kh: 3, kw: 5, sh: 2, sw: 3, pads: (1, 2, 0, 1)),
    ConvCase(n: 1, c: 4, h: 9, w: 11, m: 6, kh: 3, kw: 3, pads: (2, 2, 2, 2), dh: 2, dw: 3),
    ConvCase(n: 2, c: 6, h: 8, w: 8, m: 4, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 2),
    ConvCase(n: 1, c: 8, h: 10, w: 7, m: 8, kh: 3, kw: 3, pads: (1, 1, 1, 1), groups: 8),           // depthwise
    ConvCase(n: 2, c: 4, h: 9, w: 9, m: 8, kh: 3, kw: 3, sh: 2, sw: 2, pads: (1, 1, 1, 1), groups: 4), // depthwise ×2
    ConvCase(n: 1, c: 3, h: 17, w: 17, m: 3, kh: 5, kw: 5, sh: 1, sw: 2, pads: (2, 2, 2, 2), dh: 2, dw: 1, groups: 3),
    ConvCase(n: 2, c: 17, h: 7, w: 7, m: 63, kh: 1, kw: 1),                                         // pointwise
    ConvCase(n: 1, c: 16, h: 5, w: 5, m: 65, kh: 1, kw: 1, sh: 2, sw: 2),                           // strided 1×1
    ConvCase(n: 1, c: 1, h: 1, w: 1, m: 3, kh: 1, kw: 1),
    ConvCase(n: 1, c: 2, h: 3, w: 3, m: 7, kh: 3, kw: 3, pads: (1, 1, 1, 1), act: .relu),
    ConvCase(n: 3, c: 5, h: 12, w: 10, m: 7, kh: 2, kw: 4, sh: 3, sw: 1, pads: (0, 3, 1, 0), act: .relu6),
    ConvCase(n: 1, c: 8, h: 28, w: 28, m: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1)),
    ConvCase(n: 1, c: 3, h: 4, w: 127, m: 2, kh: 1, kw: 7, sw: 2, pads: (0, 3, 0, 3)),
    ConvCase(n: 1, c: 2, h: 6, w: 6, m: 2, kh: 3, kw: 3, sh: 4, sw: 4, pads: (2, 2, 2, 2)),          // taps in padding only
]

@Suite struct Conv2DTests {
    @Test func referenceMatchesHandComputedCase() {
        // 3×3 input 1…9, 2×2 kernel [1 2; 3 4], no padding: each output is x00 + 2x01 + 3x10 + 4x11.
        let p = Conv2DParams(batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 1,
                             kernelHeight: 2, kernelWidth: 2)
        let y = referenceConv(p, (1...9).map(Float.init), [1, 2, 3, 4], [0.5])
        let expected: [Float] = [37.5, 47.5, 67.5, 77.5]  // 1+4+12+20, 2+6+15+24, 4+10+21+32, 5+12+24+36, plus 0.5
        #expect(y == expected)
    }

    @Test func referenceHandlesPaddingStrideAndDilation() {
        // 4×4 input 0…15, 2×2 ones kernel, dilation 2, stride 2, pad 1: windows read
        // rows {-1, 1} / {1, 3} and columns {-1, 1} / {1, 3}; padding reads 0.
        let p = Conv2DParams(batch: 1, inChannels: 1, inHeight: 4, inWidth: 4, outChannels: 1,
                             kernelHeight: 2, kernelWidth: 2, strides: (2, 2), pads: (1, 1, 1, 1), dilations: (2, 2))
        #expect(p.outHeight == 2 && p.outWidth == 2)
        let y = referenceConv(p, (0..<16).map(Float.init), [1, 1, 1, 1], nil)
        let x = { (r: Int, c: Int) -> Float in Float(r * 4 + c) }
        let e0 = x(1, 1), e1 = x(1, 1) + x(1, 3), e2 = x(1, 1) + x(3, 1)
        let e3 = e1 + x(3, 1) + x(3, 3)
        #expect(y == [e0, e1, e2, e3])
    }

    @Test func groupsSplitChannels() {
        // Two groups of one channel each: output 0 sees channel 0 only, output 1 channel 1 only.
        let p = Conv2DParams(batch: 1, inChannels: 2, inHeight: 1, inWidth: 2, outChannels: 2,
                             kernelHeight: 1, kernelWidth: 1, groups: 2)
        #expect(referenceConv(p, [1, 2, 10, 20], [3, 5], nil) == [3, 6, 50, 100])
    }

    @Test(arguments: convCases)
    func fastForwardMatchesReference(_ c: ConvCase) {
        let p = c.params
        var data = TestData(seed: 1)
        let x = data.floats(p.inputCount), w = data.floats(p.weightCount), b = data.floats(p.outChannels)
        let expected = referenceConv(p, x, w, b)
        // fp32 tolerance: sums of k products in another order.
        #expect(allClose(fastConv(p, x, w, b), expected, rtol: 1e-4, atol: 1e-5))
        let reference = referenceConv(p, x, w, nil)
        #expect(allClose(fastConv(p, x, w, nil, threads: 2), reference, rtol: 1e-4, atol: 1e-5))
        // image-parallel batches: each thread its own im2col block
        #expect(allClose(fastConv(p, x, w, nil, threads: 2, scratchThreads: 2), reference, rtol: 1e-4, atol: 1e-5))
        #expect(allClose(fastConv(p, x, w, nil, threads: 3, scratchThreads: 3), reference, rtol: 1e-4, atol: 1e-5))
    }

    @Test(arguments: convCases.filter { $0.act == .none })
    func referenceBackwardIsTheAdjointOfForward(_ c: ConvCase) {
        // The convolution is linear in X and in W: <conv(X, W), R> = <X, dX(R)> = <W, dW(R)>.
        let p = c.params
        var data = TestData(seed: 2)
        let x = data.floats(p.inputCount), w = data.floats(p.weightCount), r = data.floats(p.outputCount)
        let y = referenceConv(p, x, w, nil)
        var dx = [Float](repeating: .nan, count: p.inputCount), dw = [Float](repeating: .nan, count: p.weightCount)
        Conv2D.referenceBackwardInput(p, outputGrad: r, weight: w, inputGrad: &dx)
        Conv2D.referenceBackwardWeight(p, input: x, outputGrad: r, weightGrad: &dw)
        let lhs = dot(y, r)
        #expect(abs(lhs - dot(x, dx)) <= 1e-4 * max(1, abs(lhs)))
        #expect(abs(lhs - dot(w, dw)) <= 1e-4 * max(1, abs(lhs)))
    }

    @Test(arguments: convCases.filter { $0.act == .none })
    func fastBackwardMatchesReference(_ c: ConvCase) {
        let p = c.params
        var data = TestData(seed: 3)
        let x = data.floats(p.inputCount), w = data.floats(p.weightCount), dy = data.floats(p.outputCount)
        var dxRef = [Float](repeating: 0, count: p.inputCount), dwRef = [Float](repeating: 0, count: p.weightCount)
        Conv2D.referenceBackwardInput(p, outputGrad: dy, weight: w, inputGrad: &dxRef)
        Conv2D.referenceBackwardWeight(p, input: x, outputGrad: dy, weightGrad: &dwRef)
        var dx = [Float](repeating: .nan, count: p.inputCount), dw = [Float](repeating: .nan, count: p.weightCount)
        withScratch(Conv2D.backwardScratchByteCount(p)) { s in
            Conv2D.backwardInput(p, outputGrad: dy, weight: w, inputGrad: &dx, scratch: s)
            Conv2D.backwardWeight(p, input: x, outputGrad: dy, weightGrad: &dw, scratch: s)
        }
        #expect(allClose(dx, dxRef, rtol: 1e-4, atol: 1e-4))
        #expect(allClose(dw, dwRef, rtol: 1e-4, atol: 1e-4))
    }

    @Test func biasGradientIsTheSumOfOutputGradients() {
        let p = ConvCase(n: 2, c: 1, h: 3, w: 3, m: 2, kh: 1, kw: 1).params
        let dy: [Float] = (0..<36).map(Float.init)
        var db = [Float](repeating: .nan, count: 2)
        Conv2D.backwardBias(p, outputGrad: dy, biasGrad: &db)
        // channel 0: elements 0…8 and 18…26; channel 1: 9…17 and 27…35
        let c0 = (0...8).reduce(0, +) + (18...26).reduce(0, +)
        let c1 = (9...17).reduce(0, +) + (27...35).reduce(0, +)
        #expect(db == [Float(c0), Float(c1)])
    }
}
