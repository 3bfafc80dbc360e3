/// Mean squared error: mean over features of (prediction - target)², per sample.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    precondition(prediction.shape == target.shape, "meanSquaredError: \(prediction.shape) vs \(target.shape)")
    return reduction.apply((prediction - target).squared().meanPerSample())
}
