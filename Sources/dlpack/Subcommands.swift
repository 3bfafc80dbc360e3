import ArgumentParser

/// Every `dlpack` subcommand. Adding one is one line here plus its own file.
let dlpackSubcommands: [any ParsableCommand.Type] = [
    Inspect.self,
    Convert.self,
    Compare.self,
    Run.self,
    Version.self,
    Demo.self,
    Train.self,
    Quantize.self,
    Bench.self,
    Plot.self,
]
