import ArgumentParser
import Foundation

/// The `dlpack` command-line tool: one subcommand per file, registered in Subcommands.swift.
@main
struct Dlpack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlpack",
        abstract: "Train, convert, quantize, inspect, run, benchmark and plot .dlpk models.",
        discussion: """
            Every subcommand has --help with examples, and -v/--verbose for detail on errors.

            Exit status: 0 on success, \(ExitStatus.failure) when a model, file or input is bad or a step \
            fails (one line on stderr says what), \(ExitStatus.usage) for a wrong command line (one line, \
            and the usage with --verbose).
            """,
        subcommands: dlpackSubcommands)

    /// ArgumentParser's `main`, except that a wrong command line is one line on stderr
    /// (`dlpack: <problem> (see 'dlpack <subcommand> --help')`); --verbose adds the usage.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code.rawValue == ExitStatus.usage else { Self.exit(withError: error) }
            let names = dlpackSubcommands.map { $0._commandName }
            let subcommand = arguments.first { names.contains($0) }
            let help = subcommand.map { "dlpack \($0) --help" } ?? "dlpack --help"
            var text = "dlpack: \(message(for: error)) (see '\(help)')\n"
            if arguments.contains("--verbose") || arguments.contains("-v") {
                text += fullMessage(for: error) + "\n"
            }
            FileHandle.standardError.write(Data(text.utf8))
            Foundation.exit(ExitStatus.usage)
        }
    }
}
