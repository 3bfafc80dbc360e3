/// Hooks into `fit`. Every method has an empty default; override what you need.
public protocol Callback: AnyObject {
    func trainingWillBegin(_ state: TrainingState)
    func batchWillBegin(_ batch: Int, _ state: TrainingState)
    func batchDidEnd(_ batch: Int, loss: Float, _ state: TrainingState)
    func epochDidEnd(_ epoch: Int, logs: [String: Float], _ state: TrainingState)
    func trainingDidEnd(_ state: TrainingState)
}

extension Callback {
    public func trainingWillBegin(_ state: TrainingState) {}
    public func batchWillBegin(_ batch: Int, _ state: TrainingState) {}
    public func batchDidEnd(_ batch: Int, loss: Float, _ state: TrainingState) {}
    public func epochDidEnd(_ epoch: Int, logs: [String: Float], _ state: TrainingState) {}
    public func trainingDidEnd(_ state: TrainingState) {}
}

/// What callbacks see and may change while `fit` runs.
public final class TrainingState {
    public let model: Sequential
    public let optimizer: Optimizer
    public let epochs: Int
    public let batchesPerEpoch: Int
    public internal(set) var epoch = 0
    /// Set by a callback to end training after the current epoch.
    public var stopTraining = false
    /// The error a callback ran into (a checkpoint that could not be written); `fit` rethrows it.
    public var error: DLError?

    init(model: Sequential, optimizer: Optimizer, epochs: Int, batchesPerEpoch: Int) {
        self.model = model
        self.optimizer = optimizer
        self.epochs = epochs
        self.batchesPerEpoch = batchesPerEpoch
    }
}

import DLCore
