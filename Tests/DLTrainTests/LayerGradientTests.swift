import Testing
import DLCore
@testable import DLTrain

/// Finite-difference checks of every layer: gradients with respect to the input and
/// to every parameter.
@Suite struct LayerGradientTests {
    static func check(_ layer: any Layer, input: Tensor, tolerance: Float = 3e-3, h: Float = 1e-2) -> Float {
        gradientError([input] + layer.parameters, h: h) { weightedSum(layer.forward(input, training: false)) }
    }

    @Test func dense() {
        #expect(Self.check(Dense(3, 4, seed: 1), input: randomTensor([2, 3], seed: 2)) < 3e-3)
        #expect(Self.check(Dense(3, 2, useBias: false, seed: 1), input: randomTensor([2, 5, 3], seed: 2)) < 3e-3)
    }

    @Test(arguments: [RecurrentOutput.lastState, .sequence])
    func simpleRNN(_ output: RecurrentOutput) {
        #expect(Self.check(SimpleRNN(3, 4, output: output, seed: 3), input: randomTensor([2, 5, 3], seed: 4)) < 3e-3)
    }

    @Test(arguments: [RecurrentOutput.lastState, .sequence])
    func lstm(_ output: RecurrentOutput) {
        #expect(Self.check(LSTM(3, 4, output: output, seed: 5), input: randomTensor([2, 5, 3], seed: 6)) < 3e-3)
    }

    @Test(arguments: [RecurrentOutput.lastState, .sequence])
    func gru(_ output: RecurrentOutput) {
        let layer = GRU(3, 4, output: output, seed: 7)
        for p in layer.parameters where p.shape.count == 1 { p.data = randomTensor(p.shape, seed: 8).data }
        #expect(Self.check(layer, input: randomTensor([2, 5, 3], seed: 9)) < 3e-3)
    }

    @Test func embedding() {
        let layer = Embedding(5, 3, seed: 1)
        let ids = Tensor(shape: [2, 3], data: [0, 4, 4, 2, 1, 0])
        #expect(gradientError(layer.parameters) { weightedSum(layer.forward(ids, training: false)) } < 3e-3)
        let y = layer.forward(ids, training: false)
        #expect(Array(y.data[3..<6]) == Array(layer.table.data[12..<15]))
    }

    @Test func flattenAndActivations() {
        #expect(Self.check(Flatten(), input: randomTensor([2, 3, 2], seed: 1)) < 3e-3)
        for layer in [ReLU(), LeakyReLU(alpha: 0.2), Sigmoid(), Tanh(), GELU(), Softmax()] {
            #expect(Self.check(layer, input: randomTensor([2, 4], seed: 2, awayFromZero: 0.05), h: 1e-3) < 5e-3, "\(layer.name)")
        }
    }

    @Test func dropoutScalesKeptValuesAndPassesGradientThroughTheMask() {
        let layer = Dropout(0.5, seed: 3)
        let x = Tensor(shape: [1000], data: [Float](repeating: 1, count: 1000), requiresGrad: true)
        let y = layer.forward(x, training: true)
        #expect(Set(y.data) == [0, 2])
        let kept = y.data.filter { $0 > 0 }.count
        #expect(kept > 430 && kept < 570)
        y.sum().backward()
        #expect(x.grad! == y.data)
        #expect(layer.forward(x, training: false) === x)
    }
}
