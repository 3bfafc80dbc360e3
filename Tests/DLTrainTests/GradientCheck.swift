@testable import DLTrain

/// Finite-difference gradient check: for a scalar function of some tensors, compares
/// the tape's gradients with central differences (x ± h) of the function itself.
/// Returns the largest error relative to max(1, |numeric|).
func gradientError(_ tensors: [Tensor], h: Float = 1e-2, _ f: () -> Tensor) -> Float {
    for t in tensors { t.grad = nil }
    f().backward()
    let analytic = tensors.map { $0.grad ?? [Float](repeating: 0, count: $0.count) }
    var worst: Float = 0
    for (ti, t) in tensors.enumerated() {
        for i in 0..<t.count {
            let saved = t.data[i]
            t.data[i] = saved + h
            let plus = withoutGradients { f().scalar }
            t.data[i] = saved - h
            let minus = withoutGradients { f().scalar }
            t.data[i] = saved
            let numeric = (plus - minus) / (2 * h)
            worst = max(worst, abs(numeric - analytic[ti][i]) / max(1, abs(numeric)))
        }
    }
    return worst
}

/// A tracked tensor with seeded values in [-1, 1) (shifted away from 0 by `awayFromZero`,
/// for functions with a kink there).
func randomTensor(_ shape: [Int], seed: UInt64, awayFromZero: Float = 0) -> Tensor {
    var rng = SeededRandom(seed: seed)
    let n = shape.reduce(1, *)
    let values = (0..<n).map { _ -> Float in
        let v = 2 * rng.nextUniform() - 1
        return v + (v < 0 ? -awayFromZero : awayFromZero)
    }
    return Tensor(shape: shape, data: values, requiresGrad: true)
}

/// Weights for a loss that mixes every output element differently (so that gradient
/// errors cannot cancel out in a plain sum).
func weightedSum(_ y: Tensor, seed: UInt64 = 99) -> Tensor {
    let w = randomTensor(y.shape, seed: seed).detached()
    return (y * w).sum()
}
