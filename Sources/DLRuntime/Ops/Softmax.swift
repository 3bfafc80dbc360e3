import DLCore
import DLKernels

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
