import Testing
import DLCore
@testable import DLKernels
import _TestSupport

/// Geometries the direct kernel takes (stride 1, output rows as wide as input rows), chosen to
/// hit partial vectors, partial channel blocks, channels not a multiple of 4, rows wholly in
/// the padding, dilation, and planes smaller than one vector.
let directConvCases: [ConvCase] = [
    ConvCase(n: 1, c: 1, h: 28, w: 28, m: 16, pads: (1, 1, 1, 1), act: .relu),      // the small CNN's first layer
    ConvCase(n: 2, c: 16, h: 14, w: 14, m: 32, pads: (1, 1, 1, 1), act: .relu),     // and its second
    ConvCase(n: 1, c: 3, h: 5, w: 5, m: 5, pads: (1, 1, 1, 1)),
    ConvCase(n: 3, c: 5, h: 7, w: 9, m: 9, kh: 5, kw: 3, pads: (2, 1, 0, 1), act: .relu6),
    ConvCase(n: 1, c: 2, h: 9, w: 11, m: 3, pads: (2, 2, 2, 2), dh: 2, dw: 2),
    ConvCase(n: 2, c: 17, h: 7, w: 7, m: 63, kh: 1, kw: 1),
    ConvCase(n: 1, c: 3, h: 4, w: 37, m: 2, kh: 1, kw: 7, pads: (0, 3, 0, 3)),
    ConvCase(n: 1, c: 4, h: 1, w: 1, m: 3, pads: (1, 1, 1, 1)),
    ConvCase(n: 1, c: 2, h: 3, w: 5, m: 4, kh: 3, kw: 1, pads: (4, 0, 4, 0)),       // output rows reading only padding
    ConvCase(n: 2, c: 8, h: 33, w: 40, m: 24, pads: (1, 1, 1, 1), act: .relu),
    ConvCase(n: 1, c: 6, h: 6, w: 8, m: 10, kh: 2, kw: 2, pads: (0, 1, 1, 0)),       // asymmetric padding
]

@Suite struct Conv2DDirectTests {
    @Test(arguments: directConvCases)
    func casesAreDirect(_ c: ConvCase) {
        #expect(Conv2DDirect.supports(c.params))
    }

    @Test func stridedOrNarrowingConvolutionsAreNotDirect() {
        #expect(!Conv2DDirect.supports(ConvCase(h: 8, w: 8, sh: 2, sw: 2, pads: (1, 1, 1, 1)).params))
        #expect(!Conv2DDirect.supports(ConvCase(h: 8, w: 8).params))   // valid padding: narrower rows
        #expect(!Conv2DDirect.supports(ConvCase(c: 4, h: 8, w: 8, m: 4, pads: (1, 1, 1, 1), groups: 2).params))
    }
}

extension KernelLevelTests {
    @Test("fp32 direct convolution matches the reference at every level", arguments: Dispatch.available)
    func directFloatAllLevels(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        for c in directConvCases {
            let p = c.params
            var data = TestData(seed: 21)
            let x = data.floats(p.inputCount), w = data.floats(p.weightCount), b = data.floats(p.outChannels)
            let direct = Conv2DDirect(p, floatWeights: w)
            for (bias, threads) in [(true, 1), (false, 2), (true, 3)] {
                let expected = referenceConv(p, x, w, bias ? b : nil)
                var y = [Float](repeating: .nan, count: p.outputCount)
                b.withUnsafeBufferPointer { bb in
                    direct.forward(batch: p.batch, input: x, bias: bias ? bb.baseAddress : nil,
                                   activation: p.activation, output: &y, threads: threads)
                }
                #expect(allClose(y, expected, rtol: 1e-4, atol: 1e-5), "\(c.testDescription) at \(isa), \(threads) threads")
                // the Conv2D entry point takes the direct path when given the packed weights
                var viaForward = [Float](repeating: .nan, count: p.outputCount)
                Conv2D.forward(p, input: x, weight: w, bias: bias ? b : nil, output: &viaForward, scratch: nil,
                               threads: threads, direct: direct)
                #expect(allClose(viaForward, expected, rtol: 1e-4, atol: 1e-5))
            }
        }
    }

    @Test("int8 direct convolution is bit-exact with the reference at every level", arguments: Dispatch.available)
    func directInt8AllLevels(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        for c in directConvCases.filter({ $0.act != .relu6 }) {
            for zeroPoint: Int32 in [7, -128, 127] {
                var s = Conv2DInt8Tests.setup(c, seed: 22)
                s.q.inputZeroPoint = zeroPoint
                let direct = Conv2DDirect(s.p, int8Weights: s.w)
                let offsets = direct.int8Offsets(bias: s.b, inputZeroPoint: zeroPoint)
                let expected = Conv2DInt8Tests.reference(s)
                // one image of scratch (threads split each image), or one per thread
                for (threads, images) in [(1, 1), (2, 1), (2, 2), (3, 3)] {
                    var y = [Int8](repeating: 0, count: s.p.outputCount)
                    withScratch(direct.int8ScratchByteCount(images: images)) { scratch in
                        direct.forward(batch: s.p.batch, s.q, input: s.x, offsets: offsets, multipliers: s.mult,
                                       output: &y, scratch: scratch, scratchImages: images, threads: threads)
                    }
                    #expect(y == expected, "\(c.testDescription) zx \(zeroPoint) at \(isa), \(threads) threads")
                }
            }
        }
    }
}
