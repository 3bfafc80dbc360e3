import DLCore

/// A float tensor that records how it was computed, so that `backward()` can
/// push gradients to every tensor it came from (reverse-mode autodiff).
///
/// Concretely:
/// ```swift
/// let w = Tensor(shape: [3, 2], data: ..., requiresGrad: true)
/// let loss = (x.matmul(w)).sum()
/// loss.backward()          // w.grad now holds d loss / d w
/// ```
/// Storage is row-major `[Float]`. Each op (the `Tensor+*.swift` files) computes
/// its forward value and registers its backward rule right beside it; the tape
/// logic (topological order, accumulation, broadcast reduction) lives in Tape.swift.
public final class Tensor {
    /// Dimensions, outermost first (the batch, for activations).
    public internal(set) var shape: [Int]
    /// The values, row-major.
    public var data: [Float]
    /// d(loss)/d(self) after `backward()`, same count as `data`; nil until then.
    public var grad: [Float]?
    /// Whether gradients flow into this tensor (parameters and everything computed from them).
    public internal(set) var requiresGrad: Bool

    /// The tensors this one was computed from, and the rule that sends `grad` to them.
    var parents: [Tensor] = []
    var backwardRule: ((Tensor) -> Void)?

    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    public convenience init(scalar: Float) {
        self.init(shape: [], data: [scalar])
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The single value of a one-element tensor (a loss, typically).
    public var scalar: Float { data[0] }

    /// A copy that does not track gradients.
    public func detached() -> Tensor { Tensor(shape: shape, data: data) }

    /// Creates the result of an op: tracked when any input is tracked and recording is on.
    static func result(shape: [Int], data: [Float], parents: [Tensor],
                       backward: @escaping (Tensor) -> Void) -> Tensor {
        let out = Tensor(shape: shape, data: data)
        if GradientRecording.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            out.requiresGrad = true
            out.parents = parents
            out.backwardRule = backward
        }
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = data.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(head)\(data.count > 8 ? ", …" : "")])"
    }
}

/// Whether ops record backward rules: off inside `withoutGradients` (evaluation,
/// prediction). Task-local, so concurrent trainings and tests do not affect each other.
public enum GradientRecording {
    @TaskLocal static var disabled = false
    static var isEnabled: Bool { !disabled }
}

/// Runs `body` without recording the tape: faster and frees memory at once.
public func withoutGradients<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = GradientRecording.$disabled.withValue(true) {
        do throws(E) { return .success(try body()) } catch { return .failure(error) }
    }
    return try result.get()
}
