import ArgumentParser
import DLConvert
import DLCore
import DLFormat
import DLTrain
import Foundation

/// `dlpack plot`: training curves from a saved history, or a confusion matrix (from a model
/// and labelled data, or from a saved matrix), as SVG and PNG.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw training curves or a confusion matrix as SVG and PNG.",
        discussion: """
            Training curves: --history FILE, the history.json (or history.csv) that `dlpack train` \
            and `dlpack demo` write. Losses are drawn on the left, accuracy-like metrics on the right.
            Confusion matrix: --model MODEL.dlpk --data DATA.csv (raw rows with the label in the last \
            column, as `dlpack train` reads them; the model's stored preprocessing is applied), or \
            --matrix confusion.json as `dlpack demo` writes it ({"labels": [...], "counts": [[...]]}, \
            rows the true class).
            --out BASE writes BASE.svg and BASE.png (--format picks one).

            Examples:
              dlpack plot --history out/demo/history.json --out out/demo/curves
              dlpack plot --model digits.dlpk --data Tests/Data/digits.csv --out confusion
              dlpack plot --matrix out/demo/confusion.json --out confusion --format png

            \(ExitStatus.helpText)
            """)

    @Option(help: "A training history: history.json or history.csv.")
    var history: String?

    @Option(help: "Values to plot from the history, comma-separated (default: all but lr).")
    var keys: String?

    @Option(help: "A classifier .dlpk: its confusion matrix on --data.")
    var model: String?

    @Option(help: "Labelled data for --model: a CSV, features then the class label.")
    var data: String?

    @Option(help: "A saved confusion matrix (JSON).")
    var matrix: String?

    @Option(help: "The chart's title (default: from the input).")
    var title: String?

    @Option(help: "Output path without extension: writes <out>.svg and <out>.png.")
    var out: String

    @Option(help: "Which images to write: svg, png, or svg,png.")
    var format: String = "svg,png"

    @OptionGroup var common: CommonOptions

    func validate() throws {
        let sources = [history != nil, model != nil || data != nil, matrix != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("give one of --history FILE, --model MODEL.dlpk --data DATA.csv, or --matrix FILE")
        }
        if (model == nil) != (data == nil) { throw ValidationError("--model and --data go together") }
        guard !formats.isEmpty, formats.allSatisfy({ $0 == "svg" || $0 == "png" }) else {
            throw ValidationError("--format must be svg, png or svg,png")
        }
    }

    var formats: [String] { format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }

    func run() throws {
        try reportingErrors(verbose: common.verbose) {
            let drawing: Drawing
            if let history {
                let h = try HistoryFile.read(path: history)
                let available = TrainingPlot.plottedKeys(h)
                let chosen = keys.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? available
                let unknown = chosen.filter { !available.contains($0) && $0 != "lr" }
                guard unknown.isEmpty, !chosen.isEmpty else {
                    throw DLError(.notFound, "\(history) has no \(unknown.joined(separator: ", ")) (it has \(available.joined(separator: ", ")))")
                }
                common.log("\(history): \(h.epochs.count) epochs, plotting \(chosen.joined(separator: ", "))")
                drawing = TrainingPlot.drawing(h, keys: chosen, title: title ?? "training curves (\(h.epochs.count) epochs)")
            } else if let matrix {
                let file = try ConfusionFile.read(path: matrix)
                drawing = ConfusionChart.drawing(file.matrix, labels: file.labels, title: title ?? "confusion matrix")
            } else {
                let (m, labels) = try Self.confusion(model: model!, data: data!)
                common.log("\(model!) on \(data!): \(m.counts.joined().reduce(0, +)) samples, \(m.classes) classes")
                drawing = ConfusionChart.drawing(m, labels: labels, title: title ?? "confusion matrix")
            }
            for written in try Self.write(drawing, to: out, formats: formats) { print("wrote \(written)") }
        }
    }

    /// Writes the drawing as `<base>.svg` and/or `<base>.png`; returns the paths.
    static func write(_ drawing: Drawing, to base: String, formats: [String] = ["svg", "png"]) throws(DLError) -> [String] {
        var paths: [String] = []
        for f in formats {
            let path = base + "." + f
            try writeFile(f == "svg" ? Data(SVGRenderer.render(drawing).utf8) : Data(PNGEncoder.encode(Rasterizer.render(drawing))), to: path)
            paths.append(path)
        }
        return paths
    }

    /// Runs a one-input, one-output classifier on labelled CSV rows through DLRuntime.
    static func confusion(model path: String, data: String) throws(DLError) -> (ConfusionMatrix, [String]?) {
        let file = try DLPKModel.open(path: path)
        let inputs = try ModelInputs.load(path: data, graph: file.graph, metadata: file.metadata)
        guard let labels = inputs.labels else {
            throw DLError(.invalidData, "\(data) has no label column (the model takes every column as a feature)")
        }
        guard file.graph.outputs.count >= 1, let classes = file.graph.tensors[file.graph.outputs[0]].shape.dims.last, classes >= 2 else {
            throw DLError(.invalidModel, "\(path): the first output is not a vector of class scores")
        }
        if let bad = labels.firstIndex(where: { $0 >= classes }) {
            throw DLError(.invalidData, "\(data), row \(bad + 1): label \(labels[bad]) but the model has \(classes) classes")
        }
        let scores: [Float]
        do {
            scores = try ModelRunner.run(file, observing: [file.graph.outputs[0]], data: inputs.data, batchSize: 64)[0]
        } catch let error as DLError { throw error } catch { throw DLError(.internalError, "\(error)") }
        let predicted = (0..<labels.count).map { r in
            let row = scores[r * classes ..< (r + 1) * classes]
            return row.indices.max { row[$0] < row[$1] }! - r * classes
        }
        let names = file.metadata.labels.count == classes ? file.metadata.labels : nil
        return (ConfusionMatrix(labels: labels, predicted: predicted, classes: classes), names)
    }
}
