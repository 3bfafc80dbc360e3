import ArgumentParser
import DLCore
import DLTrain
import Foundation

/// `dlpack train DATA.csv --layers … --out model.dlpk`: a classifier MLP through
/// ClassifierRecipe (split, scaling, Adam with a cosine schedule), exported to .dlpk. The
/// model can also be described in a JSON file (TrainSettings.swift).
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a classifier MLP on a CSV (features, then an integer label column) and write a .dlpk.",
        discussion: """
            --layers lists dense:N, relu and dropout:P in order; the last dense is the output and its
            width is the number of classes. A stratified share (--test-fraction) is held out for the
            reported test figures; the scaling fitted on the rest is stored in the model.

            Examples:
              dlpack train Tests/Data/digits.csv --layers "dense:128,relu,dense:64,relu,dense:10" --epochs 20 --out digits.dlpk
              dlpack train data.csv --layers "dense:32,relu,dropout:0.1,dense:3" --out small.dlpk --int8
              dlpack train data.csv --config model.json --epochs 5 --out quick.dlpk

            --config reads the model from a JSON (or .yaml) file, for example \
            {"layers": ["dense:64", "relu", "dense:3"], "optimizer": "adam", "epochs": 30, "batchSize": 32, \
            "learningRate": 0.003, "scaling": "standardize", "testFraction": 0.25, "seed": 0, "labels": ["a", "b", "c"]}; \
            in YAML the same keys, one per line (`epochs: 30`), lists as [a, b] or as "- item" lines. \
            Options given on the command line win over the file.

            Next to the model it writes <name>.history.json (for `dlpack plot --history`), the training \
            curves <name>.training.svg and .png, and the test split's confusion matrix \
            <name>.confusion.svg and .png (--no-plots: only the model).

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The training data: a CSV with a header row; the last column holds class indices 0..<classes.")
    var data: String

    @Option(help: "A JSON or YAML model description: layers, optimizer, epochs, batchSize, learningRate, ... (options given here win).")
    var config: String?

    @Option(help: "The layers, comma-separated: dense:N, relu, dropout:P; the last must be dense:CLASSES. (default: \(TrainSettings.defaultLayers))")
    var layers: String?

    @Option(help: "Training epochs. (default: 20)")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Samples per step. (default: 32)")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), help: "Adam's learning rate, cosine-decayed over the run. (default: 0.003)")
    var learningRate: Float?

    @Option(help: "Input scaling fitted on the training split: standardize, minmax, none, or a factor such as 0.0625. (default: standardize)")
    var scaling: String?

    @Option(name: .customLong("test-fraction"), help: "The share held out for the test figures. (default: 0.25)")
    var testFraction: Double?

    @Option(help: "Seed for the split, the initial weights and the shuffling. (default: 0)")
    var seed: UInt64?

    @Option(help: "The .dlpk file to write.")
    var out: String

    @Flag(help: "Export int8 (calibrated on the training split) instead of fp32.")
    var int8 = false

    @Option(help: "Class names stored in the model, comma-separated (default: the class indices).")
    var labels: String?

    @Flag(inversion: .prefixedNo, help: "Write the history, training curves and confusion matrix next to the model.")
    var plots = true

    @OptionGroup var common: CommonOptions

    /// Command-line values are checked here (a bad one is a usage error); the file's in `run`.
    func validate() throws {
        do {
            try TrainSettings.check(epochs: epochs, batchSize: batchSize, learningRate: learningRate, testFraction: testFraction, optimizer: nil)
            if let layers { _ = try TrainSettings.layers(layers.split(separator: ",").map(String.init)) }
            if let scaling { _ = try TrainSettings.scaling(scaling) }
        } catch {
            throw ValidationError("--" + error.message.replacingOccurrences(of: "batch size", with: "batch-size")
                                  .replacingOccurrences(of: "the learning rate", with: "learning-rate")
                                  .replacingOccurrences(of: "the test fraction", with: "test-fraction"))
        }
    }

    /// The command line over the file over the defaults.
    func settings() throws(DLError) -> TrainSettings {
        let file = try config.map { (path) throws(DLError) in try TrainConfig.read(path: path) } ?? TrainConfig()
        do {
            try TrainSettings.check(epochs: file.epochs, batchSize: file.batchSize, learningRate: file.learningRate,
                                    testFraction: file.testFraction, optimizer: file.optimizer)
            let layerItems = layers.map { $0.split(separator: ",").map(String.init) } ?? file.layers
                ?? TrainSettings.defaultLayers.split(separator: ",").map(String.init)
            let (hidden, dropout, classes) = try TrainSettings.layers(layerItems)
            return TrainSettings(hidden: hidden, dropout: dropout, classes: classes, epochs: epochs ?? file.epochs ?? 20,
                                 batchSize: batchSize ?? file.batchSize ?? 32, learningRate: learningRate ?? file.learningRate ?? 3e-3,
                                 scaling: try TrainSettings.scaling(scaling ?? file.scaling ?? "standardize"),
                                 testFraction: testFraction ?? file.testFraction ?? 0.25, seed: seed ?? file.seed ?? 0,
                                 labels: labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? file.labels)
        } catch {
            throw DLError(.invalidArgument, "\(config ?? "--config"): \(error.message)")
        }
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) {
            let settings = try self.settings()
            let recipe = ClassifierRecipe(hidden: settings.hidden, epochs: settings.epochs, batchSize: settings.batchSize,
                                          learningRate: settings.learningRate, dropout: settings.dropout,
                                          testFraction: settings.testFraction, scaling: settings.scaling, seed: settings.seed)
            guard FileManager.default.fileExists(atPath: data) else { throw DLError(.fileNotFound, "\(data): no such file") }
            let dataset = try CSVLoader.classification(path: data, classes: settings.classes)
            let names = settings.labels ?? (0..<settings.classes).map(String.init)
            guard names.count == settings.classes else {
                throw DLError(.invalidArgument, "\(names.count) labels for \(settings.classes) classes (the output layer's width)")
            }
            print("training on \(dataset.count) samples of \(dataset.sampleWidth) features: "
                  + "\(([dataset.sampleWidth] + settings.hidden + [settings.classes]).map(String.init).joined(separator: " → ")), \(settings.epochs) epochs")
            let result = try recipe.train(dataset)
            print(result.report)
            try result.export(to: out, precision: int8 ? .int8 : .float32, labels: names)
            print("wrote \(out) (\(int8 ? "int8" : "fp32"), \(TextFormat.fileSize(out)))")
            if plots { try writePlots(result, names: names) }
        }
    }

    /// <base>.history.json, <base>.training.svg/.png and <base>.confusion.svg/.png, <base>
    /// the model's path without its .dlpk extension.
    private func writePlots(_ result: ClassifierRecipe.Result, names: [String]) throws {
        let base = out.hasSuffix(".dlpk") ? String(out.dropLast(5)) : out
        let history = HistoryFile(result.history)
        try writeFile(try history.json(), to: base + ".history.json")
        var written = [base + ".history.json"]
        written += try Plot.write(TrainingPlot.drawing(history, keys: TrainingPlot.plottedKeys(history),
                                                       title: "training curves (\(history.epochs.count) epochs)"), to: base + ".training")
        written += try Plot.write(ConfusionChart.drawing(result.confusion, labels: names, title: "test split"), to: base + ".confusion")
        print("wrote " + written.joined(separator: ", "))
    }
}
