import Testing
@testable import DLKernels
import _TestSupport

/// The backward that takes the forward's output, bit-exact against the per-output reference:
/// coarse values make ties (the first maximum of a window wins), with ±0 and NaN in the input,
/// at every dispatch level.
@Suite struct MaxPool2DBackwardTests {
    static let cases: [Pool2DParams] = PoolingTests.poolCases + [
        Pool2DParams(batch: 32, channels: 8, inHeight: 26, inWidth: 26, kernel: (2, 2), strides: (2, 2)),
        Pool2DParams(batch: 2, channels: 16, inHeight: 11, inWidth: 11, kernel: (2, 2), strides: (2, 2)),
        Pool2DParams(batch: 1, channels: 3, inHeight: 8, inWidth: 9, kernel: (2, 2), strides: (2, 2), pads: (0, 0, 1, 1)),
    ]

    @Test func theCNNsPoolsTakeTheBranchFreePath() {
        #expect(Self.cases[Self.cases.count - 3].hasOnlyFull2x2Windows)
        #expect(Self.cases[Self.cases.count - 2].hasOnlyFull2x2Windows)
    }

    @Test(arguments: cases, OpsISA.available)
    func backwardFromOutputMatchesReference(_ p: Pool2DParams, isa: Int32) {
        var data = TestData(seed: 21)
        for coarse in [false, true] {
            var x = data.floats(p.inputCount).map { coarse ? ($0 * 2).rounded() : $0 }
            if coarse {
                for i in stride(from: 0, to: x.count, by: 7) { x[i] = -0.0 }
                for i in stride(from: 3, to: x.count, by: 41) { x[i] = .nan }
            }
            let dy = data.floats(p.outputCount)
            var y = [Float](repeating: .nan, count: p.outputCount)
            MaxPool2D.forward(p, input: x, output: &y)
            var fast = [Float](repeating: .nan, count: p.inputCount), ref = fast
            MaxPool2D.backward(p, input: x, output: y, outputGrad: dy, inputGrad: &fast, isa: isa)
            MaxPool2D.backwardReference(p, input: x, outputGrad: dy, inputGrad: &ref)
            #expect(fast.map(\.bitPattern) == ref.map(\.bitPattern))
        }
    }
}
