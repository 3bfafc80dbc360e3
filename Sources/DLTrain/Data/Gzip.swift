import DLCore

/// gzip (RFC 1952) and DEFLATE (RFC 1951) decompression, so that `.gz` data sets
/// (MNIST's IDX files, CSVs) load without a system zlib dependency. Data sets are
/// read once per run, so clarity wins over speed here; every read is bounds-checked.
public enum Gzip {
    /// Decompresses all members of a gzip file and checks each member's CRC-32 and size.
    public static func decompress(_ bytes: [UInt8], name: String = "gzip data") throws(DLError) -> [UInt8] {
        var output: [UInt8] = []
        var pos = 0
        repeat {
            pos = try skipHeader(bytes, at: pos, name: name)
            var inflater = Inflater(input: bytes, position: pos, name: name)
            let start = output.count
            try inflater.inflate(into: &output)
            pos = inflater.bytePosition
            guard pos + 8 <= bytes.count else { throw DLError(.truncated, "\(name): gzip trailer missing") }
            let crc = UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24
            let size = UInt32(bytes[pos + 4]) | UInt32(bytes[pos + 5]) << 8 | UInt32(bytes[pos + 6]) << 16 | UInt32(bytes[pos + 7]) << 24
            guard CRC32.checksum(output[start...]) == crc, UInt32(truncatingIfNeeded: output.count - start) == size else {
                throw DLError(.checksumMismatch, "\(name): gzip checksum or size does not match the data")
            }
            pos += 8
        } while pos + 2 <= bytes.count && bytes[pos] == 0x1f && bytes[pos + 1] == 0x8b
        return output
    }

    /// True when the bytes start with the gzip magic number.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    private static func skipHeader(_ b: [UInt8], at start: Int, name: String) throws(DLError) -> Int {
        guard start + 10 <= b.count, b[start] == 0x1f, b[start + 1] == 0x8b else {
            throw DLError(.badMagic, "\(name) is not gzip data")
        }
        guard b[start + 2] == 8 else { throw DLError(.unsupported, "\(name): gzip compression method \(b[start + 2])") }
        let flags = b[start + 3]
        var pos = start + 10
        func need(_ n: Int) throws(DLError) {
            guard pos + n <= b.count else { throw DLError(.truncated, "\(name): gzip header is truncated") }
        }
        if flags & 4 != 0 {
            try need(2)
            pos += 2 + (Int(b[pos]) | Int(b[pos + 1]) << 8)
        }
        for flag: UInt8 in [8, 16] where flags & flag != 0 {   // file name, comment: zero-terminated
            while true { try need(1); pos += 1; if b[pos - 1] == 0 { break } }
        }
        if flags & 2 != 0 { pos += 2 }
        try need(0)
        return pos
    }
}

/// The DEFLATE decoder: stored, fixed-Huffman and dynamic-Huffman blocks.
struct Inflater {
    let input: [UInt8]
    let name: String
    private var pos: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    init(input: [UInt8], position: Int, name: String) {
        self.input = input
        self.pos = position
        self.name = name
    }

    /// The position of the first byte after the stream (valid once `inflate` returned).
    var bytePosition: Int { pos - bitCount / 8 }

    private mutating func refill() {
        while bitCount <= 56 {
            let byte: UInt64 = pos < input.count ? UInt64(input[pos]) : 0
            pos += 1
            bitBuffer |= byte << UInt64(bitCount)
            bitCount += 8
        }
    }

    private mutating func bits(_ n: Int) throws(DLError) -> Int {
        if bitCount < n { refill() }
        let v = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        try checkNotPastEnd()
        return v
    }

    /// refill() pads with zeros past the end; consuming any of them means truncated input.
    private func checkNotPastEnd() throws(DLError) {
        if pos * 8 - bitCount > input.count * 8 { throw DLError(.truncated, "\(name): compressed data ends early") }
    }

    mutating func inflate(into out: inout [UInt8]) throws(DLError) {
        var final = false
        while !final {
            final = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored(into: &out)
            case 1: try huffmanBlock(into: &out, lit: Self.fixedLiterals, dist: Self.fixedDistances)
            case 2:
                let (lit, dist) = try dynamicTables()
                try huffmanBlock(into: &out, lit: lit, dist: dist)
            default: throw DLError(.decompressionFailed, "\(name): invalid DEFLATE block type")
            }
        }
        // Give back whole unread bytes of the bit buffer.
        let spare = bitCount / 8
        pos -= spare
        bitCount = 0
        bitBuffer = 0
        try checkNotPastEnd()
    }

    private mutating func stored(into out: inout [UInt8]) throws(DLError) {
        _ = try bits(bitCount % 8)   // to a byte boundary
        let len = try bits(16), nlen = try bits(16)
        guard len == (~nlen & 0xffff) else { throw DLError(.decompressionFailed, "\(name): stored block length check fails") }
        for _ in 0..<len { out.append(UInt8(try bits(8))) }
    }

    private mutating func decode(_ table: HuffmanTable) throws(DLError) -> Int {
        if bitCount < table.maxLength { refill() }
        let entry = table.entries[Int(bitBuffer & UInt64((1 << table.maxLength) - 1))]
        let length = Int(entry & 0xf)
        guard length > 0 else { throw DLError(.decompressionFailed, "\(name): invalid Huffman code") }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        try checkNotPastEnd()
        return Int(entry >> 4)
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    private mutating func huffmanBlock(into out: inout [UInt8], lit: HuffmanTable, dist: HuffmanTable) throws(DLError) {
        while true {
            let sym = try decode(lit)
            if sym < 256 { out.append(UInt8(sym)); continue }
            if sym == 256 { try checkNotPastEnd(); return }
            let li = sym - 257
            guard li < 29 else { throw DLError(.decompressionFailed, "\(name): invalid length code") }
            let length = Self.lengthBase[li] + (try bits(Self.lengthExtra[li]))
            let di = try decode(dist)
            guard di < 30 else { throw DLError(.decompressionFailed, "\(name): invalid distance code") }
            let distance = Self.distBase[di] + (try bits(Self.distExtra[di]))
            guard distance <= out.count else {
                throw DLError(.decompressionFailed, "\(name): back-reference before the start of the data")
            }
            let from = out.count - distance
            for i in 0..<length { out.append(out[from + i]) }
        }
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamicTables() throws(DLError) -> (HuffmanTable, HuffmanTable) {
        let hlit = try bits(5) + 257, hdist = try bits(5) + 1, hclen = try bits(4) + 4
        var clLengths = [Int](repeating: 0, count: 19)
        for i in 0..<hclen { clLengths[Self.codeLengthOrder[i]] = try bits(3) }
        let clTable = try HuffmanTable(lengths: clLengths, name: name)
        var lengths: [Int] = []
        while lengths.count < hlit + hdist {
            let sym = try decode(clTable)
            switch sym {
            case 0...15: lengths.append(sym)
            case 16:
                guard let prev = lengths.last else { throw DLError(.decompressionFailed, "\(name): repeat with no length") }
                lengths += [Int](repeating: prev, count: 3 + (try bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        guard lengths.count == hlit + hdist else { throw DLError(.decompressionFailed, "\(name): code lengths overflow") }
        return (try HuffmanTable(lengths: Array(lengths[0..<hlit]), name: name),
                try HuffmanTable(lengths: Array(lengths[hlit...]), name: name))
    }

    private static let fixedLiterals = try! HuffmanTable(
        lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
            + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8), name: "fixed")
    private static let fixedDistances = try! HuffmanTable(lengths: [Int](repeating: 5, count: 30), name: "fixed")
}

/// A canonical Huffman code as a direct lookup table indexed by the next
/// `maxLength` input bits; each entry is symbol << 4 | code length.
struct HuffmanTable {
    let maxLength: Int
    let entries: [UInt32]

    init(lengths: [Int], name: String) throws(DLError) {
        let maxLength = max(lengths.max() ?? 1, 1)
        guard maxLength <= 15 else { throw DLError(.decompressionFailed, "\(name): code length over 15") }
        var counts = [Int](repeating: 0, count: 16)
        for l in lengths where l > 0 { counts[l] += 1 }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            code = (code + counts[len - 1]) << 1
            next[len] = code
        }
        var entries = [UInt32](repeating: 0, count: 1 << maxLength)
        for (symbol, len) in lengths.enumerated() where len > 0 {
            let c = next[len]
            next[len] += 1
            guard c < (1 << len) else { throw DLError(.decompressionFailed, "\(name): over-subscribed Huffman code") }
            // DEFLATE sends codes most significant bit first into an LSB-first stream.
            var reversed = 0
            for b in 0..<len where c & (1 << b) != 0 { reversed |= 1 << (len - 1 - b) }
            for j in stride(from: reversed, to: 1 << maxLength, by: 1 << len) {
                entries[j] = UInt32(symbol) << 4 | UInt32(len)
            }
        }
        self.maxLength = maxLength
        self.entries = entries
    }
}

/// CRC-32 (IEEE 802.3, reflected), as gzip uses.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
