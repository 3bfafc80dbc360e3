import DLCore

/// A fully connected layer: y = x · Wᵀ + b, W [outputs, inputs] (OpCode.dense layout).
/// Works on the last axis, so [batch, time, inputs] gives [batch, time, outputs].
public final class Dense: Layer {
    public var name: String
    public let inputs: Int
    public let outputs: Int
    public let weight: Tensor
    public let bias: Tensor?
    public let weightInitializer: Initializer

    /// - Parameters:
    ///   - inputs, outputs: feature counts.
    ///   - useBias: whether to add a bias (zeros at start).
    ///   - initializer: `.glorotUniform` by default; `.heUniform` suits ReLU.
    ///   - seed: draws the initial weights; a Sequential model redraws them from its own seed.
    public init(_ inputs: Int, _ outputs: Int, useBias: Bool = true,
                initializer: Initializer = .glorotUniform, seed: UInt64 = 0, name: String? = nil) {
        precondition(inputs > 0 && outputs > 0, "Dense(\(inputs), \(outputs)): sizes must be positive")
        self.name = name ?? LayerNaming.next("dense")
        self.inputs = inputs
        self.outputs = outputs
        self.weightInitializer = initializer
        weight = Tensor(zeros: [outputs, inputs], requiresGrad: true)
        bias = useBias ? Tensor(zeros: [outputs], requiresGrad: true) : nil
        var rng = SeededRandom(seed: seed)
        resetParameters(using: &rng)
    }

    public var parameters: [Tensor] { bias.map { [weight, $0] } ?? [weight] }

    public func resetParameters(using rng: inout SeededRandom) {
        weight.data = weightInitializer.values(count: weight.count, fanIn: inputs, fanOut: outputs, using: &rng)
        if let bias { bias.data = [Float](repeating: 0, count: outputs) }
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard let last = input.last, last == inputs else {
            throw DLError(.shapeMismatch, "\(name) expects \(inputs) input features, got per-sample shape \(input)")
        }
        return Array(input.dropLast()) + [outputs]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.dense(weight: weight, bias: bias)
    }
}
