import Foundation

/// Directories the tests make under the system's temporary directory, removed when the test
/// process exits: a fixture shared by many tests outlives each of them, so none can remove it.
public enum TemporaryFiles {
    nonisolated(unsafe) private static var paths: [String] = []
    private static let lock = NSLock()
    private static let removalAtExit: Void = {
        atexit {
            TemporaryFiles.lock.lock()
            defer { TemporaryFiles.lock.unlock() }
            for path in TemporaryFiles.paths { try? FileManager.default.removeItem(atPath: path) }
        }
    }()

    /// A new, empty directory named `prefix-<random>`, removed at exit.
    public static func directory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        removeAtExit(path)
        return path
    }

    /// Removes `path` (file or directory) when the process exits.
    public static func removeAtExit(_ path: String) {
        _ = removalAtExit
        lock.lock()
        defer { lock.unlock() }
        paths.append(path)
    }
}
