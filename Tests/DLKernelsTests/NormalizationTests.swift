import Testing
@testable import DLKernels
import _TestSupport

@Suite struct NormalizationTests {
    @Test func batchNormInferenceMatchesFormula() {
        var data = TestData(seed: 41)
        let (n, c, plane) = (2, 3, 5)
        let x = data.floats(n * c * plane), scale = data.floats(c), bias = data.floats(c)
        let mean = data.floats(c), variance = data.floats(c, in: 0.1...2)
        var y = [Float](repeating: .nan, count: x.count)
        BatchNorm.forward(batch: n, channels: c, planeSize: plane, input: x, scale: scale, bias: bias,
                          mean: mean, variance: variance, epsilon: 1e-5, output: &y)
        for i in x.indices {
            let ch = (i / plane) % c
            let e = Double(scale[ch]) * (Double(x[i]) - Double(mean[ch])) / (Double(variance[ch]) + 1e-5).squareRoot() + Double(bias[ch])
            #expect(abs(Double(y[i]) - e) <= 1e-5)
        }
    }

    func trainingForward(_ n: Int, _ c: Int, _ plane: Int, _ x: [Float], _ scale: [Float], _ bias: [Float])
        -> (y: [Float], mean: [Float], invStd: [Float], variance: [Float]) {
        var y = [Float](repeating: .nan, count: x.count)
        var mean = [Float](repeating: .nan, count: c), inv = mean, variance = mean
        BatchNorm.forwardTraining(batch: n, channels: c, planeSize: plane, input: x, scale: scale, bias: bias,
                                  epsilon: 1e-5, output: &y, savedMean: &mean, savedInvStd: &inv, batchVariance: &variance)
        return (y, mean, inv, variance)
    }

    @Test func batchNormTrainingUsesBatchStatistics() {
        var data = TestData(seed: 42)
        let (n, c, plane) = (3, 2, 4)
        let x = data.floats(n * c * plane, in: -3...3)
        let r = trainingForward(n, c, plane, x, [1, 1], [0, 0])
        for ch in 0..<c {
            let vals = (0..<n).flatMap { b in (0..<plane).map { Double(x[(b * c + ch) * plane + $0]) } }
            let m = vals.reduce(0, +) / Double(vals.count)
            let v = vals.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(vals.count)
            #expect(abs(Double(r.mean[ch]) - m) <= 1e-6)
            #expect(abs(Double(r.invStd[ch]) - 1 / (v + 1e-5).squareRoot()) <= 1e-4)
            #expect(abs(Double(r.variance[ch]) - v * Double(vals.count) / Double(vals.count - 1)) <= 1e-5)
        }
        // normalised output: zero mean, unit variance per channel
        for ch in 0..<c {
            let ys = (0..<n).flatMap { b in (0..<plane).map { Double(r.y[(b * c + ch) * plane + $0]) } }
            #expect(abs(ys.reduce(0, +) / Double(ys.count)) <= 1e-5)
        }
    }

    @Test func batchNormGradientsMatchFiniteDifferences() {
        var data = TestData(seed: 43)
        let (n, c, plane) = (2, 3, 4)
        let x = data.floats(n * c * plane, in: -2...2), scale = data.floats(c, in: 0.5...1.5)
        let bias = data.floats(c), r = data.floats(x.count)
        let f = trainingForward(n, c, plane, x, scale, bias)
        var dx = [Float](repeating: .nan, count: x.count), ds = [Float](repeating: .nan, count: c), db = ds
        BatchNorm.backward(batch: n, channels: c, planeSize: plane, input: x, outputGrad: r, scale: scale,
                           savedMean: f.mean, savedInvStd: f.invStd, inputGrad: &dx, scaleGrad: &ds, biasGrad: &db)
        #expect(closeRelativeToMax(dx, numericGradient(x, eps: 1e-3) { dot(self.trainingForward(n, c, plane, $0, scale, bias).y, r) }, rtol: 5e-3))
        #expect(closeRelativeToMax(ds, numericGradient(scale, eps: 1e-3) { dot(self.trainingForward(n, c, plane, x, $0, bias).y, r) }, rtol: 5e-3))
        #expect(closeRelativeToMax(db, numericGradient(bias, eps: 1e-3) { dot(self.trainingForward(n, c, plane, x, scale, $0).y, r) }, rtol: 5e-3))
    }

    func layerNorm(_ rows: Int, _ size: Int, _ x: [Float], _ scale: [Float], _ bias: [Float]?)
        -> (y: [Float], mean: [Float], invStd: [Float]) {
        var y = [Float](repeating: .nan, count: x.count)
        var mean = [Float](repeating: .nan, count: rows), inv = mean
        if let bias {
            LayerNorm.forward(rows: rows, size: size, input: x, scale: scale, bias: bias, epsilon: 1e-5,
                              output: &y, savedMean: &mean, savedInvStd: &inv)
        } else {
            LayerNorm.forward(rows: rows, size: size, input: x, scale: scale, bias: nil, epsilon: 1e-5,
                              output: &y, savedMean: &mean, savedInvStd: &inv)
        }
        return (y, mean, inv)
    }

    @Test(arguments: [(1, 7), (3, 17), (4, 1), (2, 65)])
    func layerNormMatchesFormulaAndGradients(_ shape: (Int, Int)) {
        let (rows, size) = shape
        var data = TestData(seed: 44)
        let x = data.floats(rows * size, in: -3...3), scale = data.floats(size, in: 0.5...1.5)
        let bias = data.floats(size), r = data.floats(x.count)
        let f = layerNorm(rows, size, x, scale, bias)
        for row in 0..<rows {
            let v = (0..<size).map { Double(x[row * size + $0]) }
            let m = v.reduce(0, +) / Double(size)
            let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(size)
            for j in 0..<size {
                let e = (v[j] - m) / (variance + 1e-5).squareRoot() * Double(scale[j]) + Double(bias[j])
                #expect(abs(Double(f.y[row * size + j]) - e) <= 1e-4)
            }
        }
        let noBias = layerNorm(rows, size, x, scale, nil).y
        #expect(allClose(noBias.indices.map { noBias[$0] + bias[$0 % size] }, f.y, rtol: 1e-5, atol: 1e-5))
        var dx = [Float](repeating: .nan, count: x.count), ds = [Float](repeating: .nan, count: size), db = ds
        LayerNorm.backward(rows: rows, size: size, input: x, outputGrad: r, scale: scale, savedMean: f.mean,
                           savedInvStd: f.invStd, inputGrad: &dx, scaleGrad: &ds, biasGrad: &db)
        if size > 1 {
            #expect(closeRelativeToMax(dx, numericGradient(x, eps: 1e-3) { dot(self.layerNorm(rows, size, $0, scale, bias).y, r) }, rtol: 5e-3))
        }
        #expect(closeRelativeToMax(ds, numericGradient(scale, eps: 1e-3) { dot(self.layerNorm(rows, size, x, $0, bias).y, r) }, rtol: 5e-3))
        #expect(closeRelativeToMax(db, numericGradient(bias, eps: 1e-3) { dot(self.layerNorm(rows, size, x, scale, $0).y, r) }, rtol: 5e-3))
    }
}
