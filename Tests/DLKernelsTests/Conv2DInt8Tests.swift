import Testing
import DLCore
@testable import DLKernels
import _TestSupport

@Suite struct Conv2DInt8Tests {
    struct Setup {
        var p: Conv2DParams
        var q: Conv2DInt8Quantization
        var x: [Int8], w: [Int8], b: [Int32], mult: [Float]
        var inScale: Float, wScales: [Float], outScale: Float
    }

    static func setup(_ c: ConvCase, seed: UInt64) -> Setup {
        let p = c.params
        var data = TestData(seed: seed)
        let inScale: Float = 0.02, outScale: Float = 0.05
        let wScales = data.floats(p.outChannels, in: 0.001...0.01)
        var q = Conv2DInt8Quantization(inputZeroPoint: 7, outputZeroPoint: -3)
        if c.act == .relu { q.outputMin = -3 }
        return Setup(p: p, q: q, x: data.int8s(p.inputCount), w: data.int8s(p.weightCount, in: -127...127),
                     b: data.int32s(p.outChannels, in: -5000...5000),
                     mult: Conv2DInt8Quantization.multipliers(inputScale: inScale, weightScales: wScales, outputScale: outScale),
                     inScale: inScale, wScales: wScales, outScale: outScale)
    }

    static func reference(_ s: Setup) -> [Int8] {
        var y = [Int8](repeating: 0, count: s.p.outputCount)
        Conv2DInt8.reference(s.p, s.q, input: s.x, weight: s.w, bias: s.b, multipliers: s.mult, output: &y)
        return y
    }

    /// Dense layers run as 1×1 convolutions over 1×1 images (the matrix-vector path).
    static let denseCases = [ConvCase(n: 4, c: 65, h: 1, w: 1, m: 17, kh: 1, kw: 1),
                             ConvCase(n: 1, c: 1000, h: 1, w: 1, m: 10, kh: 1, kw: 1, act: .relu)]

    @Test(arguments: convCases.filter { $0.act != .relu6 } + denseCases)
    func fastPathIsBitExact(_ c: ConvCase) {
        let s = Self.setup(c, seed: 11)
        var y = [Int8](repeating: 0, count: s.p.outputCount)
        withScratch(Conv2DInt8.scratchByteCount(s.p)) { scratch in
            Conv2DInt8.forward(s.p, s.q, input: s.x, weight: s.w, bias: s.b, multipliers: s.mult,
                               output: &y, scratch: scratch)
        }
        #expect(y == Self.reference(s))
    }

    @Test(arguments: [convCases[1], convCases[4], convCases[5], convCases[11]])
    func referenceAgreesWithTheFloatConvolutionOfTheDequantizedData(_ c: ConvCase) {
        // Dequantize X, W, B; run the fp32 reference; quantize its output. The int8 result may
        // differ by one step where the float sum lands near a rounding boundary.
        let s = Self.setup(c, seed: 12)
        let p = s.p
        let xf = s.x.map { (Float($0) - Float(s.q.inputZeroPoint)) * s.inScale }
        let k = p.weightCount / p.outChannels
        let wf = s.w.indices.map { Float(s.w[$0]) * s.wScales[$0 / k] }
        let bf = s.b.indices.map { Float(s.b[$0]) * s.inScale * s.wScales[$0] }
        let yf = referenceConv(p, xf, wf, bf)
        let y = Self.reference(s)
        for i in y.indices {
            var q = (yf[i] / s.outScale).rounded() + Float(s.q.outputZeroPoint)
            q = min(max(q, Float(s.q.outputMin)), Float(s.q.outputMax))
            #expect(abs(Float(y[i]) - q) <= 1, "output \(i): \(y[i]) vs \(q)")
        }
    }

    @Test func requantizeRoundsHalfToEvenAndClamps() {
        let q = Conv2DInt8Quantization(inputZeroPoint: 0, outputZeroPoint: 10, outputMin: 0, outputMax: 100)
        #expect(q.requantize(5, multiplier: 0.5) == 12)     // 2.5 -> 2, +10
        #expect(q.requantize(7, multiplier: 0.5) == 14)     // 3.5 -> 4, +10
        #expect(q.requantize(-100, multiplier: 1) == 0)     // clamped below
        #expect(q.requantize(1000, multiplier: 1) == 100)   // clamped above
    }
}

extension KernelLevelTests {
    @Test("int8 conv (raw and packed weights) is bit-exact with the reference at every level",
          arguments: Dispatch.available)
    func int8ConvPackedAllLevels(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        for c in convCases.filter({ $0.act != .relu6 }) + Conv2DInt8Tests.denseCases {
            let s = Conv2DInt8Tests.setup(c, seed: 13)
            let packed = Conv2DInt8.packWeights(s.p, weight: s.w)
            for threads in [1, 2] {
                var y = [Int8](repeating: 0, count: s.p.outputCount)
                withScratch(Conv2DInt8.packedScratchByteCount(s.p)) { scratch in
                    Conv2DInt8.forward(s.p, s.q, input: s.x, weight: s.w, packed: packed, bias: s.b,
                                       multipliers: s.mult, output: &y, scratch: scratch, threads: threads)
                }
                #expect(y == Conv2DInt8Tests.reference(s), "\(c.testDescription) at \(isa), \(threads) threads")
                var raw = [Int8](repeating: 0, count: s.p.outputCount)
                withScratch(Conv2DInt8.scratchByteCount(s.p)) { scratch in
                    Conv2DInt8.forward(s.p, s.q, input: s.x, weight: s.w, bias: s.b, multipliers: s.mult,
                                       output: &raw, scratch: scratch, threads: threads)
                }
                #expect(raw == y, "raw weights: \(c.testDescription) at \(isa), \(threads) threads")
            }
        }
    }
}
