import CDLKernels

/// Softmax and LogSoftmax over one axis (ONNX opset ≥ 13): the input seen as [outer, axis, inner],
/// each of the outer·inner lines of `axis` values normalised on its own, max-subtracted for stability.
public enum Softmax {
    /// Lines along the last axis (inner == 1) take the vectorised exp; `isa` as in `OpsISA`.
    public static func forward(_ v: AxisView, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               isa: Int32 = OpsISA.best) {
        if v.inner == 1 {
            for o in 0..<v.outer {
                let xr = x + o * v.axis, yr = y + o * v.axis
                var m = -Float.infinity
                for j in 0..<v.axis { m = max(m, xr[j]) }
                let inv = 1 / dlk_vexp_sum(isa, xr, yr, v.axis, m)
                for j in 0..<v.axis { yr[j] *= inv }
            }
            return
        }
        forEachLine(v) { base, s in
            var m = -Float.infinity
            for j in 0..<v.axis { m = max(m, x[base + j * s]) }
            var sum: Float = 0
            for j in 0..<v.axis { let e = dlk_expf(x[base + j * s] - m); y[base + j * s] = e; sum += e }
            let inv = 1 / sum
            for j in 0..<v.axis { y[base + j * s] *= inv }
        }
    }

    /// From the forward output: dx = y ⊙ (dy − Σ dy·y) along the axis.
    public static func backward(_ v: AxisView, output y: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>) {
        forEachLine(v) { base, s in
            var dot: Float = 0
            for j in 0..<v.axis { dot += dy[base + j * s] * y[base + j * s] }
            for j in 0..<v.axis { let i = base + j * s; dx[i] = y[i] * (dy[i] - dot) }
        }
    }

    /// Calls `body(firstIndex, stride)` for each line along the axis.
    @inline(__always)
    static func forEachLine(_ v: AxisView, _ body: (Int, Int) -> Void) {
        for o in 0..<v.outer {
            for i in 0..<v.inner { body(o * v.axis * v.inner + i, v.inner) }
        }
    }
}

public enum LogSoftmax {
    /// y = x − max − log Σ e^(x − max).
    public static func forward(_ v: AxisView, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               isa: Int32 = OpsISA.best) {
        if v.inner == 1 {
            for o in 0..<v.outer {
                let xr = x + o * v.axis, yr = y + o * v.axis
                var m = -Float.infinity
                for j in 0..<v.axis { m = max(m, xr[j]) }
                let shift = m + dlk_logf(dlk_vexp_sum(isa, xr, yr, v.axis, m))  // y is scratch here
                for j in 0..<v.axis { yr[j] = xr[j] - shift }
            }
            return
        }
        Softmax.forEachLine(v) { base, s in
            var m = -Float.infinity
            for j in 0..<v.axis { m = max(m, x[base + j * s]) }
            var sum: Float = 0
            for j in 0..<v.axis { sum += dlk_expf(x[base + j * s] - m) }
            let shift = m + dlk_logf(sum)
            for j in 0..<v.axis { y[base + j * s] = x[base + j * s] - shift }
        }
    }

    /// From the forward output: dx = dy − e^y · Σ dy along the axis.
    public static func backward(_ v: AxisView, output y: UnsafePointer<Float>, outputGrad dy: UnsafePointer<Float>,
                                inputGrad dx: UnsafeMutablePointer<Float>) {
        Softmax.forEachLine(v) { base, s in
            var sum: Float = 0
            for j in 0..<v.axis { sum += dy[base + j * s] }
            for j in 0..<v.axis { let i = base + j * s; dx[i] = dy[i] - dlk_expf(y[i]) * sum }
        }
    }
}
