/// Gather (ONNX Gather) of any element type: data seen as [outer, axis, inner], indices a flat list
/// of n entries -> output [outer, n, inner]. With axis 0 this is an embedding lookup.
/// Negative indices count from the end. Indices are data, so they cannot be validated at
/// prepare time: an index outside [−axis, axis) yields zeros, and the number of such indices is
/// returned so the caller can raise an error.
public enum Gather {
    @discardableResult
    public static func forward<T: BitwiseCopyable, I: BinaryInteger>(_ v: AxisView, data: UnsafePointer<T>,
                                                                     indices: UnsafeBufferPointer<I>,
                                                                     output y: UnsafeMutablePointer<T>,
                                                                     zero: T) -> Int {
        var bad = 0
        let n = indices.count
        for o in 0..<v.outer {
            for (k, raw) in indices.enumerated() {
                let dst = y + (o * n + k) * v.inner
                var i = Int(truncatingIfNeeded: raw)
                if i < 0 { i += v.axis }
                if i < 0 || i >= v.axis {
                    dst.update(repeating: zero, count: v.inner)
                    if o == 0 { bad += 1 }
                    continue
                }
                dst.update(from: data + (o * v.axis + i) * v.inner, count: v.inner)
            }
        }
        return bad
    }

    /// The gradient w.r.t. the data: dData[…, index, …] += dY rows (repeated indices accumulate).
    /// Overwrites dData. Bad indices are skipped.
    public static func backward<I: BinaryInteger>(_ v: AxisView, indices: UnsafeBufferPointer<I>,
                                                  outputGrad dy: UnsafePointer<Float>,
                                                  dataGrad dd: UnsafeMutablePointer<Float>) {
        dd.update(repeating: 0, count: v.count)
        let n = indices.count
        for o in 0..<v.outer {
            for (k, raw) in indices.enumerated() {
                var i = Int(truncatingIfNeeded: raw)
                if i < 0 { i += v.axis }
                if i < 0 || i >= v.axis { continue }
                let dst = dd + (o * v.axis + i) * v.inner, src = dy + (o * n + k) * v.inner
                for j in 0..<v.inner { dst[j] += src[j] }
            }
        }
    }
}
