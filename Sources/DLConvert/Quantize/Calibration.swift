import DLCore
import Foundation

/// How an activation's range is estimated from calibration data.
public enum CalibrationMethod: Equatable, Sendable {
    /// The smallest and largest value seen.
    case minMax
    /// The `p`-th and (100 − p)-th percentiles: outliers do not stretch the range.
    case percentile(Double)

    public init?(name: String, percentile: Double = 99.99) {
        switch name {
        case "minmax": self = .minMax
        case "percentile":
            guard percentile > 50, percentile <= 100 else { return nil }
            self = .percentile(percentile)
        default: return nil
        }
    }
}

/// Calibration inputs: one tensor per graph input, samples along the first axis.
public struct CalibrationData: Sendable {
    public var inputs: [HostTensor]

    public init(inputs: [HostTensor]) { self.inputs = inputs }

    /// Number of samples (the first dimension, shared by every input).
    public var sampleCount: Int { inputs.first?.dims.first ?? 0 }

    /// A `.npy` file (for a model with one input), or a directory holding either one
    /// `<input name>.npy` per graph input or any number of `.npy` batches for a single
    /// input (concatenated along the first axis, in file-name order).
    public static func load(path: String, model: ImportedModel) throws(DLError) -> CalibrationData {
        try load(path: path, graph: model.graph)
    }

    /// As `load(path:model:)`, for the inputs of `graph`.
    public static func load(path: String, graph: Graph) throws(DLError) -> CalibrationData {
        let names = graph.inputs.map { graph.tensors[$0].name }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DLError(.fileNotFound, "calibration data '\(path)' does not exist")
        }
        var tensors: [HostTensor]
        if !isDirectory.boolValue {
            guard names.count == 1 else {
                throw DLError(.invalidArgument, "the model has \(names.count) inputs (\(names.joined(separator: ", "))): give a directory with one <input name>.npy each")
            }
            tensors = [try NpyFile.read(path: path)]
        } else {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".npy") }.sorted()
            guard !files.isEmpty else { throw DLError(.invalidData, "calibration directory '\(path)' has no .npy files") }
            if names.allSatisfy({ files.contains($0 + ".npy") }) {
                tensors = []
                for name in names { tensors.append(try NpyFile.read(path: path + "/" + name + ".npy")) }
            } else {
                guard names.count == 1 else {
                    throw DLError(.invalidArgument, "calibration directory '\(path)' needs one file per input: \(names.map { $0 + ".npy" }.joined(separator: ", "))")
                }
                var batches: [HostTensor] = []
                for f in files { batches.append(try NpyFile.read(path: path + "/" + f)) }
                guard batches.allSatisfy({ $0.dims.count == batches[0].dims.count && $0.dims.dropFirst() == batches[0].dims.dropFirst() }) else {
                    throw DLError(.shapeMismatch, "calibration batches in '\(path)' have different shapes")
                }
                tensors = [HostOps.concat(batches.map { HostOps.cast($0, to: batches[0].type) }, axis: 0)]
            }
        }
        for (k, t) in tensors.enumerated() {
            let expected = graph.tensors[graph.inputs[k]].shape
            guard t.dims.count == expected.rank, zip(t.dims, expected.dims).allSatisfy({ $1 < 0 || $0 == $1 }) else {
                throw DLError(.shapeMismatch, "calibration data for '\(names[k])' has shape \(t.dims), the model expects \(expected)")
            }
            guard t.type.isFloatingPoint else { throw DLError(.dtypeMismatch, "calibration data for '\(names[k])' is \(t.type.name), not float") }
            tensors[k] = HostOps.cast(t, to: .float)
        }
        guard tensors.allSatisfy({ $0.dims.first == tensors[0].dims.first }), tensors[0].dims.first ?? 0 > 0 else {
            throw DLError(.shapeMismatch, "calibration inputs must have the same, non-zero number of samples")
        }
        return CalibrationData(inputs: tensors)
    }

    /// Samples `start..<end` of every input.
    public func batch(_ range: Range<Int>) -> [HostTensor] {
        inputs.map { t in
            let per = t.dims.dropFirst().reduce(1, *) * t.type.byteSize
            var dims = t.dims
            dims[0] = range.count
            return HostTensor(name: t.name, type: t.type, dims: dims, bytes: Array(t.bytes[range.lowerBound * per ..< range.upperBound * per]))
        }
    }
}

/// Accumulates the values each observed activation takes over the calibration data
/// and turns them into ranges.
public struct ActivationObserver: Sendable {
    public let method: CalibrationMethod
    /// Values kept per tensor for percentiles (a strided sample beyond this).
    static let sampleLimit = 1 << 20
    private var minimum: [String: Float] = [:]
    private var maximum: [String: Float] = [:]
    private var samples: [String: [Float]] = [:]

    public init(method: CalibrationMethod) { self.method = method }

    public mutating func observe(_ name: String, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var lo = minimum[name] ?? .infinity, hi = maximum[name] ?? -.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        minimum[name] = lo
        maximum[name] = hi
        if case .percentile = method {
            let stride = max(1, values.count / max(1, Self.sampleLimit / 16))
            var kept = samples[name] ?? []
            if kept.count < Self.sampleLimit {
                for i in Swift.stride(from: 0, to: values.count, by: stride) where values[i].isFinite { kept.append(values[i]) }
            }
            samples[name] = kept
        }
    }

    /// The range of every observed tensor, always containing 0 (so that zero is exact).
    public func ranges() -> [String: ClosedRange<Float>] {
        var out: [String: ClosedRange<Float>] = [:]
        for (name, lo) in minimum {
            guard let hi = maximum[name], lo <= hi else { continue }
            var range = lo...hi
            if case .percentile(let p) = method, var kept = samples[name], kept.count > 1 {
                kept.sort()
                func at(_ q: Double) -> Float { kept[min(kept.count - 1, max(0, Int((q / 100 * Double(kept.count - 1)).rounded())))] }
                range = at(100 - p)...at(p)
            }
            out[name] = min(range.lowerBound, 0)...max(range.upperBound, 0)
        }
        return out
    }
}
