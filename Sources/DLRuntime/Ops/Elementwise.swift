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

/// Add, Sub, Mul, Div with numpy broadcasting (f32); the broadcast plan is made once.
struct BinaryKernel {
    var op: BinaryOp
    var plan: Broadcast
    /// int8 Add: (scale, zero point) of A, B and the output.
    var int8: (a: (Float, Int32), b: (Float, Int32), out: (Float, Int32))?

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let a = c.input(0), let b = c.input(1), let plan = Broadcast(a.shape.dims, b.shape.dims) else {
            throw c.fail(.invalidModel, "operands do not broadcast")
        }
        if a.dtype == .int8, b.dtype == .int8, c.node.op == .add {
            let params = (a: try c.int8Params(c.inputQuant(0), "A"), b: try c.int8Params(c.inputQuant(1), "B"),
                          out: try c.int8Params(c.outputQuant(0), "output"))
            return OpRegistry.Prepared(kernel: .binary(BinaryKernel(op: .add, plan: plan,
                int8: ((params.a.scale, params.a.zeroPoint), (params.b.scale, params.b.zeroPoint),
                       (params.out.scale, params.out.zeroPoint)))))
        }
        try c.requireFloat32()
        let op: BinaryOp
        switch c.node.op {
        case .add: op = .add
        case .sub: op = .sub
        case .mul: op = .mul
        default: op = .div
        }
        return OpRegistry.Prepared(kernel: .binary(BinaryKernel(op: op, plan: plan, int8: nil)))
    }

    func run(_ io: StepIO) {
        if let q = int8 {
            Arithmetic.addInt8(plan, a: io.input(0).assumingMemoryBound(to: Int8.self), aScale: q.a.0, aZeroPoint: q.a.1,
                               b: io.input(1).assumingMemoryBound(to: Int8.self), bScale: q.b.0, bZeroPoint: q.b.1,
                               output: io.output(0).assumingMemoryBound(to: Int8.self), outScale: q.out.0, outZeroPoint: q.out.1)
            return
        }
        Arithmetic.forward(op, plan, a: io.floats(0), b: io.floats(1), output: io.outputFloats(0))
    }
}

/// Softmax and LogSoftmax over one axis (f32).
struct SoftmaxKernel {
    var view: AxisView
    var log: Bool

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        try c.requireFloat32()
        let shape = c.outputs[0].shape
        var axis = c.node.int("axis", default: -1)
        if axis < 0 { axis += shape.rank }
        return OpRegistry.Prepared(kernel: .softmax(SoftmaxKernel(view: AxisView(shape: shape.dims, axis: axis),
                                                                  log: c.node.op == .logSoftmax)))
    }

    func run(_ io: StepIO) {
        if log { LogSoftmax.forward(view, io.floats(0), io.outputFloats(0)) }
        else { Softmax.forward(view, io.floats(0), io.outputFloats(0)) }
    }
}
