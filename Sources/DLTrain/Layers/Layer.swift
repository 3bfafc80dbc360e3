import DLCore
import Foundation

/// A building block of a model: maps a batch tensor to a batch tensor and owns
/// its parameters. Shapes exchanged with `outputShape(for:)` are per sample
/// (without the batch dimension), so a model is checked once when it is built.
public protocol Layer: AnyObject {
    /// Shown in summaries and errors and used for tensor names on export.
    var name: String { get set }
    /// The trained tensors, in a fixed order (checkpoints rely on it).
    var parameters: [Tensor] { get }
    /// State that is saved with the weights but not trained (batch-norm running statistics).
    var buffers: [Tensor] { get }
    /// The per-sample output shape for a per-sample input shape, or an error naming the problem.
    func outputShape(for input: [Int]) throws(DLError) -> [Int]
    /// Computes the layer on a batch; `training` switches dropout and batch statistics.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Draws fresh initial parameters from `rng`.
    func resetParameters(using rng: inout SeededRandom)
    /// Appends the layer's nodes to an export graph (see Export/).
    func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value
}

extension Layer {
    public var buffers: [Tensor] { [] }
    public func resetParameters(using rng: inout SeededRandom) {}
    public func callAsFunction(_ x: Tensor, training: Bool = false) -> Tensor { forward(x, training: training) }
}

/// Names layers `dense`, `dense_1`, … when the caller gives none.
enum LayerNaming {
    nonisolated(unsafe) private static var counters: [String: Int] = [:]
    private static let lock = NSLock()
    static func next(_ base: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        let n = counters[base, default: 0]
        counters[base] = n + 1
        return n == 0 ? base : "\(base)_\(n)"
    }
}
