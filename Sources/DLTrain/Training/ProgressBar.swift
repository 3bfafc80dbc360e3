import Foundation

/// A one-line progress bar per epoch with loss, metrics and ETA, redrawn in place.
/// Silent unless stdout is a terminal (so logs and CI output stay clean).
public final class ProgressBar: Callback {
    public let enabled: Bool
    private var epochStart = Date()
    private var runningLoss: Double = 0
    private var seen = 0

    public init(enabled: Bool? = nil) {
        self.enabled = enabled ?? (isatty(STDOUT_FILENO) != 0)
    }

    public func batchWillBegin(_ batch: Int, _ state: TrainingState) {
        if batch == 0 { epochStart = Date(); runningLoss = 0; seen = 0 }
    }

    public func batchDidEnd(_ batch: Int, loss: Float, _ state: TrainingState) {
        runningLoss += Double(loss)
        seen += 1
        guard enabled else { return }
        let done = batch + 1, total = state.batchesPerEpoch
        let width = 24
        let filled = width * done / max(total, 1)
        let elapsed = Date().timeIntervalSince(epochStart)
        let eta = elapsed / Double(done) * Double(total - done)
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        let line = String(format: "\r epoch %d/%d [%@] %d/%d loss %.4f ETA %.0fs ",
                          state.epoch + 1, state.epochs, bar, done, total, runningLoss / Double(seen), eta)
        FileHandle.standardOutput.write(line.data(using: .utf8)!)
    }

    public func epochDidEnd(_ epoch: Int, logs: [String: Float], _ state: TrainingState) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(epochStart)
        let values = logs.keys.sorted().filter { $0 != "lr" }.map { String(format: "%@ %.4f", $0, logs[$0]!) }
        print(String(format: "\r epoch %d/%d %.1fs ", epoch + 1, state.epochs, elapsed) + values.joined(separator: "  ")
              + String(repeating: " ", count: 20))
    }
}
