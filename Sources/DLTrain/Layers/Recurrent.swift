import DLCore

/// What a recurrent layer returns.
public enum RecurrentOutput: Sendable {
    /// The hidden state after the last step: [batch, hidden].
    case lastState
    /// The hidden state after every step: [batch, steps, hidden].
    case sequence
}

/// Shared shape logic of SimpleRNN, LSTM and GRU: input [batch, steps, features]. Their
/// forward is one `Tensor.recurrent` op on the DLKernels sequence kernels.
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
}
