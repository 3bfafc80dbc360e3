import DLCore

/// Long short-term memory (ONNX LSTM, gate order i, o, f, c):
/// [i o f c̃] = xₜ·Wᵀ + hₜ₋₁·Rᵀ + b; cₜ = σ(f)⊙cₜ₋₁ + σ(i)⊙tanh(c̃); hₜ = σ(o)⊙tanh(cₜ).
/// W [4·hidden, input], R [4·hidden, hidden], b [4·hidden] (exported as Wb = b, Rb = 0),
/// so export copies the weights as they are. The forget-gate bias starts at 1.
public final class LSTM: RecurrentLayer {
    public var name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let output: RecurrentOutput
    public let weight: Tensor, recurrentWeight: Tensor, bias: Tensor

    public init(_ inputSize: Int, _ hiddenSize: Int, output: RecurrentOutput = .lastState, seed: UInt64 = 0, name: String? = nil) {
        self.name = name ?? LayerNaming.next("lstm")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.output = output
        weight = Tensor(zeros: [4 * hiddenSize, inputSize], requiresGrad: true)
        recurrentWeight = Tensor(zeros: [4 * hiddenSize, hiddenSize], requiresGrad: true)
        bias = Tensor(zeros: [4 * hiddenSize], requiresGrad: true)
        var rng = SeededRandom(seed: seed)
        resetParameters(using: &rng)
    }

    public var parameters: [Tensor] { [weight, recurrentWeight, bias] }

    public func resetParameters(using rng: inout SeededRandom) {
        let h = hiddenSize
        weight.data = Initializer.glorotUniform.values(count: weight.count, fanIn: inputSize, fanOut: 4 * h, using: &rng)
        recurrentWeight.data = Initializer.glorotUniform.values(count: recurrentWeight.count, fanIn: h, fanOut: 4 * h, using: &rng)
        bias.data = (0..<(4 * h)).map { $0 >= 2 * h && $0 < 3 * h ? 1 : 0 }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.recurrent(.lstm, weight: weight, recurrentWeight: recurrentWeight, inputBias: bias, recurrentBias: nil, output: output)
    }
}
