/// Selecting rows: the embedding lookup.

extension Tensor {
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
