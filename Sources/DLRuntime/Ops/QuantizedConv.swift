import DLCore
import DLKernels

// int8 layers following the quantization rules of DESIGN.md: X int8 per tensor, W int8
// symmetric per output channel (or per tensor), B int32 with scale inputScale·weightScale,
// Y int8 per tensor.
/// The quantization shared by int8 dense and conv: parameters of X, W, B and Y checked
/// against the rules, requantization multipliers, and the output range of a fused activation.
struct Int8Quantization {
    var inputZeroPoint: Int32
    var outputZeroPoint: Int32
    var outputRange: ClosedRange<Int32>
    var multipliers: [Float]

    init(_ c: OpRegistry.Context) throws(DLError) {
        guard let x = c.input(0), let w = c.input(1) else { throw c.fail(.invalidModel, "missing X or W") }
        guard x.dtype == .int8, w.dtype == .int8, c.outputs[0].dtype == .int8, c.input(2).map({ $0.dtype == .int32 }) ?? true else {
            throw c.fail(.unsupportedDType, "int8 \(c.node.op.name) needs i8 X and W, i32 bias and an i8 output")
        }
        let input = try c.int8Params(c.inputQuant(0), "X"), output = try c.int8Params(c.outputQuant(0), "output")
        guard let wq = c.inputQuant(1) else { throw c.fail(.invalidModel, "int8 W needs quantization parameters") }
        let outChannels = w.shape[0]
        guard wq.zeroPoints.allSatisfy({ $0 == 0 }), wq.axis == nil || wq.axis == 0 else {
            throw c.fail(.unsupported, "int8 weights must be symmetric (zero point 0), per tensor or per output channel")
        }
        let weightScales = wq.axis == nil ? [Float](repeating: wq.scales[0], count: outChannels) : wq.scales
        // A fused relu/relu6 is a narrower clamp in the quantized domain.
        let activation = FusedActivation(rawValue: c.node.int("activation", default: 0)) ?? .none
        var lo = Quantize.activationRange.lowerBound, hi = Quantize.activationRange.upperBound
        if activation != .none { lo = max(lo, output.zeroPoint) }
        if activation == .relu6 {
            let six = (6 / output.scale).rounded(.toNearestOrEven)
            if six < 1e6 { hi = min(hi, output.zeroPoint + Int32(six)) }
        }
        multipliers = Quantize.requantizationScales(inputScale: input.scale, weightScales: weightScales, outputScale: output.scale)
        for m in multipliers where !(m.isFinite && m > 0) {
            throw c.fail(.invalidModel, "int8 requantization multiplier \(m) is not a finite positive number")
        }
        inputZeroPoint = input.zeroPoint
        outputZeroPoint = output.zeroPoint
        outputRange = lo...max(lo, hi)
    }
}

/// int8 convolution, NCHW (the quantization rules of DESIGN.md, see `Int8Quantization`).
struct QuantizedConvKernel {
    var params: Conv2DParams
    var quantization: Conv2DInt8Quantization
    var multipliers: [Float]

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        let q = try Int8Quantization(c)
        guard let x = c.input(0), let w = c.input(1) else { throw c.fail(.invalidModel, "missing X or W") }
        let node = c.node
        let strides = node.ints("strides") ?? [1, 1], dilations = node.ints("dilations") ?? [1, 1]
        let pads = node.ints("pads") ?? [0, 0, 0, 0]
        let params = Conv2DParams(batch: x.shape[0], inChannels: x.shape[1], inHeight: x.shape[2], inWidth: x.shape[3],
                                  outChannels: w.shape[0], kernelHeight: w.shape[2], kernelWidth: w.shape[3],
                                  strides: (strides[0], strides[1]), pads: (pads[0], pads[1], pads[2], pads[3]),
                                  dilations: (dilations[0], dilations[1]), groups: node.int("group", default: 1))
        let quantization = Conv2DInt8Quantization(inputZeroPoint: q.inputZeroPoint, outputZeroPoint: q.outputZeroPoint,
                                                  outputMin: Int8(q.outputRange.lowerBound),
                                                  outputMax: Int8(q.outputRange.upperBound))
        return OpRegistry.Prepared(kernel: .quantizedConv(QuantizedConvKernel(params: params, quantization: quantization,
                                                                             multipliers: q.multipliers)),
                                   scratchBytes: Conv2DInt8.scratchByteCount(params))
    }

    func run(_ io: StepIO) {
        multipliers.withUnsafeBufferPointer { m in
            Conv2DInt8.forward(params, quantization, input: io.input(0).assumingMemoryBound(to: Int8.self),
                               weight: io.input(1).assumingMemoryBound(to: Int8.self),
                               bias: io.optionalInput(2)?.assumingMemoryBound(to: Int32.self),
                               multipliers: m.baseAddress!, output: io.output(0).assumingMemoryBound(to: Int8.self),
                               scratch: io.scratch, threads: io.threads)
        }
    }
}
