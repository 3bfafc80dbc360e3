/// How per-sample losses become the value that is minimized.
public enum LossReduction: Sendable {
    /// One loss per sample, shape [batch].
    case none
    /// Mean over the batch (the usual choice).
    case mean
    /// Sum over the batch.
    case sum

    func apply(_ perSample: Tensor) -> Tensor {
        switch self {
        case .none: return perSample
        case .mean: return perSample.mean()
        case .sum: return perSample.sum()
        }
    }
}

extension Tensor {
    /// [batch, ...] -> [batch]: the mean of each sample's values.
    func meanPerSample() -> Tensor {
        let b = shape.first ?? 1
        let features = count / Swift.max(b, 1)
        return reshaped([b, features]).sumLastAxis() * (1 / Float(Swift.max(features, 1)))
    }
}
