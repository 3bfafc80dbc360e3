import Foundation
import Testing

/// Bytes per element of each dtype name, written out here so the test does not trust the tool.
private let elementBytes: [String: Double] = ["f32": 4, "f16": 2, "bf16": 2, "i8": 1, "u8": 1, "i32": 4, "i64": 8, "i4": 0.5]

private let goldenNames: [String] = {
    let dir = repositoryRoot + "/format/golden/v1"
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return files.filter { $0.hasSuffix(".dlpk") }.map { String($0.dropLast(5)) }.sorted()
}()

@Suite("dlpack inspect")
struct InspectCommandTests {
    @Test func thereAreGoldenFilesToInspect() {
        #expect(goldenNames.count >= 10)
    }

    /// JSON for every golden file: sizes consistent with shapes and dtypes, totals the sum
    /// of the parts, file size what the file system says.
    @Test(arguments: goldenNames)
    func jsonDescribesTheGoldenFile(_ name: String) throws {
        let result = try runDlpack(["inspect", "--json", goldenPath(name)])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["formatVersion"] as? String == "1.0")
        let size = try FileManager.default.attributesOfItem(atPath: goldenPath(name))[.size] as? Int
        #expect(json["fileSize"] as? Int == size)

        let tensors = try #require(json["tensors"] as? [[String: Any]])
        var stored = 0
        var raw = 0
        for t in tensors {
            guard let blob = t["blob"] as? [String: Any] else { continue }
            let shape = try #require(t["shape"] as? [Int])
            let dtype = try #require(t["dtype"] as? String)
            let count = shape.reduce(1, *)
            let expectedRaw = Int((Double(count) * elementBytes[dtype]!).rounded(.up))
            #expect(blob["rawSize"] as? Int == expectedRaw, "\(name): \(t["name"] ?? "")")
            stored += blob["storedSize"] as! Int
            raw += blob["rawSize"] as! Int
            #expect((blob["offset"] as! Int) % 64 == 0)
        }
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["storedBytes"] as? Int == stored)
        #expect(totals["rawBytes"] as? Int == raw)
        let ratio = try #require(totals["compressionRatio"] as? Double)
        #expect(abs(ratio - Double(raw) / Double(stored)) < 1e-9)

        let nodes = try #require(json["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["op"] as? String } == ["Dense", "Relu"])
        #expect(name.hasPrefix((tensors[1]["dtype"] as! String) + "_"))
    }

    /// The text form lists the version, every node with shapes, every constant with dtype,
    /// shape, codec and sizes, and the total compression ratio.
    @Test func textListsNodesAndConstants() throws {
        let result = try runDlpack(["inspect", goldenPath("i8_per_channel_zstd")])
        #expect(result.status == 0)
        let out = result.stdout
        #expect(out.contains(".dlpk format 1.0"))
        #expect(out.contains("0 Dense 'dense': (x [?, 16], dense.weight [32, 16], dense.bias [32]) -> (h [?, 32])"))
        #expect(out.contains("1 Relu 'relu': (h [?, 32]) -> (y [?, 32])"))
        let weight = try #require(out.split(separator: "\n").first { $0.contains("dense.weight  i8") })
        #expect(weight.contains("per-channel axis 0 (32)"))
        #expect(weight.contains("zstd"))
        #expect(weight.contains(" 512 "))  // raw bytes: 32 x 16 int8
        #expect(out.contains("total: 2 constant(s), 544 parameters"))
    }

    @Test func missingFileIsOneLineAndExitStatus1() throws {
        let result = try runDlpack(["inspect", "/nonexistent/model.dlpk"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "dlpack: /nonexistent/model.dlpk: cannot open: no such file or directory\n")
    }

    @Test func notADlpkFileIsOneLineAndExitStatus1() throws {
        let path = repositoryRoot + "/Package.swift"
        let result = try runDlpack(["inspect", path])
        #expect(result.status == 1)
        #expect(result.stderr == "dlpack: \(path): not a .dlpk file (the first bytes are not \"DLPK\")\n")
    }

    @Test func truncatedFileNamesTheProblem() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: goldenPath("f32_raw")))
        let path = NSTemporaryDirectory() + "dlpk-cli-truncated-\(getpid()).dlpk"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try bytes.prefix(bytes.count - 1).write(to: URL(fileURLWithPath: path))
        let result = try runDlpack(["inspect", "--json", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("dlpack: \(path): truncated: the header declares \(bytes.count) bytes, the file has \(bytes.count - 1)"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func wrongCommandLineIsExitStatus64() throws {
        #expect(try runDlpack(["inspect"]).status == 64)
        #expect(try runDlpack(["no-such-subcommand"]).status == 64)
    }
}

@Suite("dlpack version")
struct VersionCommandTests {
    @Test func printsToolAndFormatVersion() throws {
        let result = try runDlpack(["version"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(".dlpk format 1.2"))
        let json = try runDlpack(["version", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let format = try #require(object["format"] as? [String: Int])
        #expect(format == ["major": 1, "minor": 2])
    }
}

@Suite("dlpack version: bad input")
struct VersionBadInputTests {
    @Test func anUnknownOptionIsOneLineAndExitStatus64() throws {
        let result = try runDlpack(["version", "--bogus"])
        #expect(result.status == 64)
        #expect(result.stderr == "dlpack: Unknown option '--bogus' (see 'dlpack version --help')\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func verboseAddsTheUsage() throws {
        let result = try runDlpack(["version", "--bogus", "--verbose"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("dlpack: Unknown option '--bogus'"))
        #expect(result.stderr.contains("Usage: dlpack version"))
    }

    @Test func helpHasAnExample() throws {
        let result = try runDlpack(["version", "--help"])
        #expect(result.status == 0 && result.stdout.contains("dlpack version --json"))
    }
}
