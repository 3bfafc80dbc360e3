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

struct LineSeries {
    var name: String
    /// One value per x = 1, 2, …; nil where the series has no value.
    var values: [Double?]
    var color: Color
}

/// One panel: a line per series over x = 1...n, with grid, ticks, axis titles and a legend.
struct LineChart {
    var frame: (x: Double, y: Double, width: Double, height: Double)
    var xTitle: String
    var yTitle: String
    var series: [LineSeries]
    var yRange: ClosedRange<Double>?
    var legendAtBottom = false

    func draw(into drawing: inout Drawing) {
        let left = frame.x + 62, right = frame.x + frame.width - 16
        let top = frame.y + 14, bottom = frame.y + frame.height - 46
        let count = max(series.map(\.values.count).max() ?? 1, 1)
        let finite = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        var lo = yRange?.lowerBound ?? min(finite.min() ?? 0, 0)
        var hi = yRange?.upperBound ?? (finite.max() ?? 1)
        if hi - lo < 1e-9 { hi = lo + 1 }
        let yTicks = AxisScale.ticks(lo, hi, count: 5)
        lo = min(lo, yTicks.first!)
        hi = max(hi, yTicks.last!)
        func x(_ i: Int) -> Double { count == 1 ? (left + right) / 2 : left + Double(i) / Double(count - 1) * (right - left) }
        func y(_ v: Double) -> Double { bottom - (v - lo) / (hi - lo) * (bottom - top) }

        for v in yTicks {
            drawing.add(.line(left, y(v), right, y(v), color: .grid))
            drawing.add(.line(left - 5, y(v), left, y(v)))
            drawing.add(.text(AxisScale.label(v), left - 8, y(v) + 4, anchor: .end))
        }
        // Epoch ticks: 1, then multiples of a round step (1, 2, 5, 10, 20, 50, …).
        let wanted = Double(count) / 8
        let step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].first { Double($0) >= wanted } ?? Int(wanted.rounded(.up))
        let epochTicks = [1] + Swift.stride(from: step, through: count, by: step).filter { $0 > 1 }
        for e in epochTicks {
            drawing.add(.line(x(e - 1), bottom, x(e - 1), bottom + 5))
            drawing.add(.text(String(e), x(e - 1), bottom + 19, anchor: .middle))
        }
        drawing.add(.line(left, top, left, bottom))
        drawing.add(.line(left, bottom, right, bottom))
        drawing.add(.text(xTitle, (left + right) / 2, bottom + 38, size: 13, anchor: .middle))
        drawing.add(.text(yTitle, frame.x + 18, (top + bottom) / 2, size: 13, anchor: .middle, vertical: true))

        for s in series {
            // Gaps (missing or non-finite values) split the line.
            var run: [Point] = []
            func flush() {
                if run.count > 1 { drawing.add(.polyline(run, color: s.color, width: 2)) }
                run = []
            }
            for (i, v) in s.values.enumerated() {
                guard let v, v.isFinite else { flush(); continue }
                let p = Point(x: x(i), y: y(min(max(v, lo), hi)))
                run.append(p)
                drawing.add(.circle(center: p, radius: 3, fill: s.color))
            }
            flush()
        }

        // Legend: a framed box in the top (or bottom) right corner of the plot area.
        let rowHeight = 18.0
        let boxWidth = 44 + (series.map { Drawing.textWidth($0.name) }.max() ?? 0)
        let boxHeight = rowHeight * Double(series.count) + 8
        let bx = right - boxWidth - 8, by = legendAtBottom ? bottom - boxHeight - 8 : top + 8
        drawing.add(.rect(x: bx - 1, y: by - 1, width: boxWidth + 2, height: boxHeight + 2, fill: Color(0xbbbbbb)))
        drawing.add(.rect(x: bx, y: by, width: boxWidth, height: boxHeight, fill: .white))
        for (k, s) in series.enumerated() {
            let ly = by + 4 + rowHeight * (Double(k) + 0.5)
            drawing.add(.line(bx + 6, ly, bx + 28, ly, color: s.color, width: 2))
            drawing.add(.circle(center: Point(x: bx + 17, y: ly), radius: 3, fill: s.color))
            drawing.add(.text(s.name, bx + 34, ly + 4))
        }
    }
}
