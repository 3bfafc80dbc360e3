import ArgumentParser
import DLCore

import Foundation

/// The exit codes of `dlpack` (listed in `dlpack --help`).
enum ExitStatus {
    /// A model file, input file or option value is bad, or an operation failed.
    static let failure: Int32 = 1
    /// The command line itself is wrong (ArgumentParser's EX_USAGE).
    static let usage: Int32 = 64
}

/// Runs `body`; a DLError becomes one line on stderr, `dlpack: <message>`, and exit
/// status `ExitStatus.failure`, instead of ArgumentParser's usage text.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DLError {
        FileHandle.standardError.write(Data("dlpack: \(error.message)\n".utf8))
        throw ExitCode(ExitStatus.failure)
    }
}
