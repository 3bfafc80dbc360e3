import DLCore

/// Integer ids -> learned vectors: [batch, steps] (ids stored as Float) -> [batch, steps, width].
/// Exported as OpCode.gather on the table. Ids outside the vocabulary give zero vectors.
public final class Embedding: Layer {
    public var name: String
    public let vocabularySize: Int
    public let width: Int
    public let table: Tensor

    public init(_ vocabularySize: Int, _ width: Int, seed: UInt64 = 0, name: String? = nil) {
        self.name = name ?? LayerNaming.next("embedding")
        self.vocabularySize = vocabularySize
        self.width = width
        table = Tensor(zeros: [vocabularySize, width], requiresGrad: true)
        var rng = SeededRandom(seed: seed)
        resetParameters(using: &rng)
    }

    public var parameters: [Tensor] { [table] }

    public func resetParameters(using rng: inout SeededRandom) {
        table.data = Initializer.uniform(-0.05, 0.05).values(count: table.count, fanIn: 1, fanOut: 1, using: &rng)
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] { input + [width] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor { x.gatherRows(from: table) }
}
