/// Reductions and shape changes.

extension Tensor {
    /// The sum of all elements, as a scalar tensor.
    public func sum() -> Tensor {
        var s: Float = 0
        for v in data { s += v }
        let x = self
        return Tensor.result(shape: [], data: [s], parents: [x]) { out in
            let g = out.grad![0]
            x.accumulateGrad { dx in for i in 0..<dx.count { dx[i] += g } }
        }
    }

    /// The mean of all elements, as a scalar tensor.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Sum over the last axis: [..., n] -> [...].
    public func sumLastAxis() -> Tensor {
        let n = shape.last ?? 1
        let rows = count / Swift.max(n, 1)
        var out = [Float](repeating: 0, count: rows)
        for r in 0..<rows { for j in 0..<n { out[r] += data[r * n + j] } }
        let x = self
        return Tensor.result(shape: Array(shape.dropLast()), data: out, parents: [x]) { y in
            let g = y.grad!
            x.accumulateGrad { dx in for r in 0..<rows { for j in 0..<n { dx[r * n + j] += g[r] } } }
        }
    }

    /// The same values with another shape (same element count).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape)")
        let x = self
        return Tensor.result(shape: newShape, data: data, parents: [x]) { y in
            x.accumulateGrad(y.grad!, shape: x.shape)
        }
    }

    /// Rows `range` of the first axis (a batch slice of a sequence, for instance).
    public func slice(axis0 range: Range<Int>) -> Tensor {
        let inner = count / Swift.max(shape[0], 1)
        let values = Array(data[(range.lowerBound * inner)..<(range.upperBound * inner)])
        let x = self
        return Tensor.result(shape: [range.count] + shape.dropFirst(), data: values, parents: [x]) { y in
            let g = y.grad!
            x.accumulateGrad { dx in for i in 0..<g.count { dx[range.lowerBound * inner + i] += g[i] } }
        }
    }
}
