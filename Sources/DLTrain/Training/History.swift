/// What `fit` returns: one set of logged values per epoch ("loss", "accuracy",
/// "val_loss", "val_accuracy", "lr", …).
public struct History: Sendable {
    public var epochs: [[String: Float]] = []

    /// The values of one key over the epochs.
    public subscript(key: String) -> [Float] { epochs.compactMap { $0[key] } }

    /// The epoch (0-based) where `key` was best (lowest, or highest for accuracy-like keys).
    public func bestEpoch(_ key: String) -> Int? {
        let values = self[key]
        guard !values.isEmpty else { return nil }
        let higher = MonitorMode.auto.higherIsBetter(key)
        return values.indices.max { higher ? values[$0] < values[$1] : values[$0] > values[$1] }
    }
}

/// Whether a monitored value should go up or down.
public enum MonitorMode: Sendable {
    case auto, min, max

    func higherIsBetter(_ key: String) -> Bool {
        switch self {
        case .min: return false
        case .max: return true
        case .auto:
            return ["accuracy", "top", "precision", "recall", "f1", "r2"].contains { key.contains($0) }
        }
    }
}
