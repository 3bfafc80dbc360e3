import Foundation
import Testing
@testable import dlpack

/// Decodes a PNG with Python's zlib (an independent inflate and CRC-32) and reports its
/// chunks, size and pixel colours as JSON.
let pngProbe = """
import json, struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'signature'
pos, idat, chunks, crc_ok = 8, b'', [], True
while pos < len(data):
    n, = struct.unpack('>I', data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
    crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
    crc_ok = crc_ok and (zlib.crc32(kind + body) & 0xffffffff) == crc
    chunks.append(kind.decode())
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    if kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = 1 + 3 * w
assert len(raw) == h * stride, 'length'
colors = {}
for y in range(h):
    row = raw[y * stride:(y + 1) * stride]
    assert row[0] == 0, 'filter'
    for x in range(w):
        key = row[1 + 3 * x:4 + 3 * x].hex()
        colors[key] = colors.get(key, 0) + 1
first = raw[1:1 + 3 * min(w, 4)].hex()
print(json.dumps({'chunks': chunks, 'crc_ok': crc_ok, 'width': w, 'height': h, 'depth': depth, 'type': ctype,
                  'colors': colors, 'first_row': first}))
"""

struct PNGProbe: Decodable {
    var chunks: [String]
    var crc_ok: Bool
    var width: Int
    var height: Int
    var depth: Int
    var type: Int
    var colors: [String: Int]
    var first_row: String

    static func read(_ path: String) throws -> PNGProbe? {
        guard let result = try runPython(pngProbe, [path]) else { return nil }
        guard result.status == 0 else { throw FixtureError(message: "the PNG does not decode: \(result.stderr)") }
        return try JSONDecoder().decode(PNGProbe.self, from: Data(result.stdout.utf8))
    }
}

/// Whether an SVG file parses as XML (Python's parser); nil without python3.
func svgIsWellFormed(_ path: String) throws -> Bool? {
    let check = "import sys, xml.etree.ElementTree as E; root = E.parse(sys.argv[1]).getroot(); sys.exit(0 if root.tag.endswith('svg') else 1)"
    return try runPython(check, [path]).map { $0.status == 0 }
}

@Suite("charts: PNG encoder, rasterizer, axes")
struct ChartTests {
    /// The published check values of CRC-32 ("123456789") and Adler-32 ("Wikipedia").
    @Test func checksumsMatchTheirCheckValues() {
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        // Past the 5552-byte blocks where the sums are reduced.
        let long = [UInt8](repeating: 0xff, count: 20_000)
        var a: UInt64 = 1, b: UInt64 = 0
        for byte in long { a = (a + UInt64(byte)) % 65521; b = (b + a) % 65521 }
        #expect(PNGEncoder.adler32(long) == UInt32(b << 16 | a))
    }

    /// Every length and distance the encoder uses, and incompressible data, through zlib.
    @Test(arguments: [0, 1, 7, 300, 5000])
    func deflateRoundTripsThroughZlib(_ size: Int) throws {
        var bytes = [UInt8]()
        var state: UInt32 = 12345
        for i in 0..<size {
            state = state &* 1_103_515_245 &+ 12345
            // Runs of every length, repeats at 3 bytes, and noise.
            bytes.append(i % 97 < 40 ? 7 : i % 97 < 70 ? UInt8(i % 3) : UInt8(truncatingIfNeeded: state >> 16))
        }
        let stream = PNGEncoder.zlib(bytes, distances: [1, 3, 50])
        let path = NSTemporaryDirectory() + "dlpack-zlib-\(getpid())-\(size).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(stream).write(to: URL(fileURLWithPath: path))
        let check = "import sys, zlib; sys.stdout.write(zlib.decompress(open(sys.argv[1], 'rb').read()).hex())"
        guard let result = try runPython(check, [path]) else { return }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == bytes.map { String(format: "%02x", $0) }.joined())
    }

    @Test func rasterizedRectangleAndTextLandWhereDrawn() throws {
        var drawing = Drawing(width: 20, height: 10)
        drawing.add(.rect(x: 2, y: 1, width: 3, height: 2, fill: Color(0x102030)))
        drawing.add(.text("1", 10, 9, size: 5))
        let image = Rasterizer.render(drawing, scale: 2)
        #expect(image.width == 40 && image.height == 20)
        for y in 0..<20 {
            for x in 0..<16 {
                let inside = (4..<10).contains(x) && (2..<6).contains(y)
                #expect(image[x, y] == (inside ? Color(0x102030) : .white), "pixel \(x), \(y)")
            }
        }
        // "1" at size 5 is one device pixel per font pixel, baseline at y 18: its foot
        // (".###.") is the row above the baseline, its top 7 rows up.
        #expect((20..<25).map { image[$0, 17] == Color.text } == [false, true, true, true, false])
        #expect((20..<25).map { image[$0, 11] == Color.text } == [false, false, true, false, false])
        #expect((20..<25).allSatisfy { image[$0, 10] == .white })
    }

    @Test func encodedImageDecodesToItsPixels() throws {
        var image = RGBImage(width: 4, height: 3)
        image.blend(0, 0, Color(0xff0000), 1)
        image.blend(1, 0, Color(0x00ff00), 1)
        image.blend(2, 0, Color(0x0000ff), 1)
        let path = NSTemporaryDirectory() + "dlpack-png-\(getpid()).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(PNGEncoder.encode(image)).write(to: URL(fileURLWithPath: path))
        guard let probe = try PNGProbe.read(path) else { return }
        #expect(probe.chunks == ["IHDR", "IDAT", "IEND"] && probe.crc_ok)
        #expect(probe.width == 4 && probe.height == 3 && probe.depth == 8 && probe.type == 2)
        #expect(probe.first_row == "ff000000ff000000ffffffff")
        #expect(probe.colors == ["ff0000": 1, "00ff00": 1, "0000ff": 1, "ffffff": 9])
    }

    @Test func ticksAreRoundAndCoverTheRange() {
        #expect(AxisScale.ticks(0, 2.3) == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(AxisScale.ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        let t = AxisScale.ticks(-3, 17)
        #expect(t.first! <= -3 && t.last! >= 17 && t.count <= 8)
        #expect(AxisScale.label(0.6000000001) == "0.6" && AxisScale.label(2) == "2" && AxisScale.label(1500) == "1500")
    }

    @Test func everyPrintableCharacterHasItsOwnGlyph() {
        let printable = (32...126).map { Character(UnicodeScalar($0)) }
        var seen: [[UInt8]: Character] = [:]
        for c in printable {
            let g = BitmapFont.glyph(c)
            #expect(g.count == BitmapFont.rows && g.allSatisfy { $0 < 32 }, "\(c)")
            if let other = seen[g] { Issue.record("'\(c)' and '\(other)' share a glyph") }
            seen[g] = c
        }
        #expect(BitmapFont.width("ab") == 11)
        #expect(BitmapFont.characters("1→2") == ["1", "-", ">", "2"])
    }
}
