import DLCore
import Foundation

/// numpy's `.npy` files (format versions 1-3): calibration data, `dlpack compare`
/// inputs, and the conformance harness's tensors. C order only.
public enum NpyFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    public static func read(path: String) throws(DLError) -> HostTensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DLError(.fileNotFound, "cannot read '\(path)'")
        }
        return try decode([UInt8](data), label: path)
    }

    public static func decode(_ bytes: [UInt8], label: String = "npy data") throws(DLError) -> HostTensor {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw DLError(.invalidData, "\(label) is not a .npy file") }
        let major = bytes[6]
        var headerStart = 10, headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        if major >= 2 {
            guard bytes.count >= 12 else { throw DLError(.truncated, "\(label): truncated header") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        }
        guard headerLength <= bytes.count - headerStart else { throw DLError(.truncated, "\(label): truncated header") }
        let header = String(decoding: bytes[headerStart ..< headerStart + headerLength], as: UTF8.self)
        guard let descr = field(header, "descr"), let shapeText = field(header, "shape") else {
            throw DLError(.invalidData, "\(label): header without descr or shape: \(header)")
        }
        if let fortran = field(header, "fortran_order"), fortran.hasPrefix("True") {
            throw DLError(.unsupported, "\(label): Fortran-order arrays (save with np.ascontiguousarray)")
        }
        let types: [String: OnnxElementType] = ["<f4": .float, "<f8": .double, "<f2": .float16, "<i8": .int64, "<i4": .int32,
                                                 "<i2": .int16, "|i1": .int8, "|u1": .uint8, "|b1": .bool, "<u2": .uint16,
                                                 "<u4": .uint32, "<u8": .uint64]
        let code = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard let type = types[code] else { throw DLError(.unsupportedDType, "\(label): numpy dtype '\(code)'") }
        var dims: [Int] = []
        for part in shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw DLError(.invalidData, "\(label): bad shape (\(shapeText))") }
            dims.append(d)
        }
        guard let count = Shape(dims).elementCount else { throw DLError(.invalidData, "\(label): shape \(dims) is too large") }
        let (size, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow, size <= bytes.count - headerStart - headerLength else {
            throw DLError(.truncated, "\(label): shape \(dims) of \(code) needs more data than the file has")
        }
        let start = headerStart + headerLength
        return HostTensor(type: type, dims: dims, bytes: Array(bytes[start ..< start + size]))
    }

    /// The text after `'key':` up to the next top-level comma (a tuple counts as one value).
    static func field(_ header: String, _ key: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        var depth = 0, out = ""
        for ch in header[r.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1; if depth < 0 { break } }
            if (ch == "," || ch == "}") && depth == 0 { break }
            out.append(ch)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    public static func encode(_ t: HostTensor) -> [UInt8] {
        let codes: [OnnxElementType: String] = [.float: "<f4", .double: "<f8", .float16: "<f2", .int64: "<i8", .int32: "<i4",
                                                 .int16: "<i2", .int8: "|i1", .uint8: "|u1", .bool: "|b1", .uint16: "<u2",
                                                 .uint32: "<u4", .uint64: "<u8", .bfloat16: "<u2"]
        let shape = t.dims.isEmpty ? "()" : t.dims.count == 1 ? "(\(t.dims[0]),)" : "(" + t.dims.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(codes[t.type]!)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        return magic + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(header.utf8) + t.bytes
    }

    /// Writes to a temporary name and renames, so a reader never sees half a file.
    public static func write(_ t: HostTensor, path: String) throws(DLError) {
        let temporary = path + ".tmp"
        do {
            try Data(encode(t)).write(to: URL(fileURLWithPath: temporary))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            throw DLError(.ioError, "cannot write '\(path)': \(error)")
        }
    }
}
