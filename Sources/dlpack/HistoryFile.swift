import DLCore
import DLTrain
import Foundation

/// A training history (DLTrain's `History`) saved by `dlpack train` and `dlpack demo` for `dlpack plot`:
/// JSON `{"epochs": [{"loss": 0.41, "accuracy": 0.88, ...}, ...]}`, one object per epoch.
/// The CSV the demo also writes (`epoch,loss,...`, empty cells for missing values) reads back too.
struct HistoryFile: Codable {
    var epochs: [[String: Float]]

    init(_ history: History) { epochs = history.epochs }

    init(epochs: [[String: Float]]) { self.epochs = epochs }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Non-finite values (a diverged run) are written as strings rather than failing the save.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    static func read(path: String) throws(DLError) -> HistoryFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DLError(.fileNotFound, "\(path): no such file")
        }
        if path.lowercased().hasSuffix(".csv") { return try csv(String(decoding: data, as: UTF8.self), path: path) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let file = try decoder.decode(HistoryFile.self, from: data)
            guard !file.epochs.isEmpty else { throw DLError(.invalidData, "\(path): the history has no epochs") }
            return file
        } catch let error as DLError {
            throw error
        } catch {
            throw DLError(.invalidData, "\(path) is not a training history (JSON {\"epochs\": [{\"loss\": ...}, ...]} or CSV): \(Self.reason(error))")
        }
    }

    private static func csv(_ text: String, path: String) throws(DLError) -> HistoryFile {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }),
              header.first == "epoch", header.count > 1 else {
            throw DLError(.invalidData, "\(path): a history CSV starts with the header epoch,<key>,...")
        }
        var history = HistoryFile(epochs: [])
        for (n, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == header.count else {
                throw DLError(.invalidData, "\(path), line \(n + 2): \(cells.count) fields, the header has \(header.count)")
            }
            var logs: [String: Float] = [:]
            for (k, cell) in cells.enumerated().dropFirst() where !cell.isEmpty {
                guard let v = Float(cell) else { throw DLError(.invalidData, "\(path), line \(n + 2): '\(cell)' is not a number") }
                logs[header[k]] = v
            }
            history.epochs.append(logs)
        }
        guard !history.epochs.isEmpty else { throw DLError(.invalidData, "\(path): the history has no epochs") }
        return history
    }

    /// A decoding error in a few words.
    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case DecodingError.keyNotFound(let key, _): return "no \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c): return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case DecodingError.valueNotFound(_, let c): return c.debugDescription
        default: return error.localizedDescription
        }
    }
}

/// A confusion matrix saved as JSON: `{"labels": ["0", ...], "counts": [[...], ...]}`,
/// counts[true class][predicted class].
struct ConfusionFile: Codable {
    var labels: [String]?
    var counts: [[Int]]

    init(_ matrix: ConfusionMatrix, labels: [String]?) {
        self.labels = labels
        counts = matrix.counts
    }

    var matrix: ConfusionMatrix {
        var truth: [Int] = [], predicted: [Int] = []
        for (r, row) in counts.enumerated() {
            for (c, n) in row.enumerated() {
                truth += [Int](repeating: r, count: n)
                predicted += [Int](repeating: c, count: n)
            }
        }
        return ConfusionMatrix(labels: truth, predicted: predicted, classes: counts.count)
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    static func read(path: String) throws(DLError) -> ConfusionFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw DLError(.fileNotFound, "\(path): no such file") }
        let file: ConfusionFile
        do { file = try JSONDecoder().decode(ConfusionFile.self, from: data) } catch {
            throw DLError(.invalidData, "\(path) is not a confusion matrix (JSON {\"counts\": [[...]], \"labels\": [...]}): \(HistoryFile.reason(error))")
        }
        let n = file.counts.count
        guard n >= 1, file.counts.allSatisfy({ $0.count == n && $0.allSatisfy { $0 >= 0 && $0 <= 100_000_000 } }) else {
            throw DLError(.invalidData, "\(path): counts must be a square matrix of counts 0...1e8 (rows: true class)")
        }
        guard file.counts.joined().reduce(0, +) <= 10_000_000 else {
            throw DLError(.limitExceeded, "\(path): more than 10 million samples in total")
        }
        if let labels = file.labels, labels.count != n {
            throw DLError(.invalidData, "\(path): \(labels.count) labels for \(n) classes")
        }
        return file
    }
}

/// Writes `bytes` through a temporary file renamed into place.
func writeFile(_ bytes: Data, to path: String) throws(DLError) {
    do { try bytes.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw DLError(.ioError, "cannot write \(path): \(error.localizedDescription)")
    }
}
