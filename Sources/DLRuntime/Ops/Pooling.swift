import DLCore
import DLKernels

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
        case .max(let p): MaxPool2D.forward(p, input: io.floats(0), output: io.outputFloats(0), threads: io.threads)
        case .average(let p): AvgPool2D.forward(p, input: io.floats(0), output: io.outputFloats(0))
        case .globalAverage(let planes, let planeSize):
            GlobalAvgPool.forward(planes: planes, planeSize: planeSize, input: io.floats(0), output: io.outputFloats(0))
        case .maxInt8(let p):
            MaxPool2D.forward(p, input: io.input(0).assumingMemoryBound(to: Int8.self), output: io.output(0).assumingMemoryBound(to: Int8.self),
                              threads: io.threads)
        case .averageInt8(let p, let zeroPoint):
            AvgPool2D.forward(p, input: io.input(0).assumingMemoryBound(to: Int8.self), zeroPoint: zeroPoint,
                              output: io.output(0).assumingMemoryBound(to: Int8.self))
        case .globalAverageInt8(let planes, let planeSize, let zeroPoint):
            GlobalAvgPool.forward(planes: planes, planeSize: planeSize, input: io.input(0).assumingMemoryBound(to: Int8.self),
                                  zeroPoint: zeroPoint, output: io.output(0).assumingMemoryBound(to: Int8.self))
        }
    }
}
