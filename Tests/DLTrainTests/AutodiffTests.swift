import Testing
@testable import DLTrain

@Suite struct AutodiffTests {
    @Test func arithmeticWithBroadcastingMatchesFiniteDifferences() {
        let a = randomTensor([3, 4], seed: 1), b = randomTensor([4], seed: 2)
        let c = randomTensor([3, 1], seed: 3, awayFromZero: 0.5)
        let err = gradientError([a, b, c]) { weightedSum((a + b) * c - a / c + b * 2) }
        #expect(err < 2e-3)
    }

    @Test func broadcastGradientSumsOverExpandedAxes() {
        let b = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let a = Tensor(shape: [3, 2], data: [Float](repeating: 0, count: 6))
        (a + b).sum().backward()
        #expect(b.grad == [3, 3])
    }

    @Test func matmulMatchesFiniteDifferences() {
        let a = randomTensor([3, 5], seed: 4), b = randomTensor([5, 2], seed: 5)
        #expect(gradientError([a, b]) { weightedSum(a.matmul(b)) } < 2e-3)
    }

    @Test func matmulForwardMatchesNaiveProduct() {
        let a = randomTensor([4, 3], seed: 6), b = randomTensor([3, 5], seed: 7)
        let y = a.matmul(b)
        for i in 0..<4 {
            for j in 0..<5 {
                var s: Float = 0
                for k in 0..<3 { s += a.data[i * 3 + k] * b.data[k * 5 + j] }
                #expect(abs(y.data[i * 5 + j] - s) < 1e-5)
            }
        }
    }

    @Test func denseMatchesFiniteDifferences() {
        let x = randomTensor([4, 3], seed: 8), w = randomTensor([5, 3], seed: 9), b = randomTensor([5], seed: 10)
        #expect(gradientError([x, w, b]) { weightedSum(x.dense(weight: w, bias: b)) } < 2e-3)
    }

    @Test(arguments: ["relu", "leakyRelu", "sigmoid", "tanh", "gelu", "softmax", "logSoftmax", "exp", "abs", "squared"])
    func activationMatchesFiniteDifferences(_ name: String) {
        let x = randomTensor([3, 4], seed: 11, awayFromZero: 0.05)
        let f: (Tensor) -> Tensor = switch name {
        case "relu": { $0.relu() }
        case "leakyRelu": { $0.leakyRelu(alpha: 0.1) }
        case "sigmoid": { $0.sigmoid() }
        case "tanh": { $0.tanh() }
        case "gelu": { $0.gelu() }
        case "softmax": { $0.softmax() }
        case "logSoftmax": { $0.logSoftmax() }
        case "exp": { $0.exp() }
        case "abs": { $0.abs() }
        default: { $0.squared() }
        }
        #expect(gradientError([x], h: 1e-3) { weightedSum(f(x)) } < 5e-3)
    }

    @Test func logOfPositiveValuesMatchesFiniteDifferences() {
        let x = Tensor(shape: [4], data: [0.5, 1, 2, 3], requiresGrad: true)
        #expect(gradientError([x], h: 1e-3) { weightedSum(x.log()) } < 5e-3)
    }

    @Test func reductionsAndReshapeMatchFiniteDifferences() {
        let x = randomTensor([2, 3, 2], seed: 12)
        #expect(gradientError([x]) { weightedSum(x.reshaped([6, 2]).sumLastAxis()) + x.mean() } < 2e-3)
        #expect(gradientError([x]) { weightedSum(x.slice(axis0: 1..<2)) } < 2e-3)
    }

    @Test func aTensorUsedTwiceGetsBothContributions() {
        let x = Tensor(shape: [1], data: [3], requiresGrad: true)
        (x * x + x).sum().backward()
        #expect(x.grad == [7])
    }

    @Test func noTapeIsRecordedWithoutGradients() {
        let x = randomTensor([2], seed: 1)
        let y = withoutGradients { x * 2 }
        #expect(!y.requiresGrad)
    }
}
