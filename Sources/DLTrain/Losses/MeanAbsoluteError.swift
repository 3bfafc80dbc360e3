/// Mean absolute error: mean over features of |prediction - target|, per sample.
public func meanAbsoluteError(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    precondition(prediction.shape == target.shape, "meanAbsoluteError: \(prediction.shape) vs \(target.shape)")
    return reduction.apply((prediction - target).abs().meanPerSample())
}
