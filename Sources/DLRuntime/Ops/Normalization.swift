import DLCore
import DLKernels

/// Inference batch normalization (running statistics) and layer normalization (f32).
enum NormalizationKernel {
    case batch(batch: Int, channels: Int, planeSize: Int, epsilon: Float)
    case layer(rows: Int, size: Int, epsilon: Float)

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        try c.requireFloat32()
        let dims = c.outputs[0].shape.dims
        let epsilon = c.node.float("epsilon", default: 1e-5)
        guard epsilon >= 0, epsilon.isFinite else { throw c.fail(.invalidModel, "epsilon \(epsilon) must be finite and not negative") }
        if c.node.op == .batchNorm {
            var plane = 1
            for d in dims.dropFirst(2) { plane *= d }
            return OpRegistry.Prepared(kernel: .normalization(.batch(batch: dims[0], channels: dims[1], planeSize: plane, epsilon: epsilon)))
        }
        var axis = c.node.int("axis", default: -1)
        if axis < 0 { axis += dims.count }
        var rows = 1, size = 1
        for (i, d) in dims.enumerated() { if i < axis { rows *= d } else { size *= d } }
        return OpRegistry.Prepared(kernel: .normalization(.layer(rows: rows, size: size, epsilon: epsilon)))
    }

    func run(_ io: StepIO) {
        switch self {
        case .batch(let batch, let channels, let planeSize, let epsilon):
            BatchNorm.forward(batch: batch, channels: channels, planeSize: planeSize, input: io.floats(0),
                              scale: io.floats(1), bias: io.floats(2), mean: io.floats(3), variance: io.floats(4),
                              epsilon: epsilon, output: io.outputFloats(0))
        case .layer(let rows, let size, let epsilon):
            LayerNorm.forward(rows: rows, size: size, input: io.floats(0), scale: io.floats(1),
                              bias: io.optionalFloats(2), epsilon: epsilon, output: io.outputFloats(0))
        }
    }
}
