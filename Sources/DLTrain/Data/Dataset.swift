import DLCore

/// Samples and their targets, in memory: `features` holds `count` samples of
/// `sampleShape` each, row-major (channels first for images).
public struct Dataset: Sendable {
    public var features: [Float]
    public var sampleShape: [Int]
    public var targets: Targets

    public init(features: [Float], sampleShape: [Int], targets: Targets) throws(DLError) {
        let width = sampleShape.reduce(1, *)
        guard width > 0, features.count % width == 0 else {
            throw DLError(.shapeMismatch, "dataset: \(features.count) values do not split into samples of shape \(sampleShape)")
        }
        guard features.count / width == targets.sampleCount else {
            throw DLError(.shapeMismatch, "dataset: \(features.count / width) samples but \(targets.sampleCount) targets")
        }
        self.features = features
        self.sampleShape = sampleShape
        self.targets = targets
    }

    public var count: Int { targets.sampleCount }
    public var sampleWidth: Int { sampleShape.reduce(1, *) }

    /// The features of `rows` as a [rows.count] + sampleShape tensor.
    public func batch(rows: [Int]) -> Tensor {
        let w = sampleWidth
        var data = [Float](repeating: 0, count: rows.count * w)
        features.withUnsafeBufferPointer { src in
            data.withUnsafeMutableBufferPointer { dst in
                for (r, row) in rows.enumerated() {
                    for j in 0..<w { dst[r * w + j] = src[row * w + j] }
                }
            }
        }
        return Tensor(shape: [rows.count] + sampleShape, data: data)
    }

    /// The samples at `rows`, in that order.
    public func subset(_ rows: [Int]) -> Dataset {
        let w = sampleWidth
        var out: [Float] = []
        out.reserveCapacity(rows.count * w)
        for r in rows { out.append(contentsOf: features[(r * w)..<((r + 1) * w)]) }
        // Counts agree by construction, so this cannot fail.
        return try! Dataset(features: out, sampleShape: sampleShape, targets: targets.subset(rows))
    }

    /// The same samples with another per-sample shape (e.g. 784 -> [1, 28, 28] for a CNN).
    public func reshaped(_ shape: [Int]) throws(DLError) -> Dataset {
        guard shape.reduce(1, *) == sampleWidth else {
            throw DLError(.shapeMismatch, "cannot reshape samples of \(sampleShape) to \(shape)")
        }
        var d = self
        d.sampleShape = shape
        return d
    }

    /// Index batches of one epoch, shuffled with `rng` when given.
    public func batches(size: Int, shuffle rng: inout SeededRandom?) -> [[Int]] {
        var order = Array(0..<count)
        if rng != nil { rng!.shuffle(&order) }
        return stride(from: 0, to: count, by: max(size, 1)).map { Array(order[$0..<min($0 + size, count)]) }
    }
}
