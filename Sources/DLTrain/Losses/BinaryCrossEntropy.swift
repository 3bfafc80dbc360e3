import Foundation

/// Binary cross-entropy from logits z and targets y in [0, 1], per element
/// max(z, 0) − z·y + log(1 + e^(−|z|)): never takes the log of 0 or exponentiates a large number.
/// Averaged over each sample's outputs.
public func binaryCrossEntropy(logits: Tensor, targets: Tensor, reduction: LossReduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape, "binaryCrossEntropy: \(logits.shape) vs \(targets.shape)")
    let z = logits.data, y = targets.data
    var loss = [Float](repeating: 0, count: z.count)
    for i in 0..<z.count {
        loss[i] = max(z[i], 0) - z[i] * y[i] + log1p(exp(-abs(z[i])))
    }
    let elementwise = Tensor.result(shape: logits.shape, data: loss, parents: [logits, targets]) { out in
        let g = out.grad!
        logits.accumulateGrad { dz in
            for i in 0..<dz.count { dz[i] += g[i] * (Activation.sigmoid(z[i]) - y[i]) }
        }
        targets.accumulateGrad { dy in
            for i in 0..<dy.count { dy[i] -= g[i] * z[i] }
        }
    }
    return reduction.apply(elementwise.meanPerSample())
}
