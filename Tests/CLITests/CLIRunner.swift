import Foundation

/// Runs the built `dlpack` binary (next to the test bundle, or $DLPACK_BIN) and
/// captures what it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func goldenPath(_ name: String) -> String { repositoryRoot + "/format/golden/v1/" + name + ".dlpk" }

func dlpackBinary() -> String {
    if let path = ProcessInfo.processInfo.environment["DLPACK_BIN"] { return path }
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // The runner may sit inside a bundle (…/dlpackPackageTests.xctest/…); walk up to the build directory.
    var candidate = dir
    for _ in 0..<4 {
        let bin = candidate.appendingPathComponent("dlpack").path
        if FileManager.default.isExecutableFile(atPath: bin) { return bin }
        candidate.deleteLastPathComponent()
    }
    return dir.appendingPathComponent("dlpack").path
}

func runDlpack(_ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dlpackBinary())
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so that a large output cannot fill the pipe and block.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}
