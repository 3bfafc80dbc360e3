/// A chart as a list of marks in logical units (pixels of a 1× image, y down), drawn the
/// same way by `SVGRenderer` and `Rasterizer`: each chart lays itself out once, here.
struct Drawing {
    var width: Double
    var height: Double
    var marks: [Mark] = []

    init(width: Double, height: Double, background: Color = .white) {
        self.width = width
        self.height = height
        marks.append(.rect(x: 0, y: 0, width: width, height: height, fill: background))
    }

    mutating func add(_ mark: Mark) { marks.append(mark) }

    /// About how wide `text` is at `size` (the PNG's bitmap font at its usual 2× scale; SVG
    /// fonts come out close), for laying out legends and titles.
    static func textWidth(_ text: String, size: Double = 12) -> Double {
        Double(BitmapFont.width(text)) * max(1, (size * 2 / 10).rounded()) / 2
    }
}

struct Point: Equatable {
    var x: Double
    var y: Double
}

struct Color: Equatable {
    var r: UInt8
    var g: UInt8
    var b: UInt8

    init(_ rgb: UInt32) {
        r = UInt8((rgb >> 16) & 0xff)
        g = UInt8((rgb >> 8) & 0xff)
        b = UInt8(rgb & 0xff)
    }

    init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    static let white = Color(0xffffff)
    static let black = Color(0x000000)
    static let grid = Color(0xe2e2e2)
    static let text = Color(0x222222)
    /// Line colors for series, in order (distinct for the common kinds of color blindness).
    static let series = [Color(0x1f77b4), Color(0xd62728), Color(0x2ca02c), Color(0xff7f0e), Color(0x9467bd), Color(0x8c564b)]

    /// `#rrggbb`.
    var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + String([r, g, b].flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// The color `t` of the way (0...1) from `self` to `other`.
    func mixed(with other: Color, _ t: Double) -> Color {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * min(max(t, 0), 1)).rounded()) }
        return Color(r: mix(r, other.r), g: mix(g, other.g), b: mix(b, other.b))
    }

    /// Perceived brightness 0...1 (chooses black or white text on a filled cell).
    var luminance: Double { (0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)) / 255 }
}

enum TextAnchor {
    case start, middle, end
}

enum Mark {
    case line(from: Point, to: Point, color: Color, width: Double)
    case polyline([Point], color: Color, width: Double)
    case rect(x: Double, y: Double, width: Double, height: Double, fill: Color)
    case circle(center: Point, radius: Double, fill: Color)
    /// `at` is the left, middle or right end (per `anchor`) of the text's baseline; `vertical`
    /// text reads bottom to top (rotated −90° about `at`).
    case text(String, at: Point, size: Double, anchor: TextAnchor, color: Color, vertical: Bool)

    static func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: TextAnchor = .start,
                     color: Color = .text, vertical: Bool = false) -> Mark {
        .text(s, at: Point(x: x, y: y), size: size, anchor: anchor, color: color, vertical: vertical)
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: Color = .black, width: Double = 1) -> Mark {
        .line(from: Point(x: x1, y: y1), to: Point(x: x2, y: y2), color: color, width: width)
    }
}

/// Axis arithmetic shared by the charts.
enum AxisScale {
    /// Round tick values covering lo...hi: about `count` steps of 1, 2, 2.5 or 5 × 10^k.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(max(count, 1))
        let magnitude = pow10(floorLog10(raw))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        // Whole multiples of the step from below lo to above hi (a little slack for rounding).
        let first = Int((lo / step + 1e-6).rounded(.down)), last = Int((hi / step - 1e-6).rounded(.up))
        return (first...max(last, first + 1)).map { k in Double(String(format: "%.12g", Double(k) * step)) ?? Double(k) * step }
    }

    /// A tick value as text: no trailing zeros, at most 4 significant digits.
    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        var s = String(format: "%.4g", v)
        if s.contains(".") && !s.contains("e") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    private static func floorLog10(_ v: Double) -> Int {
        var e = 0
        var x = v
        while x >= 10 { x /= 10; e += 1 }
        while x < 1 { x *= 10; e -= 1 }
        return e
    }

    private static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e < 0 ? 1 / r : r
    }
}
