import DLCore
import Foundation

/// Numeric CSV files: an optional header row, one sample per line, the label in one column.
public enum CSVLoader {
    /// A table of numbers and its column names (empty without a header).
    public struct Table: Sendable {
        public var columns: [String]
        public var rows: Int
        public var width: Int
        /// Row-major values.
        public var values: [Float]
    }

    /// Reads a CSV (gzip-compressed when the file is). Empty lines are skipped; a
    /// header is detected when the first line does not parse as numbers.
    public static func read(path: String, separator: Character = ",") throws(DLError) -> Table {
        let bytes = try FileBytes.read(path)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw DLError(.invalidData, "\(path) is not UTF-8 text")
        }
        return try parse(text, separator: separator, name: path)
    }

    public static func parse(_ text: String, separator: Character = ",", name: String = "csv") throws(DLError) -> Table {
        var columns: [String] = []
        var values: [Float] = []
        var width = -1
        var rows = 0
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: separator, omittingEmptySubsequences: false)
            let parsed = fields.map { Float(trimmed($0)) }
            if width < 0 && columns.isEmpty && parsed.contains(where: { $0 == nil }) {
                columns = fields.map { String(trimmed($0)) }
                width = fields.count
                continue
            }
            if width < 0 { width = fields.count }
            guard fields.count == width else {
                throw DLError(.invalidData, "\(name), line \(lineNumber): \(fields.count) fields, expected \(width)")
            }
            for (i, v) in parsed.enumerated() {
                guard let v else {
                    throw DLError(.invalidData, "\(name), line \(lineNumber), column \(i + 1): '\(fields[i])' is not a number")
                }
                values.append(v)
            }
            rows += 1
        }
        return Table(columns: columns, rows: rows, width: max(width, 0), values: values)
    }

    /// The field without surrounding whitespace (a slice: Foundation's trimming copies through
    /// NSString, which made parsing MNIST-5k take seconds).
    static func trimmed(_ field: Substring) -> Substring {
        guard let first = field.firstIndex(where: { !$0.isWhitespace }) else { return field[field.endIndex...] }
        let last = field.lastIndex(where: { !$0.isWhitespace })!
        return field[first...last]
    }

    /// A classification data set from a CSV whose `labelColumn` (default: the last) holds
    /// integer class indices 0..<classes; labels outside that range are an error.
    public static func classification(path: String, labelColumn: Int? = nil, classes: Int) throws(DLError) -> Dataset {
        let table = try read(path: path)
        let col = labelColumn ?? table.width - 1
        guard col >= 0, col < table.width else {
            throw DLError(.invalidArgument, "\(path): label column \(col) of \(table.width)")
        }
        var features: [Float] = []
        features.reserveCapacity(table.rows * (table.width - 1))
        var labels: [Int] = []
        for r in 0..<table.rows {
            for c in 0..<table.width {
                let v = table.values[r * table.width + c]
                if c == col {
                    guard v.rounded() == v, v.isFinite else {
                        throw DLError(.invalidData, "\(path), row \(r + 1): label \(v) is not a class index")
                    }
                    labels.append(Int(v))
                } else {
                    features.append(v)
                }
            }
        }
        return try Dataset(features: features, sampleShape: [table.width - 1], targets: try .labels(labels, classes: classes))
    }
}

/// Whole-file reads, decompressing gzip (by magic number) transparently.
enum FileBytes {
    static func read(_ path: String) throws(DLError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DLError(.fileNotFound, "cannot read \(path)")
        }
        let bytes = [UInt8](data)
        return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, name: path) : bytes
    }
}
