/// An 8-bit RGB image, rows top to bottom.
struct RGBImage {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, fill: Color = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = fill.r
            pixels[3 * i + 1] = fill.g
            pixels[3 * i + 2] = fill.b
        }
    }

    subscript(x: Int, y: Int) -> Color {
        let i = 3 * (y * width + x)
        return Color(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
    }

    /// Paints `color` over pixel (x, y) with opacity `alpha` (0...1); outside the image: nothing.
    mutating func blend(_ x: Int, _ y: Int, _ color: Color, _ alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let i = 3 * (y * width + x)
        if alpha >= 1 {
            pixels[i] = color.r
            pixels[i + 1] = color.g
            pixels[i + 2] = color.b
            return
        }
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Double(old) + (Double(new) - Double(old)) * alpha).rounded()) }
        pixels[i] = mix(pixels[i], color.r)
        pixels[i + 1] = mix(pixels[i + 1], color.g)
        pixels[i + 2] = mix(pixels[i + 2], color.b)
    }
}

/// Draws a `Drawing` into an `RGBImage` at `scale` device pixels per logical unit: lines and
/// circles anti-aliased by their distance to each pixel's centre, rectangles filled, text in
/// `BitmapFont` magnified to the nearest whole pixel size.
enum Rasterizer {
    static func render(_ drawing: Drawing, scale: Int = 2) -> RGBImage {
        let k = Double(scale)
        var image = RGBImage(width: Int((drawing.width * k).rounded()), height: Int((drawing.height * k).rounded()))
        for mark in drawing.marks {
            switch mark {
            case let .line(a, b, color, width):
                stroke(&image, [a, b].map { Point(x: $0.x * k, y: $0.y * k) }, color: color, width: width * k)
            case let .polyline(points, color, width):
                stroke(&image, points.map { Point(x: $0.x * k, y: $0.y * k) }, color: color, width: width * k)
            case let .rect(x, y, width, height, fill):
                let x0 = Int((x * k).rounded()), y0 = Int((y * k).rounded())
                let x1 = Int(((x + width) * k).rounded()), y1 = Int(((y + height) * k).rounded())
                for py in max(y0, 0)..<min(max(y1, 0), image.height) {
                    for px in max(x0, 0)..<min(max(x1, 0), image.width) { image.blend(px, py, fill, 1) }
                }
            case let .circle(center, radius, fill):
                let c = Point(x: center.x * k, y: center.y * k), r = radius * k
                for py in Int((c.y - r - 1).rounded(.down))...Int((c.y + r + 1).rounded(.up)) {
                    for px in Int((c.x - r - 1).rounded(.down))...Int((c.x + r + 1).rounded(.up)) {
                        let dx = Double(px) + 0.5 - c.x, dy = Double(py) + 0.5 - c.y
                        image.blend(px, py, fill, min(max(r + 0.5 - (dx * dx + dy * dy).squareRoot(), 0), 1))
                    }
                }
            case let .text(text, at, size, anchor, color, vertical):
                drawText(&image, text, at: Point(x: at.x * k, y: at.y * k), pixel: max(1, Int((size * k / 10).rounded())),
                         anchor: anchor, color: color, vertical: vertical)
            }
        }
        return image
    }

    /// A polyline of `width` device pixels: each pixel takes the largest coverage any segment
    /// gives it, so joints are not painted twice.
    private static func stroke(_ image: inout RGBImage, _ points: [Point], color: Color, width: Double) {
        guard let first = points.first else { return }
        let half = max(width / 2, 0.5)
        var lo = first, hi = first
        for p in points {
            lo = Point(x: min(lo.x, p.x), y: min(lo.y, p.y))
            hi = Point(x: max(hi.x, p.x), y: max(hi.y, p.y))
        }
        let x0 = max(Int((lo.x - half - 1).rounded(.down)), 0), y0 = max(Int((lo.y - half - 1).rounded(.down)), 0)
        let x1 = min(Int((hi.x + half + 1).rounded(.up)), image.width - 1), y1 = min(Int((hi.y + half + 1).rounded(.up)), image.height - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        let w = x1 - x0 + 1
        var coverage = [Double](repeating: 0, count: w * (y1 - y0 + 1))
        let segments = points.count == 1 ? [(first, first)] : Array(zip(points, points.dropFirst()))
        for (a, b) in segments {
            let sx0 = max(Int((min(a.x, b.x) - half - 1).rounded(.down)), x0), sx1 = min(Int((max(a.x, b.x) + half + 1).rounded(.up)), x1)
            let sy0 = max(Int((min(a.y, b.y) - half - 1).rounded(.down)), y0), sy1 = min(Int((max(a.y, b.y) + half + 1).rounded(.up)), y1)
            guard sx0 <= sx1, sy0 <= sy1 else { continue }
            let dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy
            for py in sy0...sy1 {
                for px in sx0...sx1 {
                    let cx = Double(px) + 0.5, cy = Double(py) + 0.5
                    let t = length2 == 0 ? 0 : min(max(((cx - a.x) * dx + (cy - a.y) * dy) / length2, 0), 1)
                    let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                    let c = min(max(half + 0.5 - (ex * ex + ey * ey).squareRoot(), 0), 1)
                    let i = (py - y0) * w + (px - x0)
                    if c > coverage[i] { coverage[i] = c }
                }
            }
        }
        for py in y0...y1 {
            for px in x0...x1 { image.blend(px, py, color, coverage[(py - y0) * w + (px - x0)]) }
        }
    }

    /// Text on a baseline through `at`; `pixel` device pixels per font pixel.
    private static func drawText(_ image: inout RGBImage, _ text: String, at: Point, pixel: Int, anchor: TextAnchor,
                                 color: Color, vertical: Bool) {
        let width = BitmapFont.width(text) * pixel
        let offset = switch anchor { case .start: 0; case .middle: -width / 2; case .end: -width }
        let ox = Int(at.x.rounded()), oy = Int(at.y.rounded())
        for (n, c) in BitmapFont.characters(text).enumerated() {
            let rows = BitmapFont.glyph(c)
            for (r, mask) in rows.enumerated() where mask != 0 {
                for col in 0..<5 where mask & (0x10 >> UInt8(col)) != 0 {
                    // (along, up): along the text from its start, up from the baseline.
                    let along = offset + (n * BitmapFont.advance + col) * pixel
                    let up = (BitmapFont.capHeight - r) * pixel
                    for a in 0..<pixel {
                        for u in 0..<pixel {
                            if vertical {
                                image.blend(ox - up + u, oy - along - a - 1, color, 1)
                            } else {
                                image.blend(ox + along + a, oy - up + u, color, 1)
                            }
                        }
                    }
                }
            }
        }
    }
}
