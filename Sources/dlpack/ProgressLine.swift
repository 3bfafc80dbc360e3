import Foundation

/// A one-line progress report on stderr, redrawn in place ("calibrating: batch 3/10").
/// Silent unless stderr is a terminal, so that logs, pipes and CI output stay clean.
struct ProgressLine {
    let enabled: Bool

    init(enabled: Bool = isatty(STDERR_FILENO) != 0) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1b}[K\(text)".utf8))
    }

    /// Erases the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1b}[K".utf8))
    }
}
