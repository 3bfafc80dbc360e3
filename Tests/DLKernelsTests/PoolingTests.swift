import Testing
@testable import DLKernels
import _TestSupport

@Suite struct PoolingTests {
    static let x4: [Float] = (0..<16).map(Float.init)  // 4×4, row r col c holds 4r + c

    func maxPool(_ p: Pool2DParams, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: p.outputCount)
        MaxPool2D.forward(p, input: x, output: &y)
        return y
    }

    func avgPool(_ p: Pool2DParams, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: p.outputCount)
        AvgPool2D.forward(p, input: x, output: &y)
        return y
    }

    @Test func maxPoolHandComputed() {
        let p = Pool2DParams(batch: 1, channels: 1, inHeight: 4, inWidth: 4, kernel: (2, 2), strides: (2, 2))
        #expect(maxPool(p, Self.x4) == [5, 7, 13, 15])
        // pad 1, 3×3, stride 2: windows centred on (0,0), (0,2), (2,0), (2,2); on −x the max is
        // minus the smallest real input, its top-left one; padding never wins
        let q = Pool2DParams(batch: 1, channels: 1, inHeight: 4, inWidth: 4, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1))
        #expect(maxPool(q, Self.x4.map { -$0 }) == [0, -1, -4, -5])
    }

    @Test func averagePoolCountsPaddingOnlyWhenAsked() {
        // 3×3 window at pad 1 over a 2×2 input of ones: 4 real of 9.
        var p = Pool2DParams(batch: 1, channels: 1, inHeight: 2, inWidth: 2, kernel: (3, 3), pads: (1, 1, 1, 1))
        #expect(avgPool(p, [1, 1, 1, 1]) == [1, 1, 1, 1])
        p.countIncludePad = true
        let ratio: Float = 4.0 / 9
        #expect(avgPool(p, [1, 1, 1, 1]) == [ratio, ratio, ratio, ratio])
    }

    @Test func ceilModeAddsAWindowThatNeverCountsTheOverhang() {
        // 5×5, 2×2 stride 2: floor gives 2×2, ceil 3×3 whose last row/column windows hold
        // 2 (edge) or 1 (corner) real inputs; the overhang is not padding, so never counted.
        for include in [false, true] {
            let p = Pool2DParams(batch: 1, channels: 1, inHeight: 5, inWidth: 5, kernel: (2, 2), strides: (2, 2),
                                 ceilMode: true, countIncludePad: include)
            #expect(p.outHeight == 3 && p.outWidth == 3)
            let x: [Float] = (0..<25).map(Float.init)
            let y = avgPool(p, x)
            #expect(y[8] == 24)                 // corner: x[4][4] alone
            #expect(y[2] == 6.5)               // (4 + 9) / 2        // right edge of row 0: column 4, rows 0–1
            #expect(y[0] == 3)                 // (0 + 1 + 5 + 6) / 4
        }
        // A last window that would start in the right padding is dropped (PyTorch's rule).
        let q = Pool2DParams(batch: 1, channels: 1, inHeight: 4, inWidth: 4, kernel: (2, 2), strides: (2, 2),
                             pads: (0, 0, 1, 1), ceilMode: true)
        #expect(q.outHeight == 2)
    }

    @Test func countIncludePadWithCeilModeCountsPaddingButNotOverhang() {
        // 6 wide, kernel 3, stride 2, pad 1, ceil: 4 outputs; the last window covers
        // columns 5 (real), 6 (padding), 7 (overhang): divisor 2 per axis when padding counts.
        let p = Pool2DParams(batch: 1, channels: 1, inHeight: 1, inWidth: 6, kernel: (1, 3), strides: (1, 2),
                             pads: (0, 1, 0, 1), ceilMode: true, countIncludePad: true)
        #expect(p.outWidth == 4)
        let y = avgPool(p, [1, 1, 1, 1, 1, 1])
        let expected: [Float] = [2.0 / 3, 1, 1, 0.5]
        #expect(y == expected)
    }

    @Test func int8PoolingMatchesFloatOnRawValues() {
        var data = TestData(seed: 5)
        let p = Pool2DParams(batch: 2, channels: 3, inHeight: 7, inWidth: 9, kernel: (3, 2), strides: (2, 2),
                             pads: (1, 0, 1, 1), ceilMode: true)
        let x = data.int8s(p.inputCount)
        var ym = [Int8](repeating: 0, count: p.outputCount), ya = ym
        MaxPool2D.forward(p, input: x, output: &ym)
        AvgPool2D.forward(p, input: x, zeroPoint: 3, output: &ya)
        let xf = x.map { Float($0) }
        #expect(ym.map { Float($0) } == maxPool(p, xf))
        let af = avgPool(p, xf.map { $0 - 3 })
        for i in ya.indices {
            let expected = min(max((af[i]).rounded(.toNearestOrAwayFromZero) + 3, -128), 127)
            #expect(abs(Float(ya[i]) - expected) <= 0, "\(i)")
        }
    }

    static let poolCases: [Pool2DParams] = [
        Pool2DParams(batch: 1, channels: 1, inHeight: 1, inWidth: 1, kernel: (1, 1)),
        Pool2DParams(batch: 2, channels: 3, inHeight: 7, inWidth: 7, kernel: (2, 2), strides: (2, 2)),
        Pool2DParams(batch: 2, channels: 3, inHeight: 7, inWidth: 7, kernel: (2, 2), strides: (2, 2), ceilMode: true),
        Pool2DParams(batch: 1, channels: 4, inHeight: 17, inWidth: 65, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1)),
        Pool2DParams(batch: 1, channels: 2, inHeight: 63, inWidth: 127, kernel: (3, 5), strides: (1, 1), pads: (1, 2, 1, 2)),
        Pool2DParams(batch: 1, channels: 2, inHeight: 13, inWidth: 17, kernel: (3, 3), strides: (3, 2), pads: (0, 1, 2, 1),
                     dilations: (2, 2), ceilMode: true),
        Pool2DParams(batch: 1, channels: 3, inHeight: 6, inWidth: 6, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1),
                     ceilMode: true, countIncludePad: true),
        Pool2DParams(batch: 3, channels: 1, inHeight: 5, inWidth: 9, kernel: (5, 9), countIncludePad: true),
        Pool2DParams(batch: 2, channels: 2, inHeight: 9, inWidth: 11, kernel: (2, 2), strides: (2, 2), ceilMode: true),
        Pool2DParams(batch: 1, channels: 3, inHeight: 8, inWidth: 10, kernel: (3, 3), strides: (2, 2)),
        Pool2DParams(batch: 1, channels: 2, inHeight: 11, inWidth: 13, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1),
                     ceilMode: true),
        Pool2DParams(batch: 1, channels: 2, inHeight: 10, inWidth: 9, kernel: (3, 3), strides: (1, 1), pads: (1, 1, 1, 1)),
        Pool2DParams(batch: 1, channels: 1, inHeight: 3, inWidth: 2, kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1)),
        Pool2DParams(batch: 1, channels: 2, inHeight: 12, inWidth: 15, kernel: (2, 3), strides: (2, 3), pads: (0, 1, 1, 0),
                     ceilMode: true),
    ]

    /// The 2-wide stride-2 row kernel at every dispatch level, bit-exact with the reference
    /// (ties, signed zeros and a NaN included).
    @Test(arguments: OpsISA.available)
    func maxPoolK2S2MatchesReferenceAtEveryLevel(_ isa: Int32) {
        let cases = [
            Pool2DParams(batch: 2, channels: 3, inHeight: 28, inWidth: 28, kernel: (2, 2), strides: (2, 2)),
            Pool2DParams(batch: 2, channels: 2, inHeight: 9, inWidth: 37, kernel: (2, 2), strides: (2, 2)),
            Pool2DParams(batch: 1, channels: 2, inHeight: 6, inWidth: 70, kernel: (2, 2), strides: (2, 2)),   // 16+16+3 per row
            Pool2DParams(batch: 1, channels: 3, inHeight: 14, inWidth: 14, kernel: (2, 2), strides: (2, 2)),
            Pool2DParams(batch: 1, channels: 2, inHeight: 8, inWidth: 8, kernel: (2, 2), strides: (2, 2), pads: (0, 0, 1, 1)),
            Pool2DParams(batch: 1, channels: 2, inHeight: 9, inWidth: 37, kernel: (2, 2), strides: (2, 2), ceilMode: true),
            Pool2DParams(batch: 1, channels: 2, inHeight: 7, inWidth: 35, kernel: (2, 2), strides: (2, 2), pads: (1, 1, 1, 1)),
            Pool2DParams(batch: 1, channels: 1, inHeight: 5, inWidth: 3, kernel: (3, 2), strides: (1, 2), pads: (0, 1, 1, 0),
                         ceilMode: true),
            Pool2DParams(batch: 1, channels: 1, inHeight: 1, inWidth: 1, kernel: (2, 2), strides: (2, 2), pads: (1, 1, 0, 0)),
        ]
        var data = TestData(seed: 12)
        for p in cases {
            var x = data.floats(p.inputCount).map { ($0 * 2).rounded() }   // many ties and ±0
            x[x.count / 2] = .nan
            var fast = [Float](repeating: 1, count: p.outputCount), ref = fast
            MaxPool2D.forward(p, input: x, output: &fast, isa: isa)
            MaxPool2D.reference(p, input: x, output: &ref)
            #expect(fast.map(\.bitPattern) == ref.map(\.bitPattern))
            let x8 = data.int8s(p.inputCount)
            var f8 = [Int8](repeating: 1, count: p.outputCount), r8 = f8
            MaxPool2D.forward(p, input: x8, output: &f8, isa: isa)
            MaxPool2D.reference(p, input: x8, output: &r8)
            #expect(f8 == r8)
        }
    }

    /// Split over threads by planes (big enough that two threads are used, and a size with a
    /// remainder), the 2×2 path gives the reference's bits at 1, 2 and 3 threads.
    @Test(arguments: [1, 2, 3])
    func maxPoolOverThreadsMatchesReference(_ threads: Int) {
        var data = TestData(seed: 13)
        for p in [Pool2DParams(batch: 64, channels: 16, inHeight: 28, inWidth: 28, kernel: (2, 2), strides: (2, 2)),
                  Pool2DParams(batch: 7, channels: 37, inHeight: 14, inWidth: 14, kernel: (2, 2), strides: (2, 2))] {
            let x = data.floats(p.inputCount).map { ($0 * 2).rounded() }
            var fast = [Float](repeating: 1, count: p.outputCount), ref = fast
            MaxPool2D.forward(p, input: x, output: &fast, threads: threads)
            MaxPool2D.reference(p, input: x, output: &ref)
            #expect(fast.map(\.bitPattern) == ref.map(\.bitPattern))
            let x8 = data.int8s(p.inputCount)
            var f8 = [Int8](repeating: 1, count: p.outputCount), r8 = f8
            MaxPool2D.forward(p, input: x8, output: &f8, threads: threads)
            MaxPool2D.reference(p, input: x8, output: &r8)
            #expect(f8 == r8)
        }
    }

    /// The fast backward against the per-output one, bit-exact; coarse values make ties, which
    /// must go to the first maximum of the window.
    @Test(arguments: poolCases)
    func maxPoolBackwardMatchesReference(_ p: Pool2DParams) {
        var data = TestData(seed: 11)
        for coarse in [false, true] {
            let x = data.floats(p.inputCount).map { coarse ? ($0 * 3).rounded() : $0 }
            let dy = data.floats(p.outputCount)
            var fast = [Float](repeating: .nan, count: p.inputCount), ref = fast
            MaxPool2D.backward(p, input: x, outputGrad: dy, inputGrad: &fast)
            MaxPool2D.backwardReference(p, input: x, outputGrad: dy, inputGrad: &ref)
            #expect(fast == ref)
            var yf = [Float](repeating: .nan, count: p.outputCount), yr = yf
            MaxPool2D.forward(p, input: x, output: &yf)
            MaxPool2D.reference(p, input: x, output: &yr)
            #expect(yf.map(\.bitPattern) == yr.map(\.bitPattern))
        }
    }

    @Test(arguments: poolCases)
    func fastPathsMatchReference(_ p: Pool2DParams) {
        var data = TestData(seed: 7)
        let x = data.floats(p.inputCount)
        var fast = [Float](repeating: .nan, count: p.outputCount), ref = fast
        MaxPool2D.forward(p, input: x, output: &fast)
        MaxPool2D.reference(p, input: x, output: &ref)
        #expect(fast == ref)
        AvgPool2D.forward(p, input: x, output: &fast)
        AvgPool2D.reference(p, input: x, output: &ref)
        #expect(fast == ref)   // same summation order per output: identical
        var q = p
        q.countIncludePad.toggle()
        AvgPool2D.forward(q, input: x, output: &fast)
        AvgPool2D.reference(q, input: x, output: &ref)
        #expect(fast == ref)
        let x8 = data.int8s(p.inputCount)
        var f8 = [Int8](repeating: 0, count: p.outputCount), r8 = f8
        MaxPool2D.forward(p, input: x8, output: &f8)
        MaxPool2D.reference(p, input: x8, output: &r8)
        #expect(f8 == r8)
    }

    @Test func globalAveragePool() {
        var y = [Float](repeating: 0, count: 2)
        GlobalAvgPool.forward(planes: 2, planeSize: 3, input: [1, 2, 3, 10, 20, 60], output: &y)
        #expect(y == [2, 30])
        var q = [Int8](repeating: 0, count: 2)
        GlobalAvgPool.forward(planes: 2, planeSize: 4, input: [1, 2, 2, 2, -128, -128, -128, -127], zeroPoint: 0, output: &q)
        #expect(q == [2, -128])   // 7/4 = 1.75 -> 2; −511/4 = −127.75 -> −128
    }

    @Test(arguments: [false, true])
    func poolingGradientsMatchFiniteDifferences(_ average: Bool) {
        var data = TestData(seed: 6)
        let p = Pool2DParams(batch: 1, channels: 2, inHeight: 5, inWidth: 6, kernel: (3, 3), strides: (2, 2),
                             pads: (1, 1, 1, 1), ceilMode: true, countIncludePad: average)
        let x = data.floats(p.inputCount), r = data.floats(p.outputCount)
        let loss = { (x: [Float]) -> Double in dot(average ? self.avgPool(p, x) : self.maxPool(p, x), r) }
        var dx = [Float](repeating: .nan, count: p.inputCount)
        if average { AvgPool2D.backward(p, outputGrad: r, inputGrad: &dx) }
        else { MaxPool2D.backward(p, input: x, outputGrad: r, inputGrad: &dx) }
        // max pooling is piecewise linear: a small step keeps the argmax (random data has no ties)
        #expect(closeRelativeToMax(dx, numericGradient(x, eps: 1e-3, loss), rtol: 1e-2, atol: 1e-3))

        var g = [Float](repeating: .nan, count: 2 * 30)
        GlobalAvgPool.backward(planes: 2, planeSize: 30, outputGrad: [3, 6], inputGrad: &g)
        let expected = [Float](repeating: 3.0 / 30, count: 30) + [Float](repeating: 6.0 / 30, count: 30)
        #expect(g == expected)
    }
}
