import ArgumentParser
import DLCore
import DLFormat
import DLRuntime
import DLTrain
import Foundation

/// `dlpack demo`: the first five minutes in one command. Trains a small CNN on the bundled
/// digits, exports fp32 and int8 .dlpk files, runs both through libdlpk from C and from
/// Python and prints accuracy, size and latency side by side.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a CNN on the bundled digits, export fp32 and int8 .dlpk, run both through libdlpk from C and Python.",
        discussion: """
            Run from the repository root (it reads Tests/Data/digits.csv and builds bindings/c/demo_eval.c).
            libdlpk is installed once under <out>/../libdlpk with bindings/c/install.sh (reused afterwards).
            The Python step (bindings/python/demo_eval.py, package dlpk) is skipped with a notice when
            python3 or numpy is missing. Writes the models, training.svg/.png, confusion.svg/.png,
            history.json/.csv and confusion.json under --out.

            Examples:
              dlpack demo
              dlpack demo --out /tmp/demo --epochs 12
              dlpack demo --quick --no-c      (seconds, runs the files in-process through DLRuntime)

            \(ExitStatus.helpText)
            """)

    @Option(help: "Directory for the models, the test samples, the curves and the C program.")
    var out: String = "out/demo"

    @Option(help: "The digits CSV (64 pixel columns 0...16, then the label).")
    var data: String?

    @Option(help: "Training epochs.")
    var epochs: Int = 10

    @Flag(help: "Two epochs, no accuracy target (for tests and a first look).")
    var quick = false

    @Flag(name: .customLong("no-c"), help: "Skip the C runtime; run the files in-process through DLRuntime.")
    var noC = false

    @Option(help: "The libdlpk install prefix (default: <out>/../libdlpk; installed there when missing).")
    var prefix: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) {
            let root = Self.repositoryRoot()
            let dataPath = data ?? root + "/Tests/Data/digits.csv"
            guard FileManager.default.fileExists(atPath: dataPath) else {
                throw DLError(.ioError, "\(dataPath) not found: run from the repository root or pass --data")
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

            // 1. Data: pixels / 16 as [1, 8, 8] images, stratified 75/25 split with a fixed seed.
            let raw = try CSVLoader.classification(path: dataPath, classes: 10)
            let parts = try raw.split([0.75, 0.25], seed: 4)
            let scaler = FeatureScaler.scaling(by: 1 / 16, features: 64)
            let train = try scaler.apply(parts[0]).reshaped([1, 8, 8])
            let test = try scaler.apply(parts[1]).reshaped([1, 8, 8])
            print("digits: \(train.count) training and \(test.count) test images (8×8, pixels / 16), from \(dataPath)")

            // 2. Train.
            let model = try Sequential(inputShape: [1, 8, 8], seed: 1, [
                Conv2D(1, 16, kernel: (3, 3), padding: .same), ReLU(), MaxPool2D(),
                Conv2D(16, 32, kernel: (3, 3), padding: .same), ReLU(), MaxPool2D(),
                Flatten(), Dense(32 * 2 * 2, 64, initializer: .heUniform), ReLU(), Dense(64, 10),
            ])
            let runEpochs = quick ? 2 : epochs
            let steps = runEpochs * ((train.count + 31) / 32)
            print("training a CNN (conv 16 → pool → conv 32 → pool → dense 64 → 10) for \(runEpochs) epochs")
            let started = Date()
            let trained = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: 3e-3),
                                        epochs: runEpochs, batchSize: 32, validation: test, metrics: [.accuracy],
                                        callbacks: [LearningRateScheduler(.cosine(steps: steps))], seed: 2)
            let trainSeconds = Date().timeIntervalSince(started)
            let accuracy = try model.evaluate(test, loss: .crossEntropy, metrics: [.accuracy])["accuracy"] ?? 0
            print(String(format: "trained in %.1f s; test accuracy (Swift, in training) %.2f%%", trainSeconds, accuracy * 100))
            if !quick && accuracy < 0.95 {
                throw DLError(.numericalError, String(format: "test accuracy %.2f%% is below the demo's 95%% target", accuracy * 100))
            }

            // 3. Curves, confusion matrix, export, and the raw test samples for the C and Python programs.
            let history = HistoryFile(trained)
            let keys = ["loss", "accuracy", "val_loss", "val_accuracy"]
            let csvPath = out + "/history.csv", jsonPath = out + "/history.json"
            try writeFile(Data(TrainingPlot.csv(history, keys: keys).utf8), to: csvPath)
            try writeFile(try history.json(), to: jsonPath)
            let curves = try Plot.write(TrainingPlot.drawing(history, keys: keys, title: "digits CNN: loss and accuracy per epoch"),
                                        to: out + "/training")
            let labels = (0..<10).map { "digit \($0)" }
            let confusion = ConfusionMatrix(labels: test.targets.labels ?? [], predicted: try model.predictClasses(test), classes: 10)
            let confusionFile = ConfusionFile(confusion, labels: (0..<10).map(String.init))
            try writeFile(try confusionFile.json(), to: out + "/confusion.json")
            let confusionImages = try Plot.write(ConfusionChart.drawing(confusion, labels: confusionFile.labels,
                                                                        title: "digits CNN, test set"), to: out + "/confusion")
            let fp32Path = out + "/digits_fp32.dlpk", int8Path = out + "/digits_int8.dlpk"
            try model.export(to: fp32Path, precision: .float32, labels: labels, preprocessing: [scaler.metadata])
            try model.export(to: int8Path, precision: .int8, labels: labels, preprocessing: [scaler.metadata],
                             calibration: train)
            let samplesPath = out + "/test_pixels.f32", labelsPath = out + "/test_labels.i32"
            try writeBinary(parts[1].features, to: samplesPath)
            try writeBinary((parts[1].targets.labels ?? []).map(Int32.init), to: labelsPath)

            // 4. Run both files: through libdlpk from C and from Python, or in-process when that is not possible.
            var results: [(runner: String, fp32: Measurement, int8: Measurement)] = []
            var notes: [String] = []
            if noC {
                results.append(("DLRuntime in-process", try Self.runInProcess(fp32Path, test), try Self.runInProcess(int8Path, test)))
                notes.append("libdlpk from C and Python: skipped (--no-c)")
            } else {
                do {
                    let (program, library) = try buildCProgram(root: root)
                    let c = try [fp32Path, int8Path].map { try Self.parse(Self.shell([program, $0, samplesPath, labelsPath, String(test.count)],
                                                                                     in: FileManager.default.currentDirectoryPath)) }
                    results.append(("libdlpk from C", c[0], c[1]))
                    if let reason = Self.pythonMissing() {
                        notes.append("libdlpk from Python: skipped (\(reason))")
                    } else {
                        // A failure here leaves the C figures standing: it is reported, not fatal.
                        let script = root + "/bindings/python/demo_eval.py"
                        let environment = ["DLPK_LIBRARY": library, "PYTHONPATH": root + "/bindings/python/src"]
                        do {
                            let py = try [fp32Path, int8Path].map {
                                try Self.parse(Self.shell(["python3", script, $0, samplesPath, labelsPath, String(test.count)],
                                                          in: FileManager.default.currentDirectoryPath, environment: environment))
                            }
                            results.append(("libdlpk from Python", py[0], py[1]))
                        } catch let error as DLError {
                            notes.append("libdlpk from Python: failed (\(error.message))")
                        }
                    }
                } catch let error as DLError {
                    print("note: the libdlpk step failed (\(error.message));")
                    print("      falling back to DLRuntime in-process, NOT libdlpk")
                    results.append(("DLRuntime in-process (libdlpk step failed)",
                                    try Self.runInProcess(fp32Path, test), try Self.runInProcess(int8Path, test)))
                }
            }

            // 5. The table and the paths.
            print("")
            print("\(test.count) test images, one at a time (batch 1), through each runtime; latency per image")
            let header = ["precision", "accuracy", "file size", "latency p50", "latency mean", "run through"]
            var rows: [[String]] = []
            for result in results {
                for (name, path, r) in [("fp32", fp32Path, result.fp32), ("int8", int8Path, result.int8)] {
                    rows.append([name, String(format: "%.2f%%", r.accuracy * 100), TextFormat.fileSize(path),
                                 String(format: "%.1f µs", r.p50), String(format: "%.1f µs", r.mean), result.runner])
                }
            }
            print(TextFormat.table(header, rows))
            for note in notes { print(note) }
            print("")
            print("wrote:")
            var written = [("fp32 model", fp32Path), ("int8 model", int8Path)]
            written += curves.map { ("training curves (\($0.split(separator: ".").last!.uppercased()))", $0) }
            written += confusionImages.map { ("confusion matrix (\($0.split(separator: ".").last!.uppercased()))", $0) }
            written += [("training history (JSON)", jsonPath), ("training history (CSV)", csvPath),
                        ("confusion matrix (JSON)", out + "/confusion.json"),
                        ("test images (raw f32)", samplesPath), ("test labels (int32)", labelsPath)]
            for (what, path) in written {
                print("  \(what.padding(toLength: 26, withPad: " ", startingAt: 0)) \(path)")
            }
            print("redraw: dlpack plot --history \(jsonPath) --out curves")
        }
    }

    struct Measurement {
        var accuracy: Double
        var mean: Double
        var p50: Double
    }

    /// The repository: the current directory when it holds Package.swift, else where this
    /// source file was compiled from.
    static func repositoryRoot() -> String {
        let cwd = FileManager.default.currentDirectoryPath
        if FileManager.default.fileExists(atPath: cwd + "/bindings/c/demo_eval.c") { return cwd }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Installs libdlpk under the prefix unless it is there, then compiles demo_eval.c against it.
    private func buildCProgram(root: String) throws -> (program: String, library: String) {
        let outURL = URL(fileURLWithPath: out, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        let prefixPath = prefix ?? outURL.deletingLastPathComponent().appendingPathComponent("libdlpk").standardized.path
        let library = prefixPath + "/lib/libdlpk.so"
        if FileManager.default.fileExists(atPath: library) && FileManager.default.fileExists(atPath: prefixPath + "/include/dlpk.h") {
            print("libdlpk: using \(library)")
        } else {
            // The release modules are already built for this command; linking libdlpk.so from
            // them takes seconds, where install.sh's own static-stdlib build recompiles everything.
            print("libdlpk: building (swift build -c release --product dlpk) and installing to \(prefixPath)")
            try Self.shell(["swift", "build", "-c", "release", "--product", "dlpk"], in: root)
            try Self.shell(["bash", "bindings/c/install.sh", prefixPath], in: root, environment: ["SKIP_BUILD": "1"])
        }
        let program = outURL.appendingPathComponent("demo_eval").standardized.path
        // A Swift toolchain brings clang even where the system has no `cc`.
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        let cc = ProcessInfo.processInfo.environment["CC"]
            ?? ["cc", "clang", "gcc"].first { name in path.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") } }
            ?? "cc"
        try Self.shell([cc, "-O2", "-o", program, root + "/bindings/c/demo_eval.c", "-I", prefixPath + "/include",
                        "-L", prefixPath + "/lib", "-ldlpk", "-Wl,-rpath," + prefixPath + "/lib"], in: root)
        return (program, library)
    }

    /// The `accuracy=… mean_us=… p50_us=…` line that demo_eval.c and demo_eval.py print.
    private static func parse(_ line: String) throws -> Measurement {
        var fields: [String: Double] = [:]
        for pair in line.split(whereSeparator: \.isWhitespace) {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let v = Double(kv[1]) { fields[String(kv[0])] = v }
        }
        guard let accuracy = fields["accuracy"], let mean = fields["mean_us"], let p50 = fields["p50_us"] else {
            throw DLError(.invalidData, "demo_eval printed \(line)")
        }
        return Measurement(accuracy: accuracy, mean: mean, p50: p50)
    }

    /// Why the Python step cannot run here, or nil when python3 with numpy is there.
    private static func pythonMissing() -> String? {
        do { try shell(["python3", "-c", "import numpy"], in: FileManager.default.currentDirectoryPath) } catch {
            return "python3 with numpy not found"
        }
        return nil
    }

    private static func runInProcess(_ path: String, _ test: Dataset) throws -> Measurement {
        let session = try Session(model: try DLRuntime.Model.open(path: path))
        var correct = 0
        var micros: [Double] = []
        let labels = test.targets.labels ?? []
        for n in 0..<test.count {
            let x = test.batch(rows: [n])
            let t0 = DispatchTime.now().uptimeNanoseconds
            let y = try session.run([x.data], shapes: [Shape(x.shape)])[0]
            micros.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
            if y.indices.max(by: { y[$0] < y[$1] }) == labels[n] { correct += 1 }
        }
        let sorted = micros.sorted()
        return Measurement(accuracy: Double(correct) / Double(test.count),
                           mean: micros.reduce(0, +) / Double(micros.count), p50: sorted[sorted.count / 2])
    }

    /// Runs a command and returns its stdout; a failure becomes a DLError with its stderr.
    @discardableResult
    static func shell(_ command: [String], in directory: String, environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch {
            throw DLError(.ioError, "cannot start \(command[0]): \(error.localizedDescription)")
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let detail = String(decoding: errors, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw DLError(.ioError, "\(command.prefix(3).joined(separator: " ")) exited with \(process.terminationStatus): \(detail)")
        }
        return String(decoding: output, as: UTF8.self)
    }

    private func writeBinary<T>(_ values: [T], to path: String) throws {
        try writeFile(values.withUnsafeBytes { Data($0) }, to: path)
    }
}
