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
            """)

    @Argument(help: "The .dlpk file.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        try reportingErrors {
            let model = try DLPKModel.open(path: file)
            let report = InspectReport(file: file, model: model)
            if json {
                print(try report.jsonText())
            } else {
                print(report.text(), terminator: "")
            }
        }
    }
}
