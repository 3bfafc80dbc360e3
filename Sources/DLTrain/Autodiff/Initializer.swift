/// How a weight tensor starts: Glorot (Xavier) for tanh/sigmoid/linear layers,
/// He (Kaiming) for ReLU layers, from fan-in and fan-out.
public enum Initializer: Sendable, Equatable {
    case zeros
    case constant(Float)
    /// U(-a, a) with a = sqrt(6 / (fanIn + fanOut)).
    case glorotUniform
    /// N(0, 2 / (fanIn + fanOut)).
    case glorotNormal
    /// U(-a, a) with a = sqrt(6 / fanIn).
    case heUniform
    /// N(0, 2 / fanIn).
    case heNormal
    case uniform(Float, Float)

    public func values(count: Int, fanIn: Int, fanOut: Int, using rng: inout SeededRandom) -> [Float] {
        let fi = Float(max(fanIn, 1)), fo = Float(max(fanOut, 1))
        switch self {
        case .zeros: return [Float](repeating: 0, count: count)
        case .constant(let v): return [Float](repeating: v, count: count)
        case .glorotUniform: return Self.uniform(count, limit: (6 / (fi + fo)).squareRoot(), &rng)
        case .glorotNormal: return Self.normal(count, std: (2 / (fi + fo)).squareRoot(), &rng)
        case .heUniform: return Self.uniform(count, limit: (6 / fi).squareRoot(), &rng)
        case .heNormal: return Self.normal(count, std: (2 / fi).squareRoot(), &rng)
        case .uniform(let lo, let hi): return (0..<count).map { _ in lo + (hi - lo) * rng.nextUniform() }
        }
    }

    private static func uniform(_ n: Int, limit: Float, _ rng: inout SeededRandom) -> [Float] {
        (0..<n).map { _ in (2 * rng.nextUniform() - 1) * limit }
    }

    private static func normal(_ n: Int, std: Float, _ rng: inout SeededRandom) -> [Float] {
        (0..<n).map { _ in rng.nextNormal() * std }
    }
}
