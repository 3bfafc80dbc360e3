import ArgumentParser

/// The `dlpack` command-line tool: one subcommand per file, registered in Subcommands.swift.
@main
struct Dlpack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlpack",
        abstract: "Train, convert, inspect and run .dlpk models.",
        discussion: """
            Exit status: 0 on success, \(ExitStatus.failure) when a model, file or input is bad \
            (one line on stderr says what), \(ExitStatus.usage) for a wrong command line.
            """,
        subcommands: dlpackSubcommands)
}
