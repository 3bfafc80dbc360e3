/// Stops training when `monitor` has not improved by `minDelta` for `patience` epochs,
/// and (by default) puts back the weights of the best epoch.
public final class EarlyStopping: Callback {
    public let monitor: String
    public let patience: Int
    public let minDelta: Float
    public let restoreBestWeights: Bool
    private let higherIsBetter: Bool
    public private(set) var bestValue: Float?
    public private(set) var bestEpoch: Int?
    public private(set) var stoppedEpoch: Int?
    private var bestWeights: [[Float]]?
    private var wait = 0

    public init(monitor: String = "val_loss", patience: Int = 5, minDelta: Float = 0,
                mode: MonitorMode = .auto, restoreBestWeights: Bool = true) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
        self.higherIsBetter = mode.higherIsBetter(monitor)
    }

    public func epochDidEnd(_ epoch: Int, logs: [String: Float], _ state: TrainingState) {
        guard let value = logs[monitor] else { return }
        let improved = bestValue.map { higherIsBetter ? value > $0 + minDelta : value < $0 - minDelta } ?? true
        if improved {
            bestValue = value
            bestEpoch = epoch
            wait = 0
            if restoreBestWeights { bestWeights = state.model.state.map(\.data) }
        } else {
            wait += 1
            if wait >= patience {
                stoppedEpoch = epoch
                state.stopTraining = true
            }
        }
    }

    public func trainingDidEnd(_ state: TrainingState) {
        guard restoreBestWeights, let bestWeights else { return }
        for (t, w) in zip(state.model.state, bestWeights) { t.data = w }
    }
}
