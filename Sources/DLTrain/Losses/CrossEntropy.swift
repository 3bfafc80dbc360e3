import DLCore

/// Categorical cross-entropy from logits [batch, classes] and class indices:
/// log Σ e^z − z[label], through a stable log-sum-exp. Its gradient is softmax − one-hot.
/// Labels outside 0..<classes are an error.
public func crossEntropy(logits: Tensor, labels: [Int], reduction: LossReduction = .mean) throws(DLError) -> Tensor {
    guard logits.rank == 2, logits.shape[0] == labels.count else {
        throw DLError(.shapeMismatch, "crossEntropy: logits \(logits.shape) for \(labels.count) labels")
    }
    let n = logits.shape[1]
    for (i, label) in labels.enumerated() where label < 0 || label >= n {
        throw DLError(.invalidData, "crossEntropy: label \(label) of sample \(i) is outside the \(n) classes")
    }
    let logp = Activation.logSoftmaxRows(logits.data, width: n)
    let perSample = labels.enumerated().map { -logp[$0.offset * n + $0.element] }
    let out = Tensor.result(shape: [labels.count], data: perSample, parents: [logits]) { out in
        let g = out.grad!
        logits.accumulateGrad { dz in
            for r in 0..<labels.count {
                for j in 0..<n { dz[r * n + j] += g[r] * Activation.exp(logp[r * n + j]) }
                dz[r * n + labels[r]] -= g[r]
            }
        }
    }
    return reduction.apply(out)
}

/// Categorical cross-entropy from logits and target distributions (one-hot or soft),
/// both [batch, classes]: −Σ t · log_softmax(z).
public func crossEntropy(logits: Tensor, targets: Tensor, reduction: LossReduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape && logits.rank == 2, "crossEntropy: \(logits.shape) vs \(targets.shape)")
    return reduction.apply(-(targets * logits.logSoftmax()).sumLastAxis())
}
