import ArgumentParser
import DLCore
import DLTrain
import Foundation

/// `dlpack train DATA.csv --layers … --out model.dlpk`: a classifier MLP through
/// ClassifierRecipe (split, scaling, Adam with a cosine schedule), exported to .dlpk.
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

            Next to the model it writes <name>.history.json (for `dlpack plot --history`), the training \
            curves <name>.training.svg and .png, and the test split's confusion matrix \
            <name>.confusion.svg and .png (--no-plots: only the model).

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The training data: a CSV with a header row; the last column holds class indices 0..<classes.")
    var data: String

    @Option(help: "The layers, comma-separated: dense:N, relu, dropout:P; the last must be dense:CLASSES.")
    var layers: String = "dense:128,relu,dense:64,relu,dense:10"

    @Option(help: "Training epochs.")
    var epochs: Int = 20

    @Option(name: .customLong("batch-size"), help: "Samples per step.")
    var batchSize: Int = 32

    @Option(name: .customLong("learning-rate"), help: "Adam's learning rate (cosine-decayed over the run).")
    var learningRate: Float = 3e-3

    @Option(help: "Input scaling fitted on the training split: standardize, minmax, none, or a factor such as 0.0625.")
    var scaling: String = "standardize"

    @Option(name: .customLong("test-fraction"), help: "The share held out for the test figures.")
    var testFraction: Double = 0.25

    @Option(help: "Seed for the split, the initial weights and the shuffling.")
    var seed: UInt64 = 0

    @Option(help: "The .dlpk file to write.")
    var out: String

    @Flag(help: "Export int8 (calibrated on the training split) instead of fp32.")
    var int8 = false

    @Option(help: "Class names stored in the model, comma-separated (default: the class indices).")
    var labels: String?

    @Flag(inversion: .prefixedNo, help: "Write the history, training curves and confusion matrix next to the model.")
    var plots = true

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if epochs < 1 || batchSize < 1 { throw ValidationError("--epochs and --batch-size must be at least 1") }
        if !(0 < testFraction && testFraction < 1) { throw ValidationError("--test-fraction must be between 0 and 1") }
        _ = try parsedLayers()
        _ = try parsedScaling()
    }

    /// The hidden widths, the dropout rate and the number of classes.
    func parsedLayers() throws -> (hidden: [Int], dropout: Float, classes: Int) {
        var dense: [Int] = []
        var dropout: Float = 0
        let items = layers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for (i, item) in items.enumerated() {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "dense":
                guard parts.count == 2, let n = Int(parts[1]), n > 0 else { throw ValidationError("--layers: '\(item)' needs a positive width, as in dense:64") }
                dense.append(n)
            case "relu":
                guard i > 0, items[i - 1].hasPrefix("dense"), i + 1 < items.count else {
                    throw ValidationError("--layers: relu must follow a hidden dense layer")
                }
            case "dropout":
                guard parts.count == 2, let p = Float(parts[1]), (0..<1).contains(p) else { throw ValidationError("--layers: '\(item)' needs a rate in [0, 1), as in dropout:0.2") }
                dropout = p
            default:
                throw ValidationError("--layers: unknown layer '\(item)' (this recipe builds dense:N, relu and dropout:P)")
            }
        }
        guard let classes = dense.last, classes >= 2, items.last?.hasPrefix("dense") == true else {
            throw ValidationError("--layers must end with the output layer dense:CLASSES (at least 2 classes)")
        }
        return (Array(dense.dropLast()), dropout, classes)
    }

    func parsedScaling() throws -> ClassifierRecipe.Scaling {
        switch scaling {
        case "standardize": return .standardize
        case "minmax": return .minMax
        case "none": return .none
        default:
            guard let k = Float(scaling), k.isFinite, k != 0 else {
                throw ValidationError("--scaling must be standardize, minmax, none or a non-zero factor")
            }
            return .multiply(k)
        }
    }

    func run() throws {
        let (hidden, dropout, classes) = try parsedLayers()
        let recipe = ClassifierRecipe(hidden: hidden, epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                                      dropout: dropout, testFraction: testFraction, scaling: try parsedScaling(), seed: seed)
        try reportingErrors(verbose: common.verbose) {
            guard FileManager.default.fileExists(atPath: data) else { throw DLError(.fileNotFound, "\(data): no such file") }
            let dataset = try CSVLoader.classification(path: data, classes: classes)
            let names = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                ?? (0..<classes).map(String.init)
            guard names.count == classes else {
                throw DLError(.invalidArgument, "--labels names \(names.count) classes, the output layer has \(classes)")
            }
            print("training on \(dataset.count) samples of \(dataset.sampleWidth) features: "
                  + "\(([dataset.sampleWidth] + hidden + [classes]).map(String.init).joined(separator: " → ")), \(epochs) epochs")
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
