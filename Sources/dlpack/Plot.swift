import DLTrain
import Foundation

/// Training curves as files: the history as CSV (one row per epoch) and an SVG line chart
/// with axes, tick labels, axis titles and a legend. Every series shares one y axis, so
/// pass series on a similar scale (loss and accuracy both sit in [0, ~2] here).
enum TrainingPlot {
    /// `epoch,<key>,...` with the keys in the given order.
    static func csv(_ history: History, keys: [String]) -> String {
        var lines = [(["epoch"] + keys).joined(separator: ",")]
        for (i, logs) in history.epochs.enumerated() {
            lines.append(([String(i + 1)] + keys.map { logs[$0].map { String($0) } ?? "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func svg(_ history: History, keys: [String], title: String) -> String {
        let width = 640.0, height = 400.0
        let left = 60.0, right = 150.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let epochs = max(history.epochs.count, 1)
        let values = keys.flatMap { history[$0] }.map(Double.init).filter(\.isFinite)
        let yMax = niceCeiling(max(values.max() ?? 1, 1e-6))
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]
        func x(_ epoch: Double) -> Double { left + (epochs == 1 ? plotW / 2 : (epoch - 1) / Double(epochs - 1) * plotW) }
        func y(_ v: Double) -> Double { top + plotH - v / yMax * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(f(left + plotW / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(escape(title))</text>"]
        // Grid and y ticks (5 steps), x ticks at every epoch (or every few when there are many).
        for i in 0...5 {
            let v = yMax * Double(i) / 5
            svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y(v)))\" stroke=\"#e0e0e0\"/>")
            svg.append("<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(String(format: "%g", (v * 1000).rounded() / 1000))</text>")
        }
        let step = max(1, Int((Double(epochs) / 10).rounded(.up)))
        for e in stride(from: 1, through: epochs, by: step) {
            svg.append("<line x1=\"\(f(x(Double(e))))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x(Double(e))))\" y2=\"\(f(top + plotH + 5))\" stroke=\"black\"/>")
            svg.append("<text x=\"\(f(x(Double(e))))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(e)</text>")
        }
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>")
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>")
        svg.append("<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">epoch</text>")
        svg.append("<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">value</text>")
        // One polyline with point markers per series, and its legend entry.
        for (k, key) in keys.enumerated() {
            let color = colors[k % colors.count]
            let points = history[key].enumerated().filter { $0.element.isFinite }
                .map { "\(f(x(Double($0.offset + 1)))),\(f(y(Double($0.element))))" }
            svg.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>")
            for p in points {
                let xy = p.split(separator: ",")
                svg.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>")
            }
            let ly = top + 10 + Double(k) * 20
            svg.append("<line x1=\"\(f(left + plotW + 15))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 40))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            svg.append("<text x=\"\(f(left + plotW + 46))\" y=\"\(f(ly + 4))\">\(escape(key))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ v, so the top tick is a round number.
    private static func niceCeiling(_ v: Double) -> Double {
        let magnitude = pow(10, floor(log10(v)))
        for m in [1, 2, 2.5, 5, 10] where m * magnitude >= v * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
