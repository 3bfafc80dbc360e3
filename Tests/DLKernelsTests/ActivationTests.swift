import Testing
import CDLKernels
@testable import DLKernels
import _TestSupport

@Suite struct ActivationTests {
    static let x: [Float] = [-30, -6, -3, -1.5, -0.7, -0.01, 0, 0.01, 0.5, 1, 2.5, 6, 7, 40]

    func map(_ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        f(x, &y, x.count)
        return y
    }

    @Test func pointwiseForwardsMatchTheirDefinitions() {
        let x = Self.x
        #expect(map({ Relu.forward($0, $1, count: $2) }, x) == x.map { max($0, 0) })
        #expect(map({ Clip.forward($0, $1, count: $2, lower: 0, upper: 6) }, x) == x.map { min(max($0, 0), 6) })
        #expect(map({ LeakyRelu.forward($0, $1, count: $2, alpha: 0.1) }, x) == x.map { $0 >= 0 ? $0 : 0.1 * $0 })
        let sig = map({ Sigmoid.forward($0, $1, count: $2) }, x)
        let tanhY = map({ Tanh.forward($0, $1, count: $2) }, x)
        let gelu = map({ Gelu.forward($0, $1, count: $2) }, x)
        let geluT = map({ Gelu.forward($0, $1, count: $2, approximation: .tanh) }, x)
        for i in x.indices {
            let v = Double(x[i])
            #expect(abs(Double(sig[i]) - 1 / (1 + dlk_exp(-v))) <= 1e-7)
            #expect(abs(Double(tanhY[i]) - dlk_tanh(v)) <= 1e-7)
            #expect(abs(Double(gelu[i]) - 0.5 * v * (1 + dlk_erf(v / 2.0.squareRoot()))) <= 1e-6 * max(1, abs(v)))
            let u = (2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
            #expect(abs(Double(geluT[i]) - 0.5 * v * (1 + dlk_tanh(u))) <= 1e-6 * max(1, abs(v)))
        }
        var q = [Int8](repeating: 0, count: 4)
        Relu.forward([-5, 2, 3, 4], &q, count: 4, zeroPoint: 3)
        #expect(q == [3, 3, 3, 4])
    }

    @Test func pointwiseGradientsMatchFiniteDifferences() {
        // points away from the kinks of relu/clip/leaky relu
        let x: [Float] = [-5, -2.2, -0.9, -0.3, 0.2, 0.8, 1.7, 3.1, 5.5, 6.4]
        var data = TestData(seed: 31)
        let r = data.floats(x.count)
        let n = x.count
        func check(_ forward: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                   _ grad: [Float], _ name: String) {
            let numeric = numericGradient(x, eps: 1e-3) { dot(self.map(forward, $0), r) }
            #expect(closeRelativeToMax(grad, numeric, rtol: 2e-3, atol: 2e-3), "\(name)")
        }
        var dx = [Float](repeating: .nan, count: n)
        Relu.backward(input: x, outputGrad: r, inputGrad: &dx, count: n)
        check({ Relu.forward($0, $1, count: $2) }, dx, "relu")
        Clip.backward(input: x, outputGrad: r, inputGrad: &dx, count: n, lower: 0, upper: 6)
        check({ Clip.forward($0, $1, count: $2, lower: 0, upper: 6) }, dx, "clip")
        LeakyRelu.backward(input: x, outputGrad: r, inputGrad: &dx, count: n, alpha: 0.2)
        check({ LeakyRelu.forward($0, $1, count: $2, alpha: 0.2) }, dx, "leaky")
        let s = map({ Sigmoid.forward($0, $1, count: $2) }, x)
        Sigmoid.backward(output: s, outputGrad: r, inputGrad: &dx, count: n)
        check({ Sigmoid.forward($0, $1, count: $2) }, dx, "sigmoid")
        let t = map({ Tanh.forward($0, $1, count: $2) }, x)
        Tanh.backward(output: t, outputGrad: r, inputGrad: &dx, count: n)
        check({ Tanh.forward($0, $1, count: $2) }, dx, "tanh")
        for a in [Gelu.Approximation.none, .tanh] {
            Gelu.backward(input: x, outputGrad: r, inputGrad: &dx, count: n, approximation: a)
            check({ Gelu.forward($0, $1, count: $2, approximation: a) }, dx, "gelu \(a)")
        }
    }

    static let views = [AxisView(outer: 1, axis: 10, inner: 1), AxisView(outer: 3, axis: 7, inner: 5),
                        AxisView(outer: 2, axis: 1, inner: 4), AxisView(outer: 4, axis: 65, inner: 1),
                        AxisView(shape: [2, 3, 4], axis: 1), AxisView(shape: [2, 3, 4], axis: -1)]

    @Test(arguments: views)
    func softmaxSumsToOneAndMatchesDoublePrecision(_ v: AxisView) {
        var data = TestData(seed: 32)
        let x = data.floats(v.count, in: -20...20)
        var y = [Float](repeating: .nan, count: v.count), ly = y
        Softmax.forward(v, x, &y)
        LogSoftmax.forward(v, x, &ly)
        for o in 0..<v.outer {
            for i in 0..<v.inner {
                let idx = (0..<v.axis).map { (o * v.axis + $0) * v.inner + i }
                let m = idx.map { Double(x[$0]) }.max()!
                let z = idx.reduce(0.0) { $0 + dlk_exp(Double(x[$1]) - m) }
                let logZ = dlk_log(z)
                #expect(abs(idx.reduce(0.0) { $0 + Double(y[$1]) } - 1) <= 1e-5)
                for j in idx {
                    #expect(abs(Double(y[j]) - dlk_exp(Double(x[j]) - m) / z) <= 1e-6)
                    #expect(abs(Double(ly[j]) - (Double(x[j]) - m - logZ)) <= 1e-5)
                }
            }
        }
    }

    @Test(arguments: views)
    func softmaxGradientsMatchFiniteDifferences(_ v: AxisView) {
        var data = TestData(seed: 33)
        let x = data.floats(v.count, in: -2...2), r = data.floats(v.count)
        var y = [Float](repeating: 0, count: v.count), dx = y
        Softmax.forward(v, x, &y)
        Softmax.backward(v, output: y, outputGrad: r, inputGrad: &dx)
        let numeric = numericGradient(x, eps: 1e-3) { x in
            var y = [Float](repeating: 0, count: v.count); Softmax.forward(v, x, &y); return dot(y, r)
        }
        #expect(closeRelativeToMax(dx, numeric, rtol: 3e-3, atol: 1e-3))
        LogSoftmax.forward(v, x, &y)
        LogSoftmax.backward(v, output: y, outputGrad: r, inputGrad: &dx)
        let numericLog = numericGradient(x, eps: 1e-3) { x in
            var y = [Float](repeating: 0, count: v.count); LogSoftmax.forward(v, x, &y); return dot(y, r)
        }
        #expect(closeRelativeToMax(dx, numericLog, rtol: 3e-3, atol: 1e-3))
    }
}
