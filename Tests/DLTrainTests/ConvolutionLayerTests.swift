import Testing
import DLCore
@testable import DLTrain

/// Finite-difference checks of the convolution, pooling and normalization layers, and
/// their forward values against direct loops written here.
@Suite struct ConvolutionLayerTests {
    @Test(arguments: [Conv2D.Padding.valid, .same, .explicit(1, 0, 0, 2)])
    func conv2dGradients(_ padding: Conv2D.Padding) {
        let layer = Conv2D(2, 3, kernel: (3, 2), strides: (1, 2), padding: padding, seed: 1)
        layer.bias!.data = [0.1, -0.2, 0.3]
        #expect(LayerGradientTests.check(layer, input: randomTensor([2, 2, 5, 6], seed: 2)) < 3e-3)
    }

    @Test func conv2dForwardMatchesDirectLoops() {
        let layer = Conv2D(2, 3, kernel: (3, 3), padding: .same, seed: 3)
        layer.bias!.data = [0.5, -1, 2]
        let x = randomTensor([2, 2, 4, 5], seed: 4)
        let y = layer.forward(x, training: false)
        #expect(y.shape == [2, 3, 4, 5])
        var worst: Float = 0
        for n in 0..<2 { for m in 0..<3 { for oy in 0..<4 { for ox in 0..<5 {
            var s = layer.bias!.data[m]
            for c in 0..<2 { for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy + ky - 1, ix = ox + kx - 1
                guard iy >= 0, iy < 4, ix >= 0, ix < 5 else { continue }
                s += x.data[((n * 2 + c) * 4 + iy) * 5 + ix] * layer.weight.data[((m * 2 + c) * 3 + ky) * 3 + kx]
            } } }
            worst = max(worst, abs(s - y.data[((n * 3 + m) * 4 + oy) * 5 + ox]))
        } } } }
        #expect(worst < 1e-5)
    }

    @Test func poolingGradientsAndValues() {
        // Distinct values so that the max of every window is unique (finite differences need that).
        let x = Tensor(shape: [2, 2, 4, 6], data: (0..<96).map { Float(($0 * 37) % 96) / 50 - 1 }, requiresGrad: true)
        #expect(LayerGradientTests.check(MaxPool2D(), input: x, h: 1e-3) < 3e-3)
        #expect(LayerGradientTests.check(AvgPool2D((2, 3)), input: x) < 3e-3)
        #expect(LayerGradientTests.check(GlobalAvgPool(), input: x) < 3e-3)
        let y = MaxPool2D().forward(x, training: false)
        #expect(y.shape == [2, 2, 2, 3])
        #expect(y.data[0] == [x.data[0], x.data[1], x.data[6], x.data[7]].max()!)
        let g = GlobalAvgPool().forward(x, training: false)
        #expect(abs(g.data[1] - x.data[24..<48].reduce(0, +) / 24) < 1e-5)
    }

    @Test func batchNormTrainingGradientsAndStatistics() {
        let layer = BatchNorm(3)
        layer.scale.data = [1.5, -0.5, 2]
        layer.bias.data = [0.1, 0.2, -0.3]
        let x = randomTensor([4, 3, 2, 2], seed: 5)
        #expect(gradientError([x] + layer.parameters) { weightedSum(layer.forward(x, training: true)) } < 3e-3)
        let flat = randomTensor([5, 3], seed: 6)
        #expect(gradientError([flat] + layer.parameters) { weightedSum(layer.forward(flat, training: true)) } < 3e-3)
        // Normalized output of channel 0: zero mean, unit (biased) variance before scale/bias.
        let fresh = BatchNorm(3)
        let y = fresh.forward(x, training: true)
        let ch0 = (0..<4).flatMap { n in (0..<4).map { y.data[n * 12 + $0] } }
        let mean = ch0.reduce(0, +) / 16
        #expect(abs(mean) < 1e-5)
        #expect(abs(ch0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16 - 1) < 1e-3)
        // Running mean moved 10% of the way to the batch mean.
        let x0 = (0..<4).flatMap { n in (0..<4).map { x.data[n * 12 + $0] } }
        #expect(abs(fresh.runningMean.data[0] - 0.1 * x0.reduce(0, +) / 16) < 1e-6)
        // Inference uses the running statistics.
        #expect(gradientError([x] + layer.parameters) { weightedSum(layer.forward(x, training: false)) } < 3e-3)
    }

    @Test func layerNormGradients() {
        let layer = LayerNorm(4)
        layer.scale.data = [1, 2, -1, 0.5]
        layer.bias.data = [0, 0.1, 0.2, 0.3]
        #expect(LayerGradientTests.check(layer, input: randomTensor([3, 2, 4], seed: 7)) < 3e-3)
    }

    @Test func convolutionalModelShapesAreCheckedAtBuild() {
        #expect(throws: DLError.self) {
            try Sequential(inputShape: [1, 28, 28], [Conv2D(3, 8, kernel: (3, 3))])
        }
        do {
            _ = try Sequential(inputShape: [1, 28, 28], [Conv2D(1, 8, kernel: (3, 3)), MaxPool2D(), Flatten(), Dense(100, 10)])
            Issue.record("expected a shape error")
        } catch {
            #expect(error.message.contains("flatten") && error.message.contains("1352"))
        }
    }
}
