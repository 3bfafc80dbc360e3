import ArgumentParser

/// Every `dlpack` subcommand. Adding one is one line here plus its own file.
let dlpackSubcommands: [any ParsableCommand.Type] = [
    Inspect.self,
    Version.self,
]
