import DLCore
import Foundation

/// numpy `.npy` arrays (format versions 1–3; little- or big-endian float, int and
/// uint element types; C order), converted to Float. `.npy.gz` is decompressed.
public enum NPYLoader {
    public static func read(path: String) throws(DLError) -> (shape: [Int], values: [Float]) {
        try parse(FileBytes.read(path), name: path)
    }

    public static func parse(_ b: [UInt8], name: String = "npy") throws(DLError) -> (shape: [Int], values: [Float]) {
        guard b.count >= 10, b[0] == 0x93, Array(b[1...5]) == Array("NUMPY".utf8) else {
            throw DLError(.badMagic, "\(name) is not a .npy file")
        }
        let major = b[6]
        let headerLength: Int, start: Int
        switch major {
        case 1: headerLength = Int(b[8]) | Int(b[9]) << 8; start = 10
        case 2, 3:
            guard b.count >= 12 else { throw DLError(.truncated, "\(name): header is truncated") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24; start = 12
        default: throw DLError(.unsupportedVersion, "\(name): .npy version \(major)")
        }
        guard start + headerLength <= b.count, let header = String(bytes: b[start..<(start + headerLength)], encoding: .utf8) else {
            throw DLError(.truncated, "\(name): header is truncated")
        }
        guard let descr = field("descr", in: header)?.trimmingCharacters(in: ["'", "\""]) else {
            throw DLError(.invalidData, "\(name): header has no descr")
        }
        if field("fortran_order", in: header) == "True" {
            throw DLError(.unsupported, "\(name): Fortran-ordered arrays are not supported")
        }
        guard let shapeText = shapeField(header) else { throw DLError(.invalidData, "\(name): header has no shape") }
        var shape: [Int] = []
        for part in shapeText.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            guard let d = Int(t), d >= 0 else { throw DLError(.invalidData, "\(name): bad dimension '\(t)'") }
            shape.append(d)
        }
        var count = 1
        for d in shape {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw DLError(.limitExceeded, "\(name): shape \(shape) is too large") }
            count = p
        }
        guard descr.count >= 3, let size = Int(descr.dropFirst(2)) else {
            throw DLError(.unsupportedDType, "\(name): element type \(descr)")
        }
        let bigEndian = descr.first == ">"
        let kind = descr[descr.index(after: descr.startIndex)]
        let dataStart = start + headerLength
        guard count <= (b.count - dataStart) / max(size, 1) else {
            throw DLError(.truncated, "\(name): \(count) elements of \(size) bytes do not fit in the file")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var raw: UInt64 = 0
            for j in 0..<size {
                let byte = UInt64(b[dataStart + i * size + (bigEndian ? size - 1 - j : j)])
                raw |= byte << UInt64(8 * j)
            }
            switch (kind, size) {
            case ("f", 4): values[i] = Float(bitPattern: UInt32(raw))
            case ("f", 8): values[i] = Float(Double(bitPattern: raw))
            case ("f", 2): values[i] = Float(Float16(bitPattern: UInt16(raw)))
            case ("u", _), ("b", 1): values[i] = Float(raw)
            case ("i", _):
                let shift = UInt64(64 - 8 * size)
                values[i] = Float(Int64(bitPattern: raw << shift) >> Int64(shift))
            default: throw DLError(.unsupportedDType, "\(name): element type \(descr)")
            }
        }
        return (shape, values)
    }

    /// The value text of `'key': value` in the header dictionary (up to the next comma).
    private static func field(_ key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        let rest = header[r.upperBound...]
        let end = rest.firstIndex(of: ",") ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    private static func shapeField(_ header: String) -> String? {
        guard let r = header.range(of: "'shape':"),
              let open = header[r.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { return nil }
        return String(header[header.index(after: open)..<close])
    }
}
