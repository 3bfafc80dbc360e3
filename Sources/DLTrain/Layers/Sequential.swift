import Foundation
import DLCore

/// Layers applied one after another. Building it checks that each layer accepts
/// what the previous one produces, and reports a misfit naming both layers.
///
/// Concretely:
/// ```swift
/// let model = try Sequential(inputShape: [64], seed: 7, [
///     Dense(64, 128), ReLU(), Dense(128, 64), ReLU(), Dense(64, 10),
/// ])
/// ```
public final class Sequential: Layer {
    public var name: String
    public let layers: [any Layer]
    /// Per-sample input shape (no batch dimension).
    public let inputShape: [Int]
    /// Per-sample output shape, known once built.
    public let outputShape: [Int]
    /// Per-sample shape after each layer.
    public let shapes: [[Int]]

    /// - Parameters:
    ///   - inputShape: one sample's shape, e.g. [64] or [1, 28, 28] (channels first).
    ///   - seed: when given, every layer's parameters are redrawn from it in order,
    ///     so the same seed gives bit-identical initial weights.
    public init(inputShape: [Int], seed: UInt64? = nil, name: String? = nil, _ layers: [any Layer]) throws(DLError) {
        guard !layers.isEmpty else { throw DLError(.invalidArgument, "Sequential needs at least one layer") }
        self.name = name ?? LayerNaming.next("sequential")
        self.layers = layers
        self.inputShape = inputShape
        var shape = inputShape
        var shapes: [[Int]] = []
        for (i, layer) in layers.enumerated() {
            do {
                shape = try layer.outputShape(for: shape)
            } catch {
                let previous = i == 0 ? "the model input \(inputShape)" : "\(layers[i - 1].name) (output \(shape))"
                throw DLError(.shapeMismatch, "\(previous) does not fit \(layer.name): \(error.message)")
            }
            shapes.append(shape)
        }
        self.shapes = shapes
        self.outputShape = shape
        if let seed {
            var rng = SeededRandom(seed: seed)
            resetParameters(using: &rng)
        }
    }

    public var parameters: [Tensor] { layers.flatMap { $0.parameters } }
    public var buffers: [Tensor] { layers.flatMap { $0.buffers } }

    /// Parameters and buffers: everything a checkpoint saves.
    public var state: [Tensor] { parameters + buffers }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func resetParameters(using rng: inout SeededRandom) {
        for layer in layers { layer.resetParameters(using: &rng) }
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard input == inputShape else {
            throw DLError(.shapeMismatch, "\(name) expects per-sample shape \(inputShape), got \(input)")
        }
        return outputShape
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var h = x
        for layer in layers { h = layer.forward(h, training: training) }
        return h
    }

    /// One line per layer: name, output shape, parameter count.
    public var summary: String {
        var lines = ["\(name): input \(inputShape)"]
        for (layer, shape) in zip(layers, shapes) {
            let n = layer.parameters.reduce(0) { $0 + $1.count }
            lines.append("  \(layer.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(describing: shape).padding(toLength: 16, withPad: " ", startingAt: 0)) \(n)")
        }
        lines.append("  total parameters: \(parameterCount)")
        return lines.joined(separator: "\n")
    }
}
