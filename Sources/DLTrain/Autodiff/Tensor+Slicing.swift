/// Selecting and stacking along inner axes: what recurrent layers need to take one
/// time step from a sequence, split gate blocks, and put the outputs back together.

extension Tensor {
    /// Columns `range` of the last axis: [..., n] -> [..., range.count].
    public func columns(_ range: Range<Int>) -> Tensor {
        let n = shape.last ?? 1, w = range.count
        let rows = count / Swift.max(n, 1)
        var out = [Float](repeating: 0, count: rows * w)
        data.withUnsafeBufferPointer { src in
            for r in 0..<rows { for j in 0..<w { out[r * w + j] = src[r * n + range.lowerBound + j] } }
        }
        let x = self
        return Tensor.result(shape: Array(shape.dropLast()) + [w], data: out, parents: [x]) { y in
            let g = y.grad!
            x.accumulateGrad { dx in for r in 0..<rows { for j in 0..<w { dx[r * n + range.lowerBound + j] += g[r * w + j] } } }
        }
    }

    /// Index `t` of axis 1: [batch, steps, ...] -> [batch, ...].
    public func step(_ t: Int) -> Tensor {
        let b = shape[0], steps = shape[1]
        let inner = count / Swift.max(b * steps, 1)
        var out = [Float](repeating: 0, count: b * inner)
        data.withUnsafeBufferPointer { src in
            for i in 0..<b { for j in 0..<inner { out[i * inner + j] = src[(i * steps + t) * inner + j] } }
        }
        let x = self
        return Tensor.result(shape: [b] + shape.dropFirst(2), data: out, parents: [x]) { y in
            let g = y.grad!
            x.accumulateGrad { dx in for i in 0..<b { for j in 0..<inner { dx[(i * steps + t) * inner + j] += g[i * inner + j] } } }
        }
    }

    /// Stacks equally shaped [batch, ...] tensors along a new axis 1: -> [batch, count, ...].
    public static func stack(steps: [Tensor]) -> Tensor {
        let first = steps[0]
        let b = first.shape[0], inner = first.count / Swift.max(b, 1), n = steps.count
        var out = [Float](repeating: 0, count: b * n * inner)
        for (t, s) in steps.enumerated() {
            let values = s.data
            for i in 0..<b { for j in 0..<inner { out[(i * n + t) * inner + j] = values[i * inner + j] } }
        }
        return Tensor.result(shape: [b, n] + first.shape.dropFirst(), data: out, parents: steps) { y in
            let g = y.grad!
            for (t, s) in steps.enumerated() {
                s.accumulateGrad { ds in for i in 0..<b { for j in 0..<inner { ds[i * inner + j] += g[(i * n + t) * inner + j] } } }
            }
        }
    }

    /// Rows of `table` ([vocabulary, width]) picked by the integer values of self:
    /// [...] -> [..., width]. Indices outside the table give zeros (and no gradient).
    public func gatherRows(from table: Tensor) -> Tensor {
        let v = table.shape[0], d = table.shape[1]
        let indices = data.map { Int(exactly: $0.rounded()) ?? -1 }
        var out = [Float](repeating: 0, count: indices.count * d)
        let rows = table.data
        for (i, idx) in indices.enumerated() where idx >= 0 && idx < v {
            for j in 0..<d { out[i * d + j] = rows[idx * d + j] }
        }
        return Tensor.result(shape: shape + [d], data: out, parents: [table]) { y in
            let g = y.grad!
            table.accumulateGrad { dt in
                for (i, idx) in indices.enumerated() where idx >= 0 && idx < v {
                    for j in 0..<d { dt[idx * d + j] += g[i * d + j] }
                }
            }
        }
    }
}
