import DLCore
import Foundation

/// A model's parameters and buffers in a small binary file (checkpoints):
/// "DLTW", version UInt32, tensor count UInt32, then per tensor rank UInt32,
/// dims Int64 each, values Float32 — all little-endian, in `Sequential.state` order.
public enum WeightsFile {
    static let magic: [UInt8] = Array("DLTW".utf8)
    static let version: UInt32 = 1

    /// Writes to `path` through a temporary file in the same directory and a rename.
    public static func save(_ model: Sequential, to path: String) throws(DLError) {
        var bytes = magic
        append(&bytes, version)
        let state = model.state
        append(&bytes, UInt32(state.count))
        for t in state {
            append(&bytes, UInt32(t.shape.count))
            for d in t.shape { append(&bytes, UInt64(d)) }
            for v in t.data { append(&bytes, v.bitPattern) }
        }
        try AtomicFile.write(bytes, to: path)
    }

    /// Loads weights saved from a model of the same architecture.
    public static func load(_ model: Sequential, from path: String) throws(DLError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DLError(.fileNotFound, "weights file \(path) cannot be read")
        }
        var r = ByteReader(bytes: [UInt8](data), file: path)
        guard try r.bytes(4) == magic else { throw DLError(.badMagic, "\(path) is not a dlpack weights file") }
        let v: UInt32 = try r.read()
        guard v == version else { throw DLError(.unsupportedVersion, "\(path): weights version \(v), this build reads \(version)") }
        let state = model.state
        let n: UInt32 = try r.read()
        guard Int(n) == state.count else {
            throw DLError(.shapeMismatch, "\(path) holds \(n) tensors, the model has \(state.count)")
        }
        var values: [[Float]] = []
        for t in state {
            let rank: UInt32 = try r.read()
            guard rank <= 8 else { throw DLError(.invalidModel, "\(path): rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank { let d: UInt64 = try r.read(); shape.append(Int(truncatingIfNeeded: d)) }
            guard shape == t.shape else {
                throw DLError(.shapeMismatch, "\(path): tensor \(values.count) has shape \(shape), the model expects \(t.shape)")
            }
            var vals = [Float](repeating: 0, count: t.count)
            for i in 0..<t.count { let b: UInt32 = try r.read(); vals[i] = Float(bitPattern: b) }
            values.append(vals)
        }
        for (t, v) in zip(state, values) { t.data = v }
    }

    static func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Reads little-endian values, failing with `.truncated` instead of reading past the end.
struct ByteReader {
    let bytes: [UInt8]
    let file: String
    var offset = 0

    mutating func bytes(_ n: Int) throws(DLError) -> [UInt8] {
        guard n >= 0, n <= bytes.count - offset else {
            throw DLError(.truncated, "\(file) ends at byte \(bytes.count), needed \(n) more at offset \(offset)")
        }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    mutating func read<T: FixedWidthInteger>() throws(DLError) -> T {
        let b = try bytes(MemoryLayout<T>.size)
        var v: T = 0
        for (i, byte) in b.enumerated() { v |= T(byte) << (8 * i) }
        return v
    }
}

/// Writes a file under a temporary name in the target directory, then renames it
/// into place, so readers never see a partial file.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(DLError) {
        let tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw DLError(.ioError, "cannot write \(tmp)")
        }
        if rename(tmp, path) != 0 {
            unlink(tmp)
            throw DLError(.ioError, "cannot rename \(tmp) to \(path): errno \(errno)")
        }
    }
}
