import DLCore
import DLFormat

/// A second, independent writer of .dlpk files for the corrupt-file tests: protobuf
/// encoded by hand, header assembled field by field from SPEC.md. It writes what the
/// library's writer never would (absurd sizes, unknown codes) with valid checksums,
/// so that each check of the reader is reached.
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func uint(_ field: Int, _ value: UInt64) {
        varint(UInt64(field << 3))
        varint(value)
    }

    mutating func sint(_ field: Int, _ value: Int64) {
        uint(field, UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        varint(UInt64(field << 3 | 1))
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        varint(UInt64(field << 3 | 2))
        varint(UInt64(payload.count))
        bytes += payload
    }

    mutating func string(_ field: Int, _ s: String) { lengthDelimited(field, Array(s.utf8)) }

    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        lengthDelimited(field, inner.bytes)
    }

    mutating func packedSints(_ field: Int, _ values: [Int64]) {
        var inner = ProtoWriter()
        for v in values { inner.varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
        lengthDelimited(field, inner.bytes)
    }

    mutating func packedUints(_ field: Int, _ values: [UInt64]) {
        var inner = ProtoWriter()
        for v in values { inner.varint(v) }
        lengthDelimited(field, inner.bytes)
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var inner: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { inner += $0 } }
        lengthDelimited(field, inner)
    }
}

struct CraftedBlob {
    var offset: UInt64 = 0
    var storedSize: UInt64
    var rawSize: UInt64
    var codec: UInt64 = 0
    var filter: UInt64 = 0
    /// nil: the XXH64 of the bytes actually there.
    var checksum: UInt64?
}

struct CraftedQuant {
    var scales: [Float]
    var zeroPoints: [Int64]
    var perChannel = false
    var axis: UInt64 = 0
}

struct CraftedTensor {
    var name: String
    var dtype: UInt64 = 1
    var shape: [Int64]
    var kind: UInt64 = 0
    var quant: CraftedQuant?
    var blob: CraftedBlob?
}

struct CraftedAttribute {
    var name: String
    var type: UInt64
    var i: Int64 = 0
}

struct CraftedNode {
    var name: String
    var op: UInt64
    var inputs: [Int64]
    var outputs: [UInt64]
    var attributes: [CraftedAttribute] = []
}

/// A hand-built model; the baseline is valid: x [?, 4] f32 -> Add(x, c) -> y, with c a
/// raw f32 [4] constant.
struct CraftedModel {
    var tensors: [CraftedTensor] = [
        CraftedTensor(name: "x", shape: [-1, 4]),
        CraftedTensor(name: "c", shape: [4], kind: 1, blob: CraftedBlob(storedSize: 16, rawSize: 16)),
        CraftedTensor(name: "y", shape: [-1, 4]),
    ]
    var nodes: [CraftedNode] = [CraftedNode(name: "add", op: 7, inputs: [0, 1], outputs: [2])]
    var inputs: [UInt64] = [0]
    var outputs: [UInt64] = [2]
    /// The blob section.
    var blobs: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40]
    var major: UInt16 = 1
    var minor: UInt16 = 0
    var flags: UInt32 = 0
    /// Extra bytes appended to the manifest (unknown fields, garbage).
    var manifestSuffix: [UInt8] = []
    /// Replaces the manifest entirely.
    var manifestOverride: [UInt8]?

    func manifest() -> [UInt8] {
        if let manifestOverride { return manifestOverride }
        var m = ProtoWriter()
        m.message(1) { g in
            for t in tensors {
                g.message(1) { w in
                    w.string(1, t.name)
                    w.uint(2, t.dtype)
                    w.packedSints(3, t.shape)
                    w.uint(4, t.kind)
                    if let q = t.quant {
                        w.message(5) { qw in
                            qw.packedFloats(1, q.scales)
                            qw.packedSints(2, q.zeroPoints)
                            qw.uint(3, q.perChannel ? 1 : 0)
                            qw.uint(4, q.axis)
                        }
                    }
                    if let b = t.blob {
                        w.message(6) { bw in
                            bw.uint(1, b.offset)
                            bw.uint(2, b.storedSize)
                            bw.uint(3, b.rawSize)
                            bw.uint(4, b.codec)
                            bw.uint(5, b.filter)
                            bw.fixed64(6, b.checksum ?? actualChecksum(b))
                        }
                    }
                }
            }
            for n in nodes {
                g.message(2) { w in
                    w.string(1, n.name)
                    w.uint(2, n.op)
                    w.packedSints(3, n.inputs)
                    w.packedUints(4, n.outputs)
                    for a in n.attributes {
                        w.message(5) { aw in
                            aw.string(1, a.name)
                            aw.uint(2, a.type)
                            aw.sint(3, a.i)
                        }
                    }
                }
            }
            g.packedUints(3, inputs)
            g.packedUints(4, outputs)
        }
        m.message(2) { md in md.string(1, "crafted") }
        return m.bytes + manifestSuffix
    }

    private func actualChecksum(_ b: CraftedBlob) -> UInt64 {
        guard b.offset <= UInt64(blobs.count), b.storedSize <= UInt64(blobs.count) - b.offset else { return 0 }
        return XXH64.hash(Array(blobs[Int(b.offset)..<Int(b.offset + b.storedSize)]))
    }

    func file() -> [UInt8] {
        assembleFile(manifest: manifest(), blobs: blobs, major: major, minor: minor, flags: flags)
    }
}

/// Header + manifest + zero padding + blob section, laid out and sealed as SPEC.md says.
func assembleFile(manifest: [UInt8], blobs: [UInt8], major: UInt16 = 1, minor: UInt16 = 0, flags: UInt32 = 0) -> [UInt8] {
    let blobsOffset = (64 + manifest.count + 63) / 64 * 64
    var file = [UInt8](repeating: 0, count: blobsOffset + blobs.count)
    func put(_ value: UInt64, _ at: Int, _ n: Int) {
        for i in 0..<n { file[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
    file[0..<4] = [0x44, 0x4C, 0x50, 0x4B]
    put(UInt64(major), 4, 2)
    put(UInt64(minor), 6, 2)
    put(UInt64(flags), 8, 4)
    put(64, 12, 4)
    put(UInt64(file.count), 16, 8)
    put(64, 24, 8)
    put(UInt64(manifest.count), 32, 8)
    put(UInt64(blobsOffset), 40, 8)
    put(XXH64.hash(manifest), 48, 8)
    file[64..<(64 + manifest.count)] = manifest[...]
    file[blobsOffset...] = blobs[...]
    resealHeader(&file)
    return file
}

/// Recomputes the header checksum after a test changed header fields.
func resealHeader(_ file: inout [UInt8]) {
    let sum = XXH64.hash(Array(file[0..<56]))
    for i in 0..<8 { file[56 + i] = UInt8(truncatingIfNeeded: sum >> (8 * UInt64(i))) }
}

/// Sets a little-endian header field and reseals the header.
func patchHeader(_ file: [UInt8], at offset: Int, bytes n: Int, value: UInt64) -> [UInt8] {
    var f = file
    for i in 0..<n { f[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    resealHeader(&f)
    return f
}

/// Reads a little-endian header field.
func headerField(_ file: [UInt8], at offset: Int, bytes n: Int) -> Int {
    var v: UInt64 = 0
    for i in 0..<n { v |= UInt64(file[offset + i]) << (8 * UInt64(i)) }
    return Int(v)
}
