import ArgumentParser
import DLCore
import Foundation

/// The exit codes of `dlpack` (listed in `dlpack --help`, in every subcommand's help and in README.md).
enum ExitStatus {
    /// A model file, input file or option value is bad, or an operation failed.
    static let failure: Int32 = 1
    /// The command line itself is wrong (ArgumentParser's EX_USAGE).
    static let usage: Int32 = 64

    /// The closing paragraph of every subcommand's `--help`.
    static let helpText = """
        Exit status: 0 success; \(failure) a bad model, file or input, or a failed step \
        (one line on stderr, `dlpack: <what went wrong>`; --verbose adds the detail); \
        \(usage) a wrong command line.
        """
}

/// Options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "On an error, also print its code and detail; print more about each step.")
    var verbose = false

    /// Prints `text` to stderr when --verbose is on.
    func log(_ text: @autoclosure () -> String) {
        if verbose { FileHandle.standardError.write(Data((text() + "\n").utf8)) }
    }
}

/// Runs `body`; an error becomes one line on stderr, `dlpack: <message>`, and exit status
/// `ExitStatus.failure`, instead of ArgumentParser's usage text. With `verbose`, the error's
/// code (and for other errors their full description) follows on further lines.
func reportingErrors(verbose: Bool = false, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DLError {
        var text = "dlpack: \(error.message)\n"
        if verbose { text += "  error code: \(error.code) (\(error.code.rawValue))\n" }
        FileHandle.standardError.write(Data(text.utf8))
        throw ExitCode(ExitStatus.failure)
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        var text = "dlpack: \(error.localizedDescription)\n"
        if verbose { text += "  detail: \(String(reflecting: error))\n" }
        FileHandle.standardError.write(Data(text.utf8))
        throw ExitCode(ExitStatus.failure)
    }
}
