/// Writes a `Drawing` as an SVG document (text in the viewer's sans-serif font).
enum SVGRenderer {
    static func render(_ drawing: Drawing) -> String {
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(drawing.width))\" height=\"\(f(drawing.height))\" "
                   + "viewBox=\"0 0 \(f(drawing.width)) \(f(drawing.height))\" font-family=\"sans-serif\">"]
        for mark in drawing.marks {
            switch mark {
            case let .line(a, b, color, width):
                out.append("<line x1=\"\(f(a.x))\" y1=\"\(f(a.y))\" x2=\"\(f(b.x))\" y2=\"\(f(b.y))\" stroke=\"\(color.hex)\" stroke-width=\"\(f(width))\"/>")
            case let .polyline(points, color, width):
                let list = points.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ")
                out.append("<polyline fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(f(width))\" stroke-linejoin=\"round\" points=\"\(list)\"/>")
            case let .rect(x, y, width, height, fill):
                out.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"\(fill.hex)\"/>")
            case let .circle(center, radius, fill):
                out.append("<circle cx=\"\(f(center.x))\" cy=\"\(f(center.y))\" r=\"\(f(radius))\" fill=\"\(fill.hex)\"/>")
            case let .text(text, at, size, anchor, color, vertical):
                let anchorName = switch anchor { case .start: "start"; case .middle: "middle"; case .end: "end" }
                let placement = vertical
                    ? "transform=\"translate(\(f(at.x)) \(f(at.y))) rotate(-90)\""
                    : "x=\"\(f(at.x))\" y=\"\(f(at.y))\""
                out.append("<text \(placement) font-size=\"\(f(size))\" text-anchor=\"\(anchorName)\" fill=\"\(color.hex)\">\(escape(text))</text>")
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// A coordinate with at most one decimal.
    private static func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
