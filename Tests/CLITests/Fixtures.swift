import Foundation
import _TestSupport

/// Three well-separated Gaussian blobs in 4 features (class c centred at 3·c on every
/// feature, spread 0.5): any working classifier gets them right, a broken one does not.
func blobsCSV(rows: Int, seed: UInt64) -> String {
    var rng = SeededGenerator(seed: seed)
    var lines = ["f0,f1,f2,f3,label"]
    for r in 0..<rows {
        let c = r % 3
        let features = (0..<4).map { _ in String(Float(3 * c) + Float.random(in: -0.5...0.5, using: &rng)) }
        lines.append((features + [String(c)]).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

/// A new directory for one test (or the shared fixture), removed when the tests exit.
func temporaryDirectory(_ prefix: String = "dlpack-cli") throws -> String {
    try TemporaryFiles.directory(prefix)
}

func fileSize(_ path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
}

/// A small fp32 classifier trained once by `dlpack train` on blobs, shared by the tests
/// that need a model (quantize, compare, bench, plot): directory, CSV and model paths.
struct BlobsModel: Sendable {
    var directory: String
    var csv: String
    var model: String
}

let blobsModel: Result<BlobsModel, any Error> = Result {
    let dir = try temporaryDirectory("dlpack-blobs")
    let fixture = BlobsModel(directory: dir, csv: dir + "/blobs.csv", model: dir + "/blobs.dlpk")
    try blobsCSV(rows: 150, seed: 11).write(toFile: fixture.csv, atomically: true, encoding: .utf8)
    let result = try runDlpack(["train", fixture.csv, "--layers", "dense:16,relu,dense:3", "--epochs", "25",
                                "--learning-rate", "0.02", "--out", fixture.model])
    guard result.status == 0 else { throw FixtureError(message: "dlpack train failed: \(result.stderr)") }
    return fixture
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A float32 .npy file (version 1.0, little-endian, C order), written here so that the
/// tests do not trust the tool's own writer.
func writeNpy(_ values: [Float], shape: [Int], to path: String) throws {
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The values and shape of a little-endian float32 .npy file.
func readNpy(_ path: String) throws -> (values: [Float], shape: [Int]) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    guard bytes.count > 10, bytes[0] == 0x93, bytes[6] == 1 else { throw FixtureError(message: "\(path): not a version-1 .npy") }
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    let header = String(decoding: bytes[10 ..< 10 + headerLength], as: UTF8.self)
    guard header.contains("'<f4'"), header.contains("'fortran_order': False"),
          let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
        throw FixtureError(message: "\(path): not a C-order float32 array: \(header)")
    }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    var values: [Float] = []
    var offset = 10 + headerLength
    while offset + 4 <= bytes.count {
        values.append(Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24))
        offset += 4
    }
    return (values, shape)
}

/// Runs python3 with a script on stdin-free arguments; nil when python3 is not there.
func runPython(_ script: String, _ arguments: [String]) throws -> CLIResult? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch { return nil }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus == 127 { return nil }
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}

/// The one line a failing command prints, checked for the `dlpack: ` form.
func isOneErrorLine(_ stderr: String) -> Bool {
    stderr.hasPrefix("dlpack: ") && stderr.hasSuffix("\n") && stderr.filter { $0 == "\n" }.count == 1
}
