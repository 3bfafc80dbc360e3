import DLCore

/// Gated recurrent unit (ONNX GRU, gate order z, r, h, with linear_before_reset = 1 as in
/// PyTorch): z = σ(xW_z + Wb_z + hR_z + Rb_z), r = σ(… r …),
/// n = tanh(xW_h + Wb_h + r ⊙ (hR_h + Rb_h)), hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁.
/// W [3·hidden, input], R [3·hidden, hidden], Wb and Rb [3·hidden].
public final class GRU: RecurrentLayer {
    public var name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let output: RecurrentOutput
    public let weight: Tensor, recurrentWeight: Tensor, inputBias: Tensor, recurrentBias: Tensor

    public init(_ inputSize: Int, _ hiddenSize: Int, output: RecurrentOutput = .lastState, seed: UInt64 = 0, name: String? = nil) {
        self.name = name ?? LayerNaming.next("gru")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.output = output
        weight = Tensor(zeros: [3 * hiddenSize, inputSize], requiresGrad: true)
        recurrentWeight = Tensor(zeros: [3 * hiddenSize, hiddenSize], requiresGrad: true)
        inputBias = Tensor(zeros: [3 * hiddenSize], requiresGrad: true)
        recurrentBias = Tensor(zeros: [3 * hiddenSize], requiresGrad: true)
        var rng = SeededRandom(seed: seed)
        resetParameters(using: &rng)
    }

    public var parameters: [Tensor] { [weight, recurrentWeight, inputBias, recurrentBias] }

    public func resetParameters(using rng: inout SeededRandom) {
        let h = hiddenSize
        weight.data = Initializer.glorotUniform.values(count: weight.count, fanIn: inputSize, fanOut: 3 * h, using: &rng)
        recurrentWeight.data = Initializer.glorotUniform.values(count: recurrentWeight.count, fanIn: h, fanOut: 3 * h, using: &rng)
        inputBias.data = [Float](repeating: 0, count: 3 * h)
        recurrentBias.data = [Float](repeating: 0, count: 3 * h)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.recurrent(.gru, weight: weight, recurrentWeight: recurrentWeight, inputBias: inputBias,
                    recurrentBias: recurrentBias, output: output)
    }
}
