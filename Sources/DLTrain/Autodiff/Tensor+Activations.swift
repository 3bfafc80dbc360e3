import DLKernels
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

    /// An op whose forward and backward are DLKernels kernels (the backward overwrites dx,
    /// so it is computed into a fresh buffer and added to the gradient).
    func kernelOp(_ forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                  backward: @escaping (_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                       _ dx: UnsafeMutablePointer<Float>, _ count: Int) -> Void) -> Tensor {
        var y = [Float](repeating: 0, count: count)
        data.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in forward(xs.baseAddress!, ys.baseAddress!, xs.count) }
        }
        let x = self
        return Tensor.result(shape: shape, data: y, parents: [x]) { out in
            x.data.withUnsafeBufferPointer { xs in
                out.data.withUnsafeBufferPointer { ys in
                    out.grad!.withUnsafeBufferPointer { dy in
                        x.accumulateComputedGrad { dx in backward(xs.baseAddress!, ys.baseAddress!, dy.baseAddress!, dx, xs.count) }
                    }
                }
            }
        }
    }

    public func relu() -> Tensor {
        kernelOp({ DLKernels.Relu.forward($0, $1, count: $2) },
                 backward: { x, _, dy, dx, n in DLKernels.Relu.backward(input: x, outputGrad: dy, inputGrad: dx, count: n) })
    }

    public func leakyRelu(alpha: Float = 0.01) -> Tensor {
        kernelOp({ DLKernels.LeakyRelu.forward($0, $1, count: $2, alpha: alpha) },
                 backward: { x, _, dy, dx, n in DLKernels.LeakyRelu.backward(input: x, outputGrad: dy, inputGrad: dx, count: n, alpha: alpha) })
    }

    public func sigmoid() -> Tensor {
        kernelOp({ DLKernels.Sigmoid.forward($0, $1, count: $2) },
                 backward: { _, y, dy, dx, n in DLKernels.Sigmoid.backward(output: y, outputGrad: dy, inputGrad: dx, count: n) })
    }

    public func tanh() -> Tensor {
        kernelOp({ DLKernels.Tanh.forward($0, $1, count: $2) },
                 backward: { _, y, dy, dx, n in DLKernels.Tanh.backward(output: y, outputGrad: dy, inputGrad: dx, count: n) })
    }

    /// Exact GELU, x·Φ(x) (OpCode.gelu with approximate = 0).
    public func gelu() -> Tensor {
        kernelOp({ DLKernels.Gelu.forward($0, $1, count: $2) },
                 backward: { x, _, dy, dx, n in DLKernels.Gelu.backward(input: x, outputGrad: dy, inputGrad: dx, count: n) })
    }

    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let v = AxisView(shape: shape.isEmpty ? [1] : shape, axis: -1)
        return kernelOp({ x, y, _ in DLKernels.Softmax.forward(v, x, y) },
                        backward: { _, y, dy, dx, _ in DLKernels.Softmax.backward(v, output: y, outputGrad: dy, inputGrad: dx) })
    }

    /// log(softmax) over the last axis, computed stably.
    public func logSoftmax() -> Tensor {
        let v = AxisView(shape: shape.isEmpty ? [1] : shape, axis: -1)
        return kernelOp({ x, y, _ in DLKernels.LogSoftmax.forward(v, x, y) },
                        backward: { _, y, dy, dx, _ in DLKernels.LogSoftmax.backward(v, output: y, outputGrad: dy, inputGrad: dx) })
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

}

/// Scalar math used by the ops and losses.
enum Activation {
    @inline(__always) static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func log(_ x: Float) -> Float { Foundation.log(x) }
    static func sigmoid(_ x: Float) -> Float {
        // Never exponentiates a large positive number.
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// log-softmax of each row of `width` values (the fused cross-entropy loss needs it).
    static func logSoftmaxRows(_ x: [Float], width n: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                DLKernels.LogSoftmax.forward(AxisView(outer: x.count / max(n, 1), axis: n, inner: 1), xs.baseAddress!, ys.baseAddress!)
            }
        }
        return y
    }
}
