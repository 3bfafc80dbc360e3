/// Element-wise arithmetic with numpy broadcasting; each op's backward rule sits
/// beside its forward, and broadcast sums are left to `accumulateGrad`.

extension Tensor {
    /// Applies `f` element-wise over the broadcast of self and `other`.
    private func zipBroadcast(_ other: Tensor, _ f: (Float, Float) -> Float) -> (shape: [Int], data: [Float]) {
        if shape == other.shape {
            var out = [Float](repeating: 0, count: count)
            data.withUnsafeBufferPointer { a in
                other.data.withUnsafeBufferPointer { b in
                    for i in 0..<out.count { out[i] = f(a[i], b[i]) }
                }
            }
            return (shape, out)
        }
        guard let outShape = Broadcast.shape(shape, other.shape) else {
            preconditionFailure("cannot broadcast \(shape) with \(other.shape)")
        }
        let ia = Broadcast.indexMap(shape, to: outShape)
        let ib = Broadcast.indexMap(other.shape, to: outShape)
        var out = [Float](repeating: 0, count: ia.count)
        let (x, y) = (data, other.data)   // locals: no exclusivity check per element
        for i in 0..<out.count { out[i] = f(x[ia[i]], y[ib[i]]) }
        return (outShape, out)
    }

    /// The operand's values broadcast to `outShape` (for backward rules that need them).
    private func expanded(to outShape: [Int]) -> [Float] {
        if shape == outShape { return data }
        return Broadcast.indexMap(shape, to: outShape).map { data[$0] }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (s, d) = a.zipBroadcast(b, +)
        return result(shape: s, data: d, parents: [a, b]) { out in
            a.accumulateGrad(out.grad!, shape: s)
            b.accumulateGrad(out.grad!, shape: s)
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (s, d) = a.zipBroadcast(b, -)
        return result(shape: s, data: d, parents: [a, b]) { out in
            a.accumulateGrad(out.grad!, shape: s)
            if b.requiresGrad { b.accumulateGrad(out.grad!.map { -$0 }, shape: s) }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (s, d) = a.zipBroadcast(b, *)
        return result(shape: s, data: d, parents: [a, b]) { out in
            let g = out.grad!
            if a.requiresGrad {
                let bv = b.expanded(to: s)
                a.accumulateGrad((0..<g.count).map { g[$0] * bv[$0] }, shape: s)
            }
            if b.requiresGrad {
                let av = a.expanded(to: s)
                b.accumulateGrad((0..<g.count).map { g[$0] * av[$0] }, shape: s)
            }
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (s, d) = a.zipBroadcast(b, /)
        return result(shape: s, data: d, parents: [a, b]) { out in
            let g = out.grad!
            let bv = b.expanded(to: s)
            if a.requiresGrad { a.accumulateGrad((0..<g.count).map { g[$0] / bv[$0] }, shape: s) }
            if b.requiresGrad {
                let av = a.expanded(to: s)
                b.accumulateGrad((0..<g.count).map { -g[$0] * av[$0] / (bv[$0] * bv[$0]) }, shape: s)
            }
        }
    }

    public static func * (a: Tensor, k: Float) -> Tensor {
        result(shape: a.shape, data: a.data.map { $0 * k }, parents: [a]) { out in
            let dy = out.grad!
            a.accumulateGrad { g in for i in 0..<g.count { g[i] += dy[i] * k } }
        }
    }

    public static func + (a: Tensor, k: Float) -> Tensor {
        result(shape: a.shape, data: a.data.map { $0 + k }, parents: [a]) { out in
            a.accumulateGrad(out.grad!, shape: a.shape)
        }
    }

    public static prefix func - (a: Tensor) -> Tensor { a * -1 }
}
