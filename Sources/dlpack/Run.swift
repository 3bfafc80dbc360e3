import ArgumentParser
import DLConvert
import DLCore
import DLRuntime
import Foundation

/// `dlpack run MODEL.dlpk --input NAME=FILE.npy ... --output-dir DIR`: runs a model once
/// on numpy (or CSV) inputs and writes each output as DIR/output_<i>.npy (what the
/// conformance and real-model scripts use to drive the runtime), or prints the top classes.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a .dlpk model on .npy or CSV inputs; write the outputs as .npy files or print the top classes.",
        discussion: """
            .npy inputs are taken as the graph declares them (no preprocessing applied); numpy arrays \
            of another element type are converted to the model's. A CSV (one-input models) holds raw \
            rows, one sample each, as `dlpack train` reads them: the model's stored preprocessing is \
            applied and a label column beyond the input width is ignored. Outputs keep their element types.
            --top-k K prints, per sample, the K highest-scoring classes of the first output with the \
            model's labels and softmax probabilities (the scores themselves when they already sum to 1).

            Examples:
              dlpack run model.dlpk --input x=input.npy --output-dir out/
              dlpack run model.dlpk --input input.npy --output-dir out/ --threads 2
              dlpack run digits.dlpk --input Tests/Data/digits.csv --top-k 3

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The model.")
    var model: String

    @Option(name: .customLong("input"), help: "NAME=FILE.npy, one per graph input (or FILE.npy, in input order).")
    var inputs: [String] = []

    @Option(help: "Where to write output_<i>.npy.")
    var outputDir: String?

    @Option(name: .customLong("top-k"), help: "Print the K most likely classes per sample (first output).")
    var topK: Int?

    @Option(help: "Threads the kernels may use.")
    var threads: Int = 1

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if inputs.isEmpty { throw ValidationError("give the model's inputs with --input NAME=FILE.npy") }
        if outputDir == nil && topK == nil { throw ValidationError("give --output-dir DIR, --top-k K, or both") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) { try runModel() }
    }

    private func runModel() throws {
        let loaded = try Model.open(path: model)
        let names = (0..<loaded.graph.inputs.count).map { loaded.inputName($0) }
        var tensors = [HostTensor?](repeating: nil, count: names.count)
        for (k, spec) in inputs.enumerated() {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            let (name, path) = parts.count == 2 ? (parts[0], parts[1]) : (k < names.count ? names[k] : "", parts[0])
            guard let index = names.firstIndex(of: name) else {
                throw DLError(.notFound, "\(model) has no input '\(name)' (inputs: \(names.joined(separator: ", ")))")
            }
            tensors[index] = path.lowercased().hasSuffix(".csv")
                ? try ModelInputs.load(path: path, graph: loaded.graph, metadata: loaded.metadata).data.inputs[0]
                : try NpyFile.read(path: path)
        }
        let missing = names.indices.filter { tensors[$0] == nil }.map { names[$0] }
        guard missing.isEmpty else { throw DLError(.invalidArgument, "no data for input(s) \(missing.joined(separator: ", "))") }
        let outputs = try ModelRunner.runOnce(loaded, inputs: tensors.map { $0! }, threads: threads)
        if let outputDir {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            for (i, t) in outputs.enumerated() {
                try NpyFile.write(t, path: "\(outputDir)/output_\(i).npy")
                common.log("output \(i) '\(loaded.outputName(i))' \(t.type.name) \(t.dims) -> \(outputDir)/output_\(i).npy")
            }
        }
        if let topK, let first = outputs.first { try printTopK(first, k: topK, labels: loaded.metadata.labels) }
    }

    /// One line per sample: `sample 0: 3 (0.981), 8 (0.012), 5 (0.004)`.
    private func printTopK(_ output: HostTensor, k: Int, labels: [String]) throws {
        guard output.type == .float, let classes = output.dims.last, classes >= 1 else {
            throw DLError(.unsupportedDType, "--top-k needs float class scores; the first output is \(output.type.name) \(output.dims)")
        }
        let scores = output.bytes.withUnsafeBytes { raw in (0..<output.bytes.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        for n in 0..<(scores.count / classes) {
            let row = Array(scores[n * classes ..< (n + 1) * classes])
            let probabilities = Self.probabilities(row)
            let best = row.indices.sorted { row[$0] > row[$1] }.prefix(k)
            let cells = best.map { c in "\(labels.count == classes ? labels[c] : String(c)) (\(String(format: "%.3f", probabilities[c])))" }
            print("sample \(n): " + cells.joined(separator: ", "))
        }
    }

    /// The scores when they already form a distribution, else their softmax.
    static func probabilities(_ scores: [Float]) -> [Float] {
        let sum = scores.reduce(0, +)
        if scores.allSatisfy({ $0 >= 0 && $0 <= 1 }) && abs(sum - 1) < 1e-3 { return scores }
        let top = scores.max() ?? 0
        let e = scores.map { Foundation.exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}
