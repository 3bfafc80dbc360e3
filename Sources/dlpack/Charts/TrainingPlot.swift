import DLTrain
import Foundation

/// Training curves: the history as CSV (one row per epoch) and as a chart with one panel per
/// kind of value (losses on the left, accuracy-like metrics on the right, each with its own y
/// axis), with axes, tick labels, axis titles, a legend and a title.
enum TrainingPlot {
    /// `epoch,<key>,...` with the keys in the given order.
    static func csv(_ history: HistoryFile, keys: [String]) -> String {
        var lines = [(["epoch"] + keys).joined(separator: ",")]
        for (i, logs) in history.epochs.enumerated() {
            lines.append(([String(i + 1)] + keys.map { logs[$0].map { String($0) } ?? "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The keys worth plotting, in a stable order: losses first, then metrics (not "lr").
    static func plottedKeys(_ history: HistoryFile) -> [String] {
        let keys = Set(history.epochs.flatMap(\.keys)).subtracting(["lr"])
        func rank(_ k: String) -> (Int, Int, String) {
            (k.contains("loss") ? 0 : 1, k.hasPrefix("val_") ? 1 : 0, k)
        }
        return keys.sorted { rank($0) < rank($1) }
    }

    static func svg(_ history: HistoryFile, keys: [String], title: String) -> String {
        SVGRenderer.render(drawing(history, keys: keys, title: title))
    }

    static func png(_ history: HistoryFile, keys: [String], title: String) -> [UInt8] {
        PNGEncoder.encode(Rasterizer.render(drawing(history, keys: keys, title: title)))
    }

    static func drawing(_ history: HistoryFile, keys: [String], title: String) -> Drawing {
        let losses = keys.filter { $0.contains("loss") }, metrics = keys.filter { !$0.contains("loss") }
        // A panel's axis is named by what its series share once "val_" is dropped (accuracy, val_accuracy -> accuracy).
        let metricNames = Set(metrics.map { $0.hasPrefix("val_") ? String($0.dropFirst(4)) : $0 })
        let panels = [(losses, "loss"), (metrics, metricNames.count == 1 ? metricNames.first! : "metric")].filter { !$0.0.isEmpty }
        let panelWidth = 400.0, height = 360.0
        var drawing = Drawing(width: panelWidth * Double(max(panels.count, 1)), height: height)
        drawing.add(.text(title, drawing.width / 2, 24, size: 16, anchor: .middle))
        var colorIndex = 0
        for (p, (panelKeys, axisTitle)) in panels.enumerated() {
            let series = panelKeys.map { key -> LineSeries in
                defer { colorIndex += 1 }
                return LineSeries(name: key, values: history.epochs.map { $0[key].map(Double.init) },
                                  color: Color.series[colorIndex % Color.series.count])
            }
            // Accuracy-like values live in [0, 1]: keep that axis fixed so runs compare at a glance.
            let unitRange = !axisTitle.contains("loss") && series.allSatisfy { $0.values.allSatisfy { v in v.map { (0...1).contains($0) } ?? true } }
            LineChart(frame: (x: Double(p) * panelWidth, y: 36, width: panelWidth, height: height - 36),
                      xTitle: "epoch", yTitle: axisTitle, series: series, yRange: unitRange ? 0...1 : nil,
                      legendAtBottom: unitRange).draw(into: &drawing)
        }
        return drawing
    }
}
