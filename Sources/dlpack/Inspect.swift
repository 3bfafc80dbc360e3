import ArgumentParser
import DLCore
import DLFormat
import Foundation

/// `dlpack inspect FILE`: what a .dlpk file holds, for people (text) or machines (--json).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a .dlpk model: format version, metadata, graph, tensors and compression.",
        discussion: """
            The file is fully validated first (every checksum included); a bad file gets one \
            line on stderr and exit status \(ExitStatus.failure).

            Examples:
              dlpack inspect model.dlpk
              dlpack inspect model.dlpk --json
              dlpack inspect model.dlpk --stats --repetitions 50

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The .dlpk file.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Also measure what each blob encoding stores and how long loading takes (format/SPEC.md figures).")
    var stats = false

    @Option(help: "Loads timed per encoding with --stats.")
    var repetitions = 20

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors(verbose: common.verbose) {
            let model = try DLPKModel.open(path: file)
            var report = InspectReport(file: file, model: model)
            if stats { report.stats = try InspectStats(model: model, repetitions: repetitions) }
            if json {
                print(try report.jsonText())
            } else {
                print(report.text(), terminator: "")
                if let stats = report.stats { print(stats.text(), terminator: "") }
            }
        }
    }
}
