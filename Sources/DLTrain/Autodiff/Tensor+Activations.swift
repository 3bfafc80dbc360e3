import Foundation

/// Activation functions as tensor ops. Each gives its forward map and its
/// derivative in terms of the input x and the output y.

extension Tensor {
    /// An element-wise op whose backward multiplies by `derivative(x, y)`.
    func elementwise(_ forward: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let x = self
        let y = data.map(forward)
        return Tensor.result(shape: shape, data: y, parents: [x]) { out in
            let g = out.grad!
            x.accumulateGrad { dx in
                x.data.withUnsafeBufferPointer { xs in
                    out.data.withUnsafeBufferPointer { ys in
                        for i in 0..<dx.count { dx[i] += g[i] * derivative(xs[i], ys[i]) }
                    }
                }
            }
        }
    }

    public func relu() -> Tensor {
        elementwise({ max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
    }

    public func leakyRelu(alpha: Float = 0.01) -> Tensor {
        elementwise({ $0 > 0 ? $0 : alpha * $0 }, derivative: { x, _ in x > 0 ? 1 : alpha })
    }

    public func sigmoid() -> Tensor {
        elementwise(Activation.sigmoid, derivative: { _, y in y * (1 - y) })
    }

    public func tanh() -> Tensor {
        elementwise(Activation.tanh, derivative: { _, y in 1 - y * y })
    }

    /// Exact GELU, x·Φ(x) (OpCode.gelu with approximate = 0).
    public func gelu() -> Tensor {
        elementwise({ x in x * Activation.normalCDF(x) },
                    derivative: { x, _ in Activation.normalCDF(x) + x * Activation.normalPDF(x) })
    }

    public func exp() -> Tensor {
        elementwise({ Activation.exp($0) }, derivative: { _, y in y })
    }

    public func log() -> Tensor {
        elementwise({ Activation.log($0) }, derivative: { x, _ in 1 / x })
    }

    public func abs() -> Tensor {
        elementwise({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }

    public func squared() -> Tensor {
        elementwise({ $0 * $0 }, derivative: { x, _ in 2 * x })
    }

    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1
        let y = Activation.softmaxRows(data, width: n)
        let x = self
        return Tensor.result(shape: shape, data: y, parents: [x]) { out in
            let g = out.grad!
            x.accumulateGrad { dx in
                for r in 0..<(y.count / n) {
                    var dot: Float = 0
                    for j in 0..<n { dot += g[r * n + j] * y[r * n + j] }
                    for j in 0..<n { dx[r * n + j] += y[r * n + j] * (g[r * n + j] - dot) }
                }
            }
        }
    }

    /// log(softmax) over the last axis, computed stably.
    public func logSoftmax() -> Tensor {
        let n = shape.last ?? 1
        let y = Activation.logSoftmaxRows(data, width: n)
        let x = self
        return Tensor.result(shape: shape, data: y, parents: [x]) { out in
            let g = out.grad!
            x.accumulateGrad { dx in
                for r in 0..<(y.count / n) {
                    var total: Float = 0
                    for j in 0..<n { total += g[r * n + j] }
                    for j in 0..<n { dx[r * n + j] += g[r * n + j] - Activation.exp(y[r * n + j]) * total }
                }
            }
        }
    }
}

/// Scalar math used by the ops and losses.
enum Activation {
    @inline(__always) static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    static func sigmoid(_ x: Float) -> Float {
        // Never exponentiates a large positive number.
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }
    static func normalCDF(_ x: Float) -> Float { Float(0.5 * (1 + erf(Double(x) / 2.0.squareRoot()))) }
    static func normalPDF(_ x: Float) -> Float { Float(Foundation.exp(-0.5 * Double(x) * Double(x)) / (2 * Double.pi).squareRoot()) }

    static func logSoftmaxRows(_ x: [Float], width n: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for r in 0..<(x.count / max(n, 1)) {
            var m = -Float.infinity
            for j in 0..<n { m = max(m, x[r * n + j]) }
            var s: Float = 0
            for j in 0..<n { s += exp(x[r * n + j] - m) }
            let lse = m + log(s)
            for j in 0..<n { y[r * n + j] = x[r * n + j] - lse }
        }
        return y
    }

    static func softmaxRows(_ x: [Float], width n: Int) -> [Float] {
        logSoftmaxRows(x, width: n).map { exp($0) }
    }
}
