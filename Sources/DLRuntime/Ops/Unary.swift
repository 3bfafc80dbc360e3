import DLCore
import DLKernels

/// One-input element-wise activations: relu, clip, leaky relu, sigmoid, tanh, gelu (f32).
struct UnaryKernel {
    enum Function {
        case relu, sigmoid, tanh
        /// int8 with the input's quantization on the output: max(x, zero point).
        case reluInt8(zeroPoint: Int32)
        case clip(lower: Float, upper: Float)
        case leakyRelu(alpha: Float)
        case gelu(Gelu.Approximation)
    }

    var function: Function
    var count: Int

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        let count = c.outputs[0].shape.elementCount ?? 0
        if c.node.op == .relu, c.input(0)?.dtype == .int8 {
            return OpRegistry.Prepared(kernel: .unary(UnaryKernel(function: .reluInt8(zeroPoint: try c.sameInt8Params()), count: count)))
        }
        try c.requireFloat32()
        let node = c.node
        let function: Function
        switch node.op {
        case .relu: function = .relu
        case .sigmoid: function = .sigmoid
        case .tanh: function = .tanh
        case .clip: function = .clip(lower: node.float("min", default: -.infinity), upper: node.float("max", default: .infinity))
        case .leakyRelu: function = .leakyRelu(alpha: node.float("alpha", default: 0.01))
        default: function = .gelu(node.int("approximate", default: 0) == 1 ? .tanh : .none)
        }
        return OpRegistry.Prepared(kernel: .unary(UnaryKernel(function: function, count: c.outputs[0].shape.elementCount ?? 0)))
    }

    func run(_ io: StepIO) {
        if case .reluInt8(let zeroPoint) = function {
            Relu.forward(io.input(0).assumingMemoryBound(to: Int8.self), io.output(0).assumingMemoryBound(to: Int8.self),
                         count: count, zeroPoint: zeroPoint)
            return
        }
        let x = io.floats(0), y = io.outputFloats(0)
        switch function {
        case .reluInt8: break
        case .relu: Relu.forward(x, y, count: count)
        case .sigmoid: Sigmoid.forward(x, y, count: count)
        case .tanh: Tanh.forward(x, y, count: count)
        case .clip(let lower, let upper): Clip.forward(x, y, count: count, lower: lower, upper: upper)
        case .leakyRelu(let alpha): LeakyRelu.forward(x, y, count: count, alpha: alpha)
        case .gelu(let approximation): Gelu.forward(x, y, count: count, approximation: approximation)
        }
    }
}
