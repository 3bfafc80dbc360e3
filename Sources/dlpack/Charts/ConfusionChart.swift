import DLTrain

/// A confusion matrix as a heat map: rows the true class, columns the predicted class, each
/// cell shaded by its share of the row (recall) and labelled with its count, plus a colour
/// scale, axis titles and the overall accuracy in the title.
enum ConfusionChart {
    static func drawing(_ matrix: ConfusionMatrix, labels: [String]?, title: String) -> Drawing {
        let n = matrix.classes
        let names = labels.map { $0.count == n ? $0 : (0..<n).map(String.init) } ?? (0..<n).map(String.init)
        let nameWidth = names.map { Drawing.textWidth($0) }.max() ?? 6
        let cell = max(26.0, min(64.0, 440 / Double(max(n, 1))))
        let size = cell * Double(n)
        let total = matrix.counts.joined().reduce(0, +)
        let correct = (0..<n).reduce(0) { $0 + matrix.counts[$1][$1] }
        let accuracy = total == 0 ? 0 : 100 * Double(correct) / Double(total)
        let heading = "\(title) (accuracy \(String(format: "%.2f", accuracy))%, \(total) samples)"
        // The matrix and its scale, centred under the title when the title is the wider.
        let content = 50 + nameWidth + 12 + size + 110
        let width = max(content, Drawing.textWidth(heading, size: 15) + 40)
        let left = (width - content) / 2 + 50 + nameWidth + 12, top = 70.0
        var drawing = Drawing(width: width, height: top + size + 70)
        drawing.add(.text(heading, drawing.width / 2, 26, size: 15, anchor: .middle))
        let low = Color(0xf4f8fc), high = Color(0x08306b)
        for r in 0..<n {
            let rowTotal = matrix.counts[r].reduce(0, +)
            for c in 0..<n {
                let count = matrix.counts[r][c]
                let share = rowTotal == 0 ? 0 : Double(count) / Double(rowTotal)
                let fill = low.mixed(with: high, share)
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                drawing.add(.rect(x: x, y: y, width: cell, height: cell, fill: fill))
                if count > 0 {
                    drawing.add(.text(String(count), x + cell / 2, y + cell / 2 + 5, size: cell >= 34 ? 12 : 10, anchor: .middle,
                                      color: fill.luminance < 0.5 ? .white : .text))
                }
            }
        }
        // Cell borders, then class names along both axes.
        for k in 0...n {
            let p = Double(k) * cell
            drawing.add(.line(left, top + p, left + size, top + p, color: Color(0xcccccc)))
            drawing.add(.line(left + p, top, left + p, top + size, color: Color(0xcccccc)))
        }
        for (k, name) in names.enumerated() {
            let mid = Double(k) * cell + cell / 2
            drawing.add(.text(name, left - 8, top + mid + 4, anchor: .end))
            drawing.add(.text(name, left + mid, top + size + 18, anchor: .middle))
        }
        drawing.add(.text("predicted class", left + size / 2, top + size + 44, size: 13, anchor: .middle))
        drawing.add(.text("true class", left - nameWidth - 30, top + size / 2, size: 13, anchor: .middle, vertical: true))
        drawing.add(.text("columns: predicted; rows: true; shade: share of the row", left + size / 2, top - 14, size: 11, anchor: .middle))

        // Colour scale: share of the true class, 0 at the bottom, 1 at the top.
        let sx = left + size + 30, steps = 100
        for s in 0..<steps {
            let t = Double(s) / Double(steps - 1)
            let y = top + size - Double(s + 1) * size / Double(steps)
            drawing.add(.rect(x: sx, y: y, width: 16, height: size / Double(steps) + 0.5, fill: low.mixed(with: high, t)))
        }
        drawing.add(.line(sx, top, sx, top + size, color: Color(0x999999)))
        for t in [0.0, 0.5, 1.0] {
            let y = top + size - t * size
            drawing.add(.line(sx + 16, y, sx + 21, y))
            drawing.add(.text(AxisScale.label(t), sx + 24, y + 4))
        }
        drawing.add(.text("share of row", sx + 60, top + size / 2, size: 11, anchor: .middle, vertical: true))
        return drawing
    }
}
