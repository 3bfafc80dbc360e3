import Foundation
import Testing

/// Every subcommand's --help: an example of its own use and the exit codes.
@Suite("dlpack --help")
struct HelpTests {
    @Test(arguments: ["demo", "train", "convert", "quantize", "inspect", "run", "bench", "compare", "plot", "version"])
    func everySubcommandHasAnExampleAndTheExitCodes(_ command: String) throws {
        let result = try runDlpack([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"), "\(command)")
        #expect(result.stdout.contains("  dlpack \(command)"), "\(command)")
        #expect(result.stdout.contains("Exit status: 0 success; 1 a bad model, file or input"), "\(command)")
        #expect(result.stdout.contains("--verbose"), "\(command)")
    }

    @Test func theToolListsEverySubcommandAndTheExitCodes() throws {
        let result = try runDlpack(["--help"])
        #expect(result.status == 0)
        for command in ["demo", "train", "convert", "quantize", "inspect", "run", "bench", "compare", "plot", "version"] {
            #expect(result.stdout.contains("\n  \(command) "), "\(command)")
        }
        #expect(result.stdout.contains("Exit status: 0 on success, 1 when"))
    }
}
