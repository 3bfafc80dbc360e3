import DLCore

/// Zeroes each input with probability `rate` while training and scales the rest by
/// 1 / (1 - rate) (inverted dropout), so inference is the identity.
public final class Dropout: Layer {
    public var name: String
    public let rate: Float
    private var rng: SeededRandom

    public init(_ rate: Float, seed: UInt64 = 0, name: String? = nil) {
        precondition(rate >= 0 && rate < 1, "Dropout rate \(rate) must be in [0, 1)")
        self.rate = rate
        self.rng = SeededRandom(seed: seed)
        self.name = name ?? LayerNaming.next("dropout")
    }

    public var parameters: [Tensor] { [] }

    public func resetParameters(using rng: inout SeededRandom) {
        self.rng = SeededRandom(seed: rng.next())
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else { return x }
        let keep = 1 / (1 - rate)
        let mask = Tensor(shape: x.shape, data: (0..<x.count).map { _ in rng.nextUniform() < rate ? 0 : keep })
        return x * mask
    }
}
