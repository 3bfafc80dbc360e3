import DLCore

/// What a recurrent layer returns.
public enum RecurrentOutput: Sendable {
    /// The hidden state after the last step: [batch, hidden].
    case lastState
    /// The hidden state after every step: [batch, steps, hidden].
    case sequence
}

/// Shared shape logic of SimpleRNN, LSTM and GRU: input [batch, steps, features].
protocol RecurrentLayer: Layer {
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    var output: RecurrentOutput { get }
}

extension RecurrentLayer {
    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard input.count == 2, input[1] == inputSize else {
            throw DLError(.shapeMismatch, "\(name) expects per-sample shape [steps, \(inputSize)], got \(input)")
        }
        return output == .sequence ? [input[0], hiddenSize] : [hiddenSize]
    }

    /// Runs `cell` over the steps of x ([batch, steps, gates·hidden] input projections).
    func unroll(_ projections: Tensor, _ cell: (Tensor, Int) -> Tensor) -> Tensor {
        let steps = projections.shape[1]
        var outputs: [Tensor] = []
        for t in 0..<steps { outputs.append(cell(projections.step(t), t)) }
        return output == .sequence ? Tensor.stack(steps: outputs) : outputs[steps - 1]
    }
}
