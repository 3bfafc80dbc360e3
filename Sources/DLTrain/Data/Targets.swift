import DLCore

/// What a model learns to predict for each sample: a class index, or values.
public enum Targets: Sendable, Equatable {
    /// Class indices in 0..<count.
    case classes([Int], count: Int)
    /// `shape` values per sample (per-sample shape, no batch dimension).
    case values([Float], shape: [Int])

    /// Class labels, checked against the declared number of classes.
    public static func labels(_ labels: [Int], classes: Int) throws(DLError) -> Targets {
        guard classes > 0 else { throw DLError(.invalidArgument, "targets: \(classes) classes declared") }
        for (i, l) in labels.enumerated() where l < 0 || l >= classes {
            throw DLError(.invalidData, "label \(l) of sample \(i) is outside the declared classes 0..<\(classes)")
        }
        return .classes(labels, count: classes)
    }

    public var sampleCount: Int {
        switch self {
        case .classes(let l, _): return l.count
        case .values(let v, let shape): return v.count / max(shape.reduce(1, *), 1)
        }
    }

    public var classCount: Int? {
        if case .classes(_, let n) = self { return n }
        return nil
    }

    public var labels: [Int]? {
        if case .classes(let l, _) = self { return l }
        return nil
    }

    /// The targets of `rows` as a dense tensor shaped like `output` (one-hot for classes).
    func batchTensor(rows: [Int], like output: Tensor) throws(DLError) -> Tensor {
        switch self {
        case .classes(let labels, let n):
            guard output.shape == [rows.count, n] else {
                throw DLError(.shapeMismatch, "model output \(output.shape) does not match \(n) classes")
            }
            var data = [Float](repeating: 0, count: rows.count * n)
            for (r, row) in rows.enumerated() { data[r * n + labels[row]] = 1 }
            return Tensor(shape: output.shape, data: data)
        case .values(let values, let shape):
            let width = shape.reduce(1, *)
            guard output.count == rows.count * width else {
                throw DLError(.shapeMismatch, "model output \(output.shape) does not match targets of shape \(shape)")
            }
            var data = [Float](repeating: 0, count: rows.count * width)
            for (r, row) in rows.enumerated() {
                for j in 0..<width { data[r * width + j] = values[row * width + j] }
            }
            return Tensor(shape: output.shape, data: data)
        }
    }

    func subset(_ rows: [Int]) -> Targets {
        switch self {
        case .classes(let l, let n): return .classes(rows.map { l[$0] }, count: n)
        case .values(let v, let shape):
            let w = shape.reduce(1, *)
            var out: [Float] = []
            out.reserveCapacity(rows.count * w)
            for r in rows { out.append(contentsOf: v[(r * w)..<((r + 1) * w)]) }
            return .values(out, shape: shape)
        }
    }
}
