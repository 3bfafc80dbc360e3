import Foundation
import Testing
import _TestSupport

/// The "test: accuracy 0.9876, …" figure of the recipe's report.
private func reportedAccuracy(_ stdout: String) -> Float? {
    guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("test: ") }),
          let range = line.range(of: "accuracy ") else { return nil }
    return Float(line[range.upperBound...].prefix { $0 != "," })
}

@Suite("dlpack train")
struct TrainCommandTests {
    @Test(arguments: [false, true])
    func trainsAndWritesAModelWithLabels(_ int8: Bool) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/blobs.csv", model = dir + "/blobs.dlpk"
        try blobsCSV(rows: 120, seed: 7).write(toFile: data, atomically: true, encoding: .utf8)
        let result = try runDlpack(["train", data, "--layers", "dense:16,relu,dense:3", "--epochs", "30", "--learning-rate", "0.02",
                                    "--labels", "low,mid,high", "--out", model] + (int8 ? ["--int8"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(reportedAccuracy(result.stdout).map { $0 >= 0.9 } == true, "\(result.stdout)")

        // The written file, read back by `dlpack inspect`: labels, scaling, and int8 weights only with --int8.
        let inspect = try runDlpack(["inspect", "--json", model])
        #expect(inspect.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        let metadata = try #require(json["metadata"] as? [String: Any])
        #expect(metadata["labels"] as? [String] == ["low", "mid", "high"])
        #expect((metadata["preprocessing"] as? [[String: Any]])?.first?["mean"] as? [Double] != nil)
        let dtypes = Set(((json["tensors"] as? [[String: Any]]) ?? []).compactMap { $0["dtype"] as? String })
        #expect(dtypes.contains("i8") == int8)

        // Next to the model: the history (one entry per epoch) and the charts.
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/blobs.history.json"))) as? [String: Any])
        let epochs = try #require(saved["epochs"] as? [[String: Double]])
        #expect(epochs.count == 30 && epochs.allSatisfy { $0["loss"] != nil && $0["accuracy"] != nil })
        #expect(epochs.last!["loss"]! < epochs.first!["loss"]!)
        for image in ["training.svg", "training.png", "confusion.svg", "confusion.png"] {
            #expect(fileSize(dir + "/blobs." + image) > 1000, "\(image)")
        }
    }

    /// The model from a JSON file; --epochs on the command line wins over the file's.
    @Test func aConfigFileDescribesTheModel() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/blobs.csv", config = dir + "/model.json", model = dir + "/blobs.dlpk"
        try blobsCSV(rows: 120, seed: 5).write(toFile: data, atomically: true, encoding: .utf8)
        try #"{"layers": ["dense:12", "relu", "dense:3"], "optimizer": "adam", "epochs": 3, "learningRate": 0.02, "labels": ["x", "y", "z"]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runDlpack(["train", data, "--config", config, "--epochs", "25", "--out", model])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4 → 12 → 3, 25 epochs"))
        #expect(reportedAccuracy(result.stdout).map { $0 >= 0.9 } == true, "\(result.stdout)")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/blobs.history.json"))) as? [String: Any])
        #expect((saved["epochs"] as? [Any])?.count == 25)
        let inspect = try runDlpack(["inspect", "--json", model])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect((json["metadata"] as? [String: Any])?["labels"] as? [String] == ["x", "y", "z"])
    }

    /// The same description in YAML: block and flow lists, comments, quoted strings.
    @Test func aYAMLConfigFileDescribesTheModel() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/blobs.csv", config = dir + "/model.yaml", model = dir + "/blobs.dlpk"
        try blobsCSV(rows: 120, seed: 6).write(toFile: data, atomically: true, encoding: .utf8)
        try """
            # three blobs
            layers:
              - dense:10
              - relu   # hidden
              - dense:3
            optimizer: adam
            epochs: 25
            learningRate: 0.02
            labels: [low, "mid", 'high']
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runDlpack(["train", data, "--config", config, "--out", model, "--no-plots"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4 → 10 → 3, 25 epochs"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/blobs.history.json"))
        let inspect = try runDlpack(["inspect", "--json", model])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect((json["metadata"] as? [String: Any])?["labels"] as? [String] == ["low", "mid", "high"])
    }

    @Test(arguments: [
        ("epochs: 3\nepochs: 4\n", "line 2: 'epochs' is given twice"),
        ("  - dense:3\n", "line 1: a '- item' line belongs under a 'key:' line"),
        ("layers: [dense:3\n", "line 1: the list '[dense:3' has no closing ]"),
        ("epochs: many\n", "is not a model description"),
    ])
    func aBadYAMLFileNamesTheLine(_ text: String, _ message: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: dir + "/model.yml", atomically: true, encoding: .utf8)
        try blobsCSV(rows: 30, seed: 1).write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let result = try runDlpack(["train", dir + "/d.csv", "--config", dir + "/model.yml", "--out", dir + "/never.dlpk"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr) && result.stderr.contains(message), "\(result.stderr)")
    }

    @Test(arguments: [
        (#"{"learning_rate": 0.1}"#, "unknown key(s) learning_rate"),
        (#"{"optimizer": "sgd"}"#, "optimizer 'sgd': this recipe trains with adam"),
        (#"{"layers": "dense:4,relu,dense:1"}"#, "layers must end with the output layer dense:CLASSES (at least 2 classes)"),
        (#"{"epochs": "ten"}"#, "is not a model description"),
    ])
    func aBadConfigFileIsOneLineAndExitStatusOne(_ text: String, _ message: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: dir + "/model.json", atomically: true, encoding: .utf8)
        try blobsCSV(rows: 30, seed: 1).write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let result = try runDlpack(["train", dir + "/d.csv", "--config", dir + "/model.json", "--out", dir + "/never.dlpk"])
        #expect(result.status == 1)
        #expect(isOneErrorLine(result.stderr), "\(result.stderr)")
        #expect(result.stderr.hasPrefix("dlpack: \(dir)/model.json") && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.dlpk"))
    }

    @Test func aMissingFileIsOneLineAndExitStatusOne() throws {
        let result = try runDlpack(["train", "/nonexistent/data.csv", "--out", "/tmp/never.dlpk"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("dlpack: /nonexistent/data.csv"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.dlpk"))
    }

    @Test(arguments: ["dense:16,tanh,dense:3", "dense:16,relu", "dense:0,dense:3", "dropout:2,dense:3"])
    func aBadLayerListIsAUsageError(_ layers: String) throws {
        let result = try runDlpack(["train", "data.csv", "--layers", layers, "--out", "/tmp/never.dlpk"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--layers"))
    }
}
