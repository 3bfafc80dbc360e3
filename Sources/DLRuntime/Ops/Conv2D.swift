import DLCore
import DLKernels

/// 2-D convolution, NCHW, f32, with fused bias and activation; scratch for im2col from the arena.
struct Conv2DKernel {
    var params: Conv2DParams

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        if c.input(0)?.dtype == .int8 { return try QuantizedConvKernel.prepare(c) }
        try c.requireFloat32()
        guard let x = c.input(0), let w = c.input(1) else { throw c.fail(.invalidModel, "missing X or W") }
        let node = c.node
        let strides = node.ints("strides") ?? [1, 1], dilations = node.ints("dilations") ?? [1, 1]
        let pads = node.ints("pads") ?? [0, 0, 0, 0]
        let params = Conv2DParams(batch: x.shape[0], inChannels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                                  outChannels: w.shape[0], kernelHeight: w.shape[2], kernelWidth: w.shape[3],
                                  strides: (strides[0], strides[1]), pads: (pads[0], pads[1], pads[2], pads[3]),
                                  dilations: (dilations[0], dilations[1]), groups: node.int("group", default: 1),
                                  activation: FusedActivation(rawValue: node.int("activation", default: 0)) ?? .none)
        return OpRegistry.Prepared(kernel: .conv2d(Conv2DKernel(params: params)),
                                   scratchBytes: Conv2D.scratchByteCount(params))
    }

    func run(_ io: StepIO) {
        Conv2D.forward(params, input: io.floats(0), weight: io.floats(1), bias: io.optionalFloats(2),
                       output: io.outputFloats(0), scratch: io.scratch, threads: io.threads)
    }
}
