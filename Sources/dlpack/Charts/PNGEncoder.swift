/// Encodes an `RGBImage` as a PNG file (8-bit truecolour, no interlace).
///
/// The pixel data is zlib-format deflate made here, with no library: one block of the fixed
/// Huffman code (RFC 1951, 3.2.6) whose matches copy from one byte, one pixel or one row
/// back, which is what flat charts repeat; a chart compresses about 50× this way.
/// Checksums: CRC-32 per chunk (PNG) and Adler-32 over the data (zlib).
enum PNGEncoder {
    static func encode(_ image: RGBImage) -> [UInt8] {
        // Each row: filter type 0 (none), then its pixels.
        let stride = image.width * 3
        var raw = [UInt8]()
        raw.reserveCapacity((stride + 1) * image.height)
        for y in 0..<image.height {
            raw.append(0)
            raw.append(contentsOf: image.pixels[y * stride ..< (y + 1) * stride])
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(image.width)) + bigEndian(UInt32(image.height))
        header += [8, 2, 0, 0, 0]  // bit depth 8, colour type 2 (RGB), deflate, filter set 0, no interlace
        chunk("IHDR", header, into: &png)
        chunk("IDAT", zlib(raw, distances: [1, 3, stride + 1]), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count)) + typeBytes + data
        png += bigEndian(crc32(typeBytes + data))
    }

    /// A zlib stream (RFC 1950): header, one fixed-Huffman deflate block, Adler-32.
    static func zlib(_ data: [UInt8], distances: [Int]) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman codes
        var i = 0
        while i < data.count {
            var bestLength = 0, bestDistance = 0
            for d in distances where d <= i && d <= 32768 {
                var n = 0
                while n < 258, i + n < data.count, data[i + n] == data[i + n - d] { n += 1 }
                if n > bestLength { bestLength = n; bestDistance = d }
            }
            if bestLength >= 3 {
                bits.writeLength(bestLength)
                bits.writeDistance(bestDistance)
                i += bestLength
            } else {
                bits.writeLiteral(Int(data[i]))
                i += 1
            }
        }
        bits.writeLiteral(256)  // end of block
        return [0x78, 0x01] + bits.bytes() + bigEndian(adler32(data))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = crcTable[Int((crc ^ UInt32(b)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The reflected CRC-32 of PNG and zlib (polynomial 0xEDB88320).
    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        // 5552 bytes is the most that can be summed before the 32-bit sums could overflow.
        var start = 0
        while start < bytes.count {
            for byte in bytes[start ..< min(start + 5552, bytes.count)] {
                a += UInt32(byte)
                b += a
            }
            a %= 65521
            b %= 65521
            start += 5552
        }
        return (b << 16) | a
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }
}

/// Deflate's bit order: values LSB first, Huffman codes MSB first.
private struct BitWriter {
    private var out: [UInt8] = []
    private var accumulator: UInt32 = 0
    private var filled = 0

    mutating func write(_ value: Int, count: Int) {
        accumulator |= UInt32(value) << UInt32(filled)
        filled += count
        while filled >= 8 {
            out.append(UInt8(accumulator & 0xff))
            accumulator >>= 8
            filled -= 8
        }
    }

    mutating func writeCode(_ code: Int, length: Int) {
        var reversed = 0
        for k in 0..<length { reversed |= ((code >> k) & 1) << (length - 1 - k) }
        write(reversed, count: length)
    }

    /// A literal byte or end-of-block (256), or a length symbol (257...285), in the fixed code.
    mutating func writeLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, length: 8)
        case 144...255: writeCode(0x190 + symbol - 144, length: 9)
        case 256...279: writeCode(symbol - 256, length: 7)
        default: writeCode(0xC0 + symbol - 280, length: 8)
        }
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    mutating func writeLength(_ length: Int) {
        let k = Self.lengthBase.lastIndex { $0 <= length }!
        writeLiteral(257 + k)
        if Self.lengthExtra[k] > 0 { write(length - Self.lengthBase[k], count: Self.lengthExtra[k]) }
    }

    mutating func writeDistance(_ distance: Int) {
        let k = Self.distanceBase.lastIndex { $0 <= distance }!
        writeCode(k, length: 5)
        if Self.distanceExtra[k] > 0 { write(distance - Self.distanceBase[k], count: Self.distanceExtra[k]) }
    }

    mutating func bytes() -> [UInt8] {
        var result = out
        if filled > 0 { result.append(UInt8(accumulator & 0xff)) }
        return result
    }
}
