import DLCore
import DLKernels

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
