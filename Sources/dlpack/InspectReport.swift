import DLCore
import DLFormat
import Foundation

/// Everything `dlpack inspect` shows, built once and rendered as text or JSON.
struct InspectReport: Encodable {
    struct TensorRef: Encodable {
        var index: Int
        var name: String
        var dtype: String
        var shape: [Int]
    }

    struct Quantization: Encodable {
        var axis: Int?
        var scales: [Float]
        var zeroPoints: [Int32]
    }

    struct Blob: Encodable {
        var codec: String
        var filter: String
        var offset: Int
        var storedSize: Int
        var rawSize: Int
        var checksum: String
    }

    struct TensorEntry: Encodable {
        var index: Int
        var name: String
        var kind: String
        var dtype: String
        var shape: [Int]
        var quantization: Quantization?
        var blob: Blob?
    }

    struct AttributeEntry: Encodable {
        var name: String
        var type: String
        var int: Int64?
        var float: Float?
        var ints: [Int64]?
        var floats: [Float]?
        var string: String?
    }

    struct NodeEntry: Encodable {
        var index: Int
        var name: String
        var op: String
        var opCode: UInt16
        /// nil marks an absent optional input.
        var inputs: [TensorRef?]
        var outputs: [TensorRef]
        var attributes: [AttributeEntry]
    }

    struct PreprocessingEntry: Encodable {
        var input: Int
        var scale: Float
        var mean: [Float]
        var std: [Float]
        var channelAxis: Int
    }

    struct PropertyEntry: Encodable {
        var key: String
        var value: String
    }

    struct Metadata: Encodable {
        var producer: String
        var producerVersion: String
        var createdAt: Int64
        var labels: [String]
        var preprocessing: [PreprocessingEntry]
        var properties: [PropertyEntry]
    }

    struct Totals: Encodable {
        var constants: Int
        var parameters: Int
        var storedBytes: Int
        var rawBytes: Int
        /// raw / stored.
        var compressionRatio: Double
    }

    var file: String
    var fileSize: Int
    var formatVersion: String
    var metadata: Metadata
    var inputs: [TensorRef]
    var outputs: [TensorRef]
    var nodes: [NodeEntry]
    var tensors: [TensorEntry]
    var totals: Totals
    /// Only with --stats.
    var stats: InspectStats?

    init(file: String, model: DLPKModel) {
        let g = model.graph
        func ref(_ i: Int) -> TensorRef {
            TensorRef(index: i, name: g.tensors[i].name, dtype: g.tensors[i].dtype.name, shape: g.tensors[i].shape.dims)
        }
        self.file = file
        fileSize = model.fileSize
        formatVersion = model.formatVersion.description
        let md = model.metadata
        metadata = Metadata(
            producer: md.producer, producerVersion: md.producerVersion, createdAt: md.createdAt, labels: md.labels,
            preprocessing: md.preprocessing.map {
                PreprocessingEntry(input: $0.input, scale: $0.scale, mean: $0.mean, std: $0.std, channelAxis: $0.channelAxis)
            },
            properties: md.properties.map { PropertyEntry(key: $0.key, value: $0.value) })
        inputs = g.inputs.map(ref)
        outputs = g.outputs.map(ref)
        nodes = g.nodes.enumerated().map { j, n in
            NodeEntry(index: j, name: n.name, op: n.op.name, opCode: n.op.rawValue,
                      inputs: n.inputs.map { $0 == Node.absent ? nil : ref($0) }, outputs: n.outputs.map(ref),
                      attributes: n.attributes.map(InspectReport.attribute))
        }
        var stored = 0
        var raw = 0
        var parameters = 0
        var constants = 0
        tensors = g.tensors.enumerated().map { i, t in
            var blob: Blob?
            if let b = model.blobs[i] {
                blob = Blob(codec: b.codec.name, filter: b.filter.name, offset: b.fileOffset, storedSize: b.storedSize,
                            rawSize: b.rawSize, checksum: String(format: "%016llx", b.checksum))
                stored += b.storedSize
                raw += b.rawSize
                parameters += t.shape.elementCount ?? 0
                constants += 1
            }
            return TensorEntry(
                index: i, name: t.name, kind: t.kind == .constant ? "constant" : "activation", dtype: t.dtype.name,
                shape: t.shape.dims,
                quantization: t.quant.map { Quantization(axis: $0.axis, scales: $0.scales, zeroPoints: $0.zeroPoints) },
                blob: blob)
        }
        totals = Totals(constants: constants, parameters: parameters, storedBytes: stored, rawBytes: raw,
                        compressionRatio: stored == 0 ? 1 : Double(raw) / Double(stored))
    }

    private static func attribute(_ a: Attribute) -> AttributeEntry {
        var e = AttributeEntry(name: a.name, type: "")
        switch a.value {
        case .int(let v): e.type = "int"; e.int = v
        case .float(let v): e.type = "float"; e.float = v
        case .ints(let v): e.type = "ints"; e.ints = v
        case .floats(let v): e.type = "floats"; e.floats = v
        case .string(let v): e.type = "string"; e.string = v
        }
        return e
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    // MARK: - Text

    func text() -> String {
        var out = "\(file): .dlpk format \(formatVersion), \(bytes(fileSize))\n"
        out += "producer: \(metadata.producer)"
        if !metadata.producerVersion.isEmpty { out += " \(metadata.producerVersion)" }
        out += ", created \(iso8601(metadata.createdAt))\n"
        if !metadata.labels.isEmpty {
            let shown = metadata.labels.prefix(20).joined(separator: ", ")
            out += "labels (\(metadata.labels.count)): \(shown)\(metadata.labels.count > 20 ? ", ..." : "")\n"
        }
        for p in metadata.preprocessing {
            let name = p.input < inputs.count ? inputs[p.input].name : "?"
            out += "preprocessing of input \(p.input) ('\(name)'): x * \(p.scale), mean \(p.mean), std \(p.std), channel axis \(p.channelAxis)\n"
        }
        for kv in metadata.properties { out += "property \(kv.key) = \(kv.value)\n" }

        out += "\ngraph: \(inputs.count) input(s), \(outputs.count) output(s), \(nodes.count) node(s), \(tensors.count) tensor(s)\n"
        for t in inputs { out += "  input  \(t.name): \(t.dtype) \(shape(t.shape))\n" }
        for t in outputs { out += "  output \(t.name): \(t.dtype) \(shape(t.shape))\n" }
        out += "\nnodes:\n"
        for n in nodes {
            let ins = n.inputs.map { $0.map { "\($0.name) \(shape($0.shape))" } ?? "-" }.joined(separator: ", ")
            let outs = n.outputs.map { "\($0.name) \(shape($0.shape))" }.joined(separator: ", ")
            out += "  \(n.index) \(n.op) '\(n.name)': (\(ins)) -> (\(outs))"
            if !n.attributes.isEmpty { out += "  " + n.attributes.map(attributeText).joined(separator: " ") }
            out += "\n"
        }

        out += "\nconstants:\n"
        let rows = tensors.compactMap { t -> [String]? in
            guard let b = t.blob else { return nil }
            return [String(t.index), t.name, t.dtype, shape(t.shape), quantText(t.quantization), b.codec, b.filter,
                    String(b.storedSize), String(b.rawSize), ratio(b.rawSize, b.storedSize)]
        }
        out += table(header: ["#", "name", "dtype", "shape", "quant", "codec", "filter", "stored", "raw", "ratio"], rows: rows)
        out += "total: \(totals.constants) constant(s), \(totals.parameters) parameters, stored \(bytes(totals.storedBytes)) "
        out += "of raw \(bytes(totals.rawBytes)) (compression \(ratio(totals.rawBytes, totals.storedBytes)))\n"
        return out
    }

    private func shape(_ dims: [Int]) -> String {
        "[" + dims.map { $0 < 0 ? "?" : String($0) }.joined(separator: ", ") + "]"
    }

    private func attributeText(_ a: AttributeEntry) -> String {
        let value: String
        if let v = a.int { value = String(v) }
        else if let v = a.float { value = "\(v)" }
        else if let v = a.ints { value = "[" + v.map(String.init).joined(separator: ",") + "]" }
        else if let v = a.floats { value = "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }
        else { value = "\"\(a.string ?? "")\"" }
        return "\(a.name)=\(value)"
    }

    private func quantText(_ q: Quantization?) -> String {
        guard let q else { return "-" }
        if let axis = q.axis { return "per-channel axis \(axis) (\(q.scales.count))" }
        return "scale \(q.scales.first ?? 0) zp \(q.zeroPoints.first ?? 0)"
    }

    private func ratio(_ raw: Int, _ stored: Int) -> String {
        stored == 0 ? "-" : String(format: "%.2fx", Double(raw) / Double(stored))
    }

    private func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return String(format: "%.1f KiB", Double(n) / 1024) }
        return String(format: "%.2f MiB", Double(n) / Double(1 << 20))
    }

    private func iso8601(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (k, cell) in r.enumerated() { widths[k] = max(widths[k], cell.count) } }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { k, c in c.padding(toLength: widths[k], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}
