import DLTrain
import Foundation

/// `dlpack-bench train`: trains the digits MLP and the MNIST-5k CNN in dlpack and in PyTorch
/// with the same hyperparameters, split and thread count, and prints samples/s and test
/// accuracy of both and their ratio. The split is handed to PyTorch as .npy files, so both
/// train on exactly the same data (bindings/python/benchmarks/train_peer.py).
/// Environment: DLPK_BENCH_THREADS (default 1), DLPK_BENCH_MODEL (mlp or cnn; default both),
/// PYTHON (default python3). The data comes from Tests/Data of this checkout.
enum TrainBenchmark {
    /// The entry point of the benchmark registry (`rounds` is unused: one training per model).
    static func run(rounds: Int) {
        let env = ProcessInfo.processInfo.environment
        var arguments = ["--threads", env["DLPK_BENCH_THREADS"] ?? "1", "--python", env["PYTHON"] ?? "python3"]
        if let model = env["DLPK_BENCH_MODEL"] { arguments += ["--model", model] }
        do { try run(arguments) } catch { print("train benchmark failed: \(error)") }
    }

    struct Setup {
        var name: String
        var model: String
        var epochs: Int
        var batch: Int
        var learningRate: Float
        var train: Dataset
        var test: Dataset
        var build: () throws -> Sequential
    }

    static func run(_ arguments: [String]) throws {
        func option(_ name: String) -> String? {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        let threads = Int(option("--threads") ?? "1") ?? 1
        let dataDir = option("--data-dir") ?? repositoryRoot.appendingPathComponent("Tests/Data").path
        let python = option("--python") ?? "python3"
        let only = option("--model")
        Compute.threads = threads
        print("training benchmark: dlpack vs PyTorch, \(threads) thread(s), same split and hyperparameters")
        print("model              framework   samples/s   seconds   test accuracy")
        for setup in try setups(dataDir: dataDir) where only == nil || only == setup.model {
            let model = try setup.build()
            let start = Date()
            _ = try model.fit(setup.train, loss: .crossEntropy, optimizer: Adam(learningRate: setup.learningRate),
                              epochs: setup.epochs, batchSize: setup.batch,
                              callbacks: [LearningRateScheduler(.cosine(steps: setup.epochs * ((setup.train.count + setup.batch - 1) / setup.batch)))],
                              seed: 7, progress: false)
            let seconds = Date().timeIntervalSince(start)
            let ours = Double(setup.epochs * setup.train.count) / seconds
            let accuracy = try model.evaluate(setup.test, loss: .crossEntropy, metrics: [.accuracy])["accuracy"]!
            print(row(setup.name, "dlpack", ours, seconds, Double(accuracy)))
            let peer = try runPeer(setup, python: python, threads: threads)
            print(row(setup.name, "pytorch", peer.samplesPerSecond, peer.seconds, peer.accuracy))
            print(String(format: "%@ dlpack/pytorch samples/s: %.2fx", setup.name.padding(toLength: 18, withPad: " ", startingAt: 0),
                         ours / peer.samplesPerSecond))
        }
    }

    static func row(_ name: String, _ framework: String, _ rate: Double, _ seconds: Double, _ accuracy: Double) -> String {
        name.padding(toLength: 19, withPad: " ", startingAt: 0) + framework.padding(toLength: 10, withPad: " ", startingAt: 0)
            + String(format: "%11.0f %9.2f %14.4f", rate, seconds, accuracy)
    }

    static func setups(dataDir: String) throws -> [Setup] {
        let digits = try CSVLoader.classification(path: dataDir + "/digits.csv", classes: 10)
        let scaled = FeatureScaler.scaling(by: 1 / 16, features: 64).apply(digits)
        let parts = try scaled.split([0.75, 0.25], seed: 4)
        var list = [Setup(name: "digits MLP", model: "mlp", epochs: 40, batch: 32, learningRate: 3e-3,
                          train: parts[0], test: parts[1]) {
            try Sequential(inputShape: [64], seed: 42, [
                Dense(64, 128, initializer: .heUniform), ReLU(), Dropout(0.2),
                Dense(128, 64, initializer: .heUniform), ReLU(), Dropout(0.2),
                Dense(64, 10),
            ])
        }]
        list += try cnnSetups(dataDir: dataDir)
        return list
    }

    /// The checkout this benchmark was built from (data and the Python peer live there).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct PeerResult { var samplesPerSecond: Double; var seconds: Double; var accuracy: Double }

    static func runPeer(_ setup: Setup, python: String, threads: Int) throws -> PeerResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dlpack-train-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, data) in [("train", setup.train), ("test", setup.test)] {
            try NPYWriter.write(path: dir.appendingPathComponent("x_\(name).npy").path,
                                shape: [data.count] + data.sampleShape, values: data.features)
            try NPYWriter.write(path: dir.appendingPathComponent("y_\(name).npy").path,
                                shape: [data.count], values: data.targets.labels!.map(Float.init))
        }
        let script = repositoryRoot.appendingPathComponent("bindings/python/benchmarks/train_peer.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--data", dir.path, "--model", setup.model, "--epochs", "\(setup.epochs)",
                             "--batch", "\(setup.batch)", "--lr", "\(setup.learningRate)", "--threads", "\(threads)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(data: output, encoding: .utf8)?.split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let rate = json["samples_per_second"] as? Double, let seconds = json["seconds"] as? Double,
              let accuracy = json["accuracy"] as? Double else {
            throw BenchError("the PyTorch peer failed (is torch installed for \(python)?)")
        }
        return PeerResult(samplesPerSecond: rate, seconds: seconds, accuracy: accuracy)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
