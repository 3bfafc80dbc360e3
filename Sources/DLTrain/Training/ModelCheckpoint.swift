/// Saves the model's weights at the end of an epoch (every epoch, or only when
/// `monitor` improves). The file is written under a temporary name and renamed,
/// so a crash never leaves a half-written checkpoint.
public final class ModelCheckpoint: Callback {
    public let path: String
    public let monitor: String
    public let saveBestOnly: Bool
    private let higherIsBetter: Bool
    private var best: Float?
    public private(set) var savedEpochs: [Int] = []

    public init(path: String, monitor: String = "val_loss", saveBestOnly: Bool = true, mode: MonitorMode = .auto) {
        self.path = path
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.higherIsBetter = mode.higherIsBetter(monitor)
    }

    public func epochDidEnd(_ epoch: Int, logs: [String: Float], _ state: TrainingState) {
        if saveBestOnly {
            guard let value = logs[monitor] else { return }
            if let best, higherIsBetter ? value <= best : value >= best { return }
            best = value
        }
        do {
            try WeightsFile.save(state.model, to: path)
            savedEpochs.append(epoch)
        } catch {
            state.error = error
            state.stopTraining = true
        }
    }
}
