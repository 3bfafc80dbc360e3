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

/// Max, average and global average pooling, NCHW, f32.
enum PoolKernel {
    case max(Pool2DParams)
    case average(Pool2DParams)
    case globalAverage(planes: Int, planeSize: Int)
    /// int8, keeping the input's quantization parameters.
    case maxInt8(Pool2DParams)
    case averageInt8(Pool2DParams, zeroPoint: Int32)
    case globalAverageInt8(planes: Int, planeSize: Int, zeroPoint: Int32)

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let x = c.input(0) else { throw c.fail(.invalidModel, "missing X") }
        let int8 = x.dtype == .int8
        let zeroPoint = int8 ? try c.sameInt8Params() : 0
        if !int8 { try c.requireFloat32() }
        let node = c.node
        if node.op == .globalAvgPool {
            var plane = 1
            for d in x.shape.dims.dropFirst(2) { plane *= d }
            let planes = x.shape[0] * x.shape[1]
            return OpRegistry.Prepared(kernel: .pool(int8 ? .globalAverageInt8(planes: planes, planeSize: plane, zeroPoint: zeroPoint)
                                                          : .globalAverage(planes: planes, planeSize: plane)))
        }
        let kernel = node.ints("kernel") ?? [1, 1], strides = node.ints("strides") ?? [1, 1]
        let dilations = node.ints("dilations") ?? [1, 1], pads = node.ints("pads") ?? [0, 0, 0, 0]
        let params = Pool2DParams(batch: x.shape[0], channels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                                  kernel: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
                                  pads: (pads[0], pads[1], pads[2], pads[3]), dilations: (dilations[0], dilations[1]),
                                  ceilMode: node.int("ceil_mode", default: 0) != 0,
                                  countIncludePad: node.int("count_include_pad", default: 0) != 0)
        if int8 {
            return OpRegistry.Prepared(kernel: .pool(node.op == .maxPool2d ? .maxInt8(params) : .averageInt8(params, zeroPoint: zeroPoint)))
        }
        return OpRegistry.Prepared(kernel: .pool(node.op == .maxPool2d ? .max(params) : .average(params)))
    }

    func run(_ io: StepIO) {
        switch self {
        case .max(let p): MaxPool2D.forward(p, input: io.floats(0), output: io.outputFloats(0))
        case .average(let p): AvgPool2D.forward(p, input: io.floats(0), output: io.outputFloats(0))
        case .globalAverage(let planes, let planeSize):
            GlobalAvgPool.forward(planes: planes, planeSize: planeSize, input: io.floats(0), output: io.outputFloats(0))
        case .maxInt8(let p):
            MaxPool2D.forward(p, input: io.input(0).assumingMemoryBound(to: Int8.self), output: io.output(0).assumingMemoryBound(to: Int8.self))
        case .averageInt8(let p, let zeroPoint):
            AvgPool2D.forward(p, input: io.input(0).assumingMemoryBound(to: Int8.self), zeroPoint: zeroPoint,
                              output: io.output(0).assumingMemoryBound(to: Int8.self))
        case .globalAverageInt8(let planes, let planeSize, let zeroPoint):
            GlobalAvgPool.forward(planes: planes, planeSize: planeSize, input: io.input(0).assumingMemoryBound(to: Int8.self),
                                  zeroPoint: zeroPoint, output: io.output(0).assumingMemoryBound(to: Int8.self))
        }
    }
}
