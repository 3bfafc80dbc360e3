import ArgumentParser
import DLConvert
import DLCore
import DLRuntime
import Foundation

/// `dlpack run MODEL.dlpk --input NAME=FILE.npy ... --output-dir DIR`: runs a model once
/// on numpy inputs and writes each output as DIR/output_<i>.npy (what the conformance
/// and real-model scripts use to drive the runtime).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a .dlpk model on .npy inputs and write its outputs as .npy files.",
        discussion: """
            Inputs are taken as the graph declares them (no preprocessing applied); numpy arrays of \
            another element type are converted to the model's. Outputs keep their element types.

            Examples:
              dlpack run model.dlpk --input x=input.npy --output-dir out/
              dlpack run model.dlpk --input input.npy --output-dir out/ --threads 2

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The model.")
    var model: String

    @Option(name: .customLong("input"), help: "NAME=FILE.npy, one per graph input (or FILE.npy, in input order).")
    var inputs: [String] = []

    @Option(help: "Where to write output_<i>.npy.")
    var outputDir: String

    @Option(help: "Threads the kernels may use.")
    var threads: Int = 1

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if inputs.isEmpty { throw ValidationError("give the model's inputs with --input NAME=FILE.npy") }
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
            tensors[index] = try NpyFile.read(path: path)
        }
        let missing = names.indices.filter { tensors[$0] == nil }.map { names[$0] }
        guard missing.isEmpty else { throw DLError(.invalidArgument, "no data for input(s) \(missing.joined(separator: ", "))") }
        let outputs = try ModelRunner.runOnce(loaded, inputs: tensors.map { $0! }, threads: threads)
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        for (i, t) in outputs.enumerated() {
            try NpyFile.write(t, path: "\(outputDir)/output_\(i).npy")
            common.log("output \(i) '\(loaded.outputName(i))' \(t.type.name) \(t.dims) -> \(outputDir)/output_\(i).npy")
        }
    }
}
