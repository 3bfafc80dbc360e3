/// One line of a `LineChart`: a named series of values over x = 1...n.
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
