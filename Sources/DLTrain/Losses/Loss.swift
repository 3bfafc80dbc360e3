import DLCore

/// The loss a model is trained with, chosen by value so that `fit` can pair it with
/// the right kind of targets (class indices or values).
public enum Loss: Sendable {
    case meanSquaredError
    case meanAbsoluteError
    /// Sigmoid outputs, targets in [0, 1]; the model outputs logits.
    case binaryCrossEntropy
    /// Softmax over classes; the model outputs logits, targets are class indices.
    case crossEntropy

    public var name: String {
        switch self {
        case .meanSquaredError: return "mse"
        case .meanAbsoluteError: return "mae"
        case .binaryCrossEntropy: return "bce"
        case .crossEntropy: return "cross-entropy"
        }
    }

    /// The reduced loss of a batch's outputs against its targets.
    func compute(_ output: Tensor, _ targets: Targets, rows: [Int], reduction: LossReduction = .mean) throws(DLError) -> Tensor {
        switch (self, targets) {
        case (.crossEntropy, .classes(let labels, _)):
            return try DLTrain.crossEntropy(logits: output, labels: rows.map { labels[$0] }, reduction: reduction)
        case (.crossEntropy, .values):
            return DLTrain.crossEntropy(logits: output, targets: try targets.batchTensor(rows: rows, like: output), reduction: reduction)
        case (.meanSquaredError, _):
            return DLTrain.meanSquaredError(output, try targets.batchTensor(rows: rows, like: output), reduction: reduction)
        case (.meanAbsoluteError, _):
            return DLTrain.meanAbsoluteError(output, try targets.batchTensor(rows: rows, like: output), reduction: reduction)
        case (.binaryCrossEntropy, _):
            return DLTrain.binaryCrossEntropy(logits: output, targets: try targets.batchTensor(rows: rows, like: output), reduction: reduction)
        }
    }
}
