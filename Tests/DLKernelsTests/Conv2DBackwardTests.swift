import Testing
import DLCore
@testable import DLKernels
import _TestSupport

/// The chunked backward (`Conv2D.backward`): dX, dW and dB from one call, against the reference
/// kernels, over the forward tests' geometries plus batches split into several chunks.
let convBackwardCases: [ConvCase] = convCases.filter { $0.act == .none } + [
    ConvCase(n: 3, c: 8, h: 64, w: 64, m: 16, kh: 3, kw: 3),                  // one image per chunk
    ConvCase(n: 5, c: 8, h: 40, w: 40, m: 16, kh: 3, kw: 3, pads: (1, 1, 1, 1)), // chunks of 3 and 2
    ConvCase(n: 32, c: 1, h: 28, w: 28, m: 8, kh: 3, kw: 3),                  // the MNIST CNN's layers
    ConvCase(n: 32, c: 8, h: 13, w: 13, m: 16, kh: 3, kw: 3),
]

@Suite struct Conv2DBackwardTests {
    @Test func someCasesSpanSeveralChunks() {
        #expect(Conv2D.backwardChunk(ConvCase(n: 3, c: 8, h: 64, w: 64, m: 16).params) == 1)
        #expect(Conv2D.backwardChunk(ConvCase(n: 5, c: 8, h: 40, w: 40, m: 16, pads: (1, 1, 1, 1)).params) == 3)
    }

    @Test(arguments: convBackwardCases, [1, 2, 3])
    func combinedBackwardMatchesReference(_ c: ConvCase, threads: Int) {
        let p = c.params
        var data = TestData(seed: 4)
        let x = data.floats(p.inputCount), w = data.floats(p.weightCount), dy = data.floats(p.outputCount)
        var dxRef = [Float](repeating: 0, count: p.inputCount), dwRef = [Float](repeating: 0, count: p.weightCount)
        var dbRef = [Float](repeating: 0, count: p.outChannels)
        Conv2D.referenceBackwardInput(p, outputGrad: dy, weight: w, inputGrad: &dxRef)
        Conv2D.referenceBackwardWeight(p, input: x, outputGrad: dy, weightGrad: &dwRef)
        Conv2D.backwardBias(p, outputGrad: dy, biasGrad: &dbRef)
        var dx = [Float](repeating: .nan, count: p.inputCount), dw = [Float](repeating: .nan, count: p.weightCount)
        var db = [Float](repeating: .nan, count: p.outChannels)
        withScratch(Conv2D.backwardScratchByteCount(p)) { s in
            Conv2D.backward(p, input: x, weight: w, outputGrad: dy, inputGrad: &dx, weightGrad: &dw, biasGrad: &db,
                            scratch: s, threads: threads)
        }
        // sums of up to batch·plane products in another order
        #expect(closeRelativeToMax(dx, dxRef, rtol: 1e-5, atol: 1e-5))
        #expect(closeRelativeToMax(dw, dwRef, rtol: 1e-5, atol: 1e-5))
        #expect(closeRelativeToMax(db, dbRef, rtol: 1e-5, atol: 1e-5))
    }

    @Test(arguments: OpsISA.available)
    func pixelMajorColumnsAreTheTransposeOfIm2col(_ isa: Int32) {
        for c in convBackwardCases {
            var q = c.params
            q.batch = 1
            var data = TestData(seed: 6)
            let x = data.floats(q.inChannelsPerGroup * q.inHeight * q.inWidth)
            let (k, plane) = (Conv2D.columnRows(q), q.outHeight * q.outWidth)
            var rows = [Float](repeating: .nan, count: k * plane), pixels = [Float](repeating: .nan, count: k * plane)
            Conv2D.im2col(q, image: x, columns: &rows, pad: 0)
            Conv2D.im2colPixelMajor(q, image: x, columns: &pixels, isa: isa)
            let transposed = (0..<(k * plane)).map { i in rows[(i % k) * plane + i / k] }
            #expect(pixels == transposed, "\(c.testDescription)")
        }
    }
}

// In KernelLevelTests (serialized): it compares the bits of two calls made one after the other,
// which holds only while no level test forces another ISA in between.
extension KernelLevelTests {
    @Test func convBackwardThreadsDoNotChangeTheResult() {
        let p = ConvCase(n: 32, c: 8, h: 13, w: 13, m: 16, kh: 3, kw: 3).params
        var data = TestData(seed: 5)
        let x = data.floats(p.inputCount), w = data.floats(p.weightCount), dy = data.floats(p.outputCount)
        func run(_ threads: Int) -> [Float] {
            var dx = [Float](repeating: .nan, count: p.inputCount), dw = [Float](repeating: .nan, count: p.weightCount)
            var db = [Float](repeating: .nan, count: p.outChannels)
            withScratch(Conv2D.backwardScratchByteCount(p)) { s in
                Conv2D.backward(p, input: x, weight: w, outputGrad: dy, inputGrad: &dx, weightGrad: &dw,
                                biasGrad: &db, scratch: s, threads: threads)
            }
            return dx + dw + db
        }
        #expect(run(1) == run(2))
    }
}
