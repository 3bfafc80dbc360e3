import DLCore
import DLKernels

extension Conv2DParams {
    /// The geometry of a conv2d node on input type `x` and weight type `w` (attributes already
    /// checked by shape inference); `batch` replaces a dynamic batch dimension.
    init(node: Node, x: TensorType, w: TensorType, batch: Int? = nil, activation: Bool) {
        let strides = node.ints("strides") ?? [1, 1], dilations = node.ints("dilations") ?? [1, 1]
        let pads = node.ints("pads") ?? [0, 0, 0, 0]
        self.init(batch: batch ?? x.shape[0], inChannels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                  outChannels: w.shape[0], kernelHeight: w.shape[2], kernelWidth: w.shape[3],
                  strides: (strides[0], strides[1]), pads: (pads[0], pads[1], pads[2], pads[3]),
                  dilations: (dilations[0], dilations[1]), groups: node.int("group", default: 1),
                  activation: activation ? FusedActivation(rawValue: node.int("activation", default: 0)) ?? .none : .none)
    }
}

extension Conv2DDirect {
    /// True when this instance was built for `p`'s geometry (any batch and activation).
    func fits(_ p: Conv2DParams) -> Bool {
        var mine = params
        mine.batch = p.batch
        mine.activation = p.activation
        return mine == p
    }
}

/// 2-D convolution, NCHW, f32, with fused bias and activation: the direct kernel on weights
/// packed at load when the geometry allows it, otherwise im2col (scratch from the arena) + GEMM.
struct Conv2DKernel {
    var params: Conv2DParams
    var direct: Conv2DDirect?

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        if c.input(0)?.dtype == .int8 { return try QuantizedConvKernel.prepare(c) }
        try c.requireFloat32()
        guard let x = c.input(0), let w = c.input(1) else { throw c.fail(.invalidModel, "missing X or W") }
        let params = Conv2DParams(node: c.node, x: x, w: w, activation: true)
        if let direct = c.model.packed.conv[c.nodeIndex], direct.fits(params) {
            return OpRegistry.Prepared(kernel: .conv2d(Conv2DKernel(params: params, direct: direct)))
        }
        return OpRegistry.Prepared(kernel: .conv2d(Conv2DKernel(params: params, direct: nil)),
                                   scratchBytes: Conv2D.scratchByteCount(params))
    }

    func run(_ io: StepIO) {
        Conv2D.forward(params, input: io.floats(0), weight: io.floats(1), bias: io.optionalFloats(2),
                       output: io.outputFloats(0), scratch: io.scratch, threads: io.threads, direct: direct)
    }
}
