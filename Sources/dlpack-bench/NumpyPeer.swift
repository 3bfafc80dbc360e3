import Foundation

/// Runs a Python peer script from bindings/python/benchmarks and returns its output lines.
/// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed (they can slow OpenBLAS here) and
/// OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are set to `threads`, for the child only.
func runPythonPeer(script: String, arguments: [String], threads: Int) -> [String]? {
    let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
    let path = repositoryRoot() + "/bindings/python/benchmarks/" + script
    guard FileManager.default.fileExists(atPath: path) else {
        print("  (peer script not found: \(path))")
        return nil
    }
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_CORETYPE"] = nil
    env["OPENBLAS_L2_SIZE"] = nil
    env["OPENBLAS_NUM_THREADS"] = String(threads)
    env["OMP_NUM_THREADS"] = String(threads)
    env["MKL_NUM_THREADS"] = String(threads)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, path] + arguments
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        print("  (could not run \(python): \(error))")
        return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        print("  (\(script) exited with status \(process.terminationStatus))")
        return nil
    }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// The package root: the working directory if it has Package.swift, else found from this file.
func repositoryRoot() -> String {
    let cwd = FileManager.default.currentDirectoryPath
    if FileManager.default.fileExists(atPath: cwd + "/Package.swift") { return cwd }
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}
