import ArgumentParser
import DLFormat

/// `dlpack version`: the tool's version and the newest model format it reads and writes.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the dlpack version and the .dlpk format version it reads and writes.",
        discussion: """
            Examples:
              dlpack version
              dlpack version --json

            \(ExitStatus.helpText)
            """)

    /// The version of the dlpack tools (semantic versioning).
    static let toolVersion = "0.1.0"

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        let format = FormatVersion.current
        if json {
            print("{\"dlpack\": \"\(Version.toolVersion)\", \"format\": {\"major\": \(format.major), \"minor\": \(format.minor)}}")
        } else {
            print("dlpack \(Version.toolVersion)")
            print(".dlpk format \(format) (reads format \(format.major).x)")
        }
    }
}
