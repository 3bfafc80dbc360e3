import DLCore

/// Elman RNN (ONNX RNN, tanh): hₜ = tanh(xₜ·Wᵀ + hₜ₋₁·Rᵀ + b).
/// W [hidden, input], R [hidden, hidden], b [hidden] (exported as Wb = b, Rb = 0).
public final class SimpleRNN: RecurrentLayer {
    public var name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let output: RecurrentOutput
    public let weight: Tensor, recurrentWeight: Tensor, bias: Tensor

    public init(_ inputSize: Int, _ hiddenSize: Int, output: RecurrentOutput = .lastState, seed: UInt64 = 0, name: String? = nil) {
        self.name = name ?? LayerNaming.next("rnn")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.output = output
        weight = Tensor(zeros: [hiddenSize, inputSize], requiresGrad: true)
        recurrentWeight = Tensor(zeros: [hiddenSize, hiddenSize], requiresGrad: true)
        bias = Tensor(zeros: [hiddenSize], requiresGrad: true)
        var rng = SeededRandom(seed: seed)
        resetParameters(using: &rng)
    }

    public var parameters: [Tensor] { [weight, recurrentWeight, bias] }

    public func resetParameters(using rng: inout SeededRandom) {
        weight.data = Initializer.glorotUniform.values(count: weight.count, fanIn: inputSize, fanOut: hiddenSize, using: &rng)
        recurrentWeight.data = Initializer.glorotUniform.values(count: recurrentWeight.count, fanIn: hiddenSize, fanOut: hiddenSize, using: &rng)
        bias.data = [Float](repeating: 0, count: hiddenSize)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.recurrent(.rnn, weight: weight, recurrentWeight: recurrentWeight, inputBias: bias, recurrentBias: nil, output: output)
    }
}
