import DLCore

extension Sequential {
    /// Trains the model on `data` and returns the per-epoch history.
    ///
    /// - Parameters:
    ///   - loss: matched to the targets (class indices for `.crossEntropy`).
    ///   - validation: evaluated after every epoch into "val_loss" and "val_<metric>".
    ///   - seed: drives the shuffling; with the model's seed it makes training bit-identical.
    ///   - progress: draw a progress bar (nil: only when stdout is a terminal).
    /// - Throws: `.numericalError` when a batch holds NaN/Inf values or the loss becomes
    ///   non-finite (naming epoch and batch); a callback's error; shape mismatches.
    public func fit(_ data: Dataset, loss: Loss, optimizer: Optimizer, epochs: Int, batchSize: Int = 32,
                    validation: Dataset? = nil, metrics: [Metric] = [], callbacks: [any Callback] = [],
                    shuffle: Bool = true, seed: UInt64 = 0, progress: Bool? = nil) throws(DLError) -> History {
        guard epochs > 0, batchSize > 0 else {
            throw DLError(.invalidArgument, "fit: epochs (\(epochs)) and batch size (\(batchSize)) must be positive")
        }
        try checkCompatible(data, role: "training data")
        if let validation { try checkCompatible(validation, role: "validation data") }
        var rng: SeededRandom? = shuffle ? SeededRandom(seed: seed) : nil
        let batchesPerEpoch = (data.count + batchSize - 1) / batchSize
        let state = TrainingState(model: self, optimizer: optimizer, epochs: epochs, batchesPerEpoch: batchesPerEpoch)
        let all: [any Callback] = callbacks + [ProgressBar(enabled: progress)]
        let params = parameters
        var history = History()
        let width = outputShape.reduce(1, *)

        for c in all { c.trainingWillBegin(state) }
        for epoch in 0..<epochs {
            state.epoch = epoch
            var outputs: [Float] = []
            outputs.reserveCapacity(data.count * width)
            var order: [Int] = []
            var lossSum: Double = 0
            for (b, rows) in data.batches(size: batchSize, shuffle: &rng).enumerated() {
                for c in all { c.batchWillBegin(b, state) }
                let x = data.batch(rows: rows)
                if let bad = x.data.firstIndex(where: { !$0.isFinite }) {
                    throw DLError(.numericalError, "epoch \(epoch + 1), batch \(b + 1): the training data holds \(x.data[bad]) (sample \(rows[bad / max(data.sampleWidth, 1)]))")
                }
                let y = forward(x, training: true)
                let l = try loss.compute(y, data.targets, rows: rows)
                guard l.scalar.isFinite else {
                    throw DLError(.numericalError, "epoch \(epoch + 1), batch \(b + 1): the loss is \(l.scalar)")
                }
                l.backward()
                optimizer.step(params)
                lossSum += Double(l.scalar) * Double(rows.count)
                outputs.append(contentsOf: y.data)
                order.append(contentsOf: rows)
                for c in all { c.batchDidEnd(b, loss: l.scalar, state) }
            }
            var logs: [String: Float] = ["loss": Float(lossSum / Double(data.count)), "lr": optimizer.learningRate]
            let seenTargets = data.targets.subset(order)
            for m in metrics { logs[m.name] = m.compute(outputs: outputs, width: width, targets: seenTargets) }
            if let validation {
                for (k, v) in try evaluate(validation, loss: loss, metrics: metrics, batchSize: max(batchSize, 256)) {
                    logs["val_" + k] = v
                }
            }
            history.epochs.append(logs)
            for c in all { c.epochDidEnd(epoch, logs: logs, state) }
            if let error = state.error { throw error }
            if state.stopTraining { break }
        }
        for c in all { c.trainingDidEnd(state) }
        return history
    }

    /// The loss and metrics on `data`, without training.
    public func evaluate(_ data: Dataset, loss: Loss, metrics: [Metric] = [], batchSize: Int = 256) throws(DLError) -> [String: Float] {
        try checkCompatible(data, role: "evaluation data")
        let width = outputShape.reduce(1, *)
        var outputs: [Float] = []
        outputs.reserveCapacity(data.count * width)
        var lossSum: Double = 0
        try withoutGradients { () throws(DLError) in
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let rows = Array(start..<min(start + batchSize, data.count))
                let y = forward(data.batch(rows: rows), training: false)
                lossSum += Double(try loss.compute(y, data.targets, rows: rows, reduction: .sum).scalar)
                outputs.append(contentsOf: y.data)
            }
        }
        var logs: [String: Float] = ["loss": Float(lossSum / Double(max(data.count, 1)))]
        for m in metrics { logs[m.name] = m.compute(outputs: outputs, width: width, targets: data.targets) }
        return logs
    }

    /// Model outputs for a batch of samples ([n] + inputShape), computed in chunks.
    public func predict(_ x: Tensor, batchSize: Int = 256) throws(DLError) -> Tensor {
        guard Array(x.shape.dropFirst()) == inputShape else {
            throw DLError(.shapeMismatch, "\(name) expects samples of shape \(inputShape), got a batch of \(x.shape)")
        }
        let n = x.shape[0], w = inputShape.reduce(1, *)
        var out: [Float] = []
        withoutGradients {
            for start in stride(from: 0, to: n, by: batchSize) {
                let end = min(start + batchSize, n)
                let chunk = Tensor(shape: [end - start] + inputShape, data: Array(x.data[(start * w)..<(end * w)]))
                out.append(contentsOf: forward(chunk, training: false).data)
            }
        }
        return Tensor(shape: [n] + outputShape, data: out)
    }

    /// The predicted class of each sample (argmax of the outputs).
    public func predictClasses(_ data: Dataset) throws(DLError) -> [Int] {
        let y = try predict(Tensor(shape: [data.count] + data.sampleShape, data: data.features))
        return Metrics.argmax(y.data, width: outputShape.reduce(1, *))
    }

    private func checkCompatible(_ data: Dataset, role: String) throws(DLError) {
        guard data.sampleShape == inputShape else {
            throw DLError(.shapeMismatch, "\(role): samples of shape \(data.sampleShape), \(name) expects \(inputShape)")
        }
        if let n = data.targets.classCount, outputShape != [n] {
            throw DLError(.shapeMismatch, "\(role) has \(n) classes, \(name) outputs \(outputShape)")
        }
    }
}
