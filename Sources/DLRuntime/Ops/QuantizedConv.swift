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
        let weightScales = try c.int8WeightScales(outChannels: w.shape[0])
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

/// int8 convolution, NCHW (the quantization rules of DESIGN.md, see `Int8Quantization`): the
/// direct kernel on weights packed at load when the geometry allows it, else the int8 GEMM on
/// weights packed at load, else (weights computed by the graph) the GEMM packing every run.
struct QuantizedConvKernel {
    var params: Conv2DParams
    var quantization: Conv2DInt8Quantization
    var multipliers: [Float]
    var path: Path

    enum Path {
        /// `offsets`: bias − (128 + zx)·Σw per channel; `images`: regrouped images the scratch holds.
        case direct(Conv2DDirect, offsets: [Int32], images: Int)
        case packed([GemmInt8.PackedWeights])
        case raw
    }

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        let q = try Int8Quantization(c)
        guard let x = c.input(0), let w = c.input(1) else { throw c.fail(.invalidModel, "missing X or W") }
        let params = Conv2DParams(node: c.node, x: x, w: w, activation: false)
        let quantization = Conv2DInt8Quantization(inputZeroPoint: q.inputZeroPoint, outputZeroPoint: q.outputZeroPoint,
                                                  outputMin: Int8(q.outputRange.lowerBound),
                                                  outputMax: Int8(q.outputRange.upperBound))
        var path = Path.raw
        var scratch = Conv2DInt8.scratchByteCount(params)
        let biasIndex = c.node.inputs.count > 2 ? c.node.inputs[2] : Node.absent
        let bias = biasIndex >= 0 ? c.model.constants[biasIndex]?.assumingMemoryBound(to: Int32.self) : nil
        if let direct = c.model.packed.conv[c.nodeIndex], direct.fits(params), biasIndex < 0 || bias != nil {
            // one regrouped image per thread for batches (the plan does not know the thread count: up to 4)
            let images = max(1, min(params.batch, 4))
            path = .direct(direct, offsets: direct.int8Offsets(bias: bias, inputZeroPoint: q.inputZeroPoint), images: images)
            scratch = direct.int8ScratchByteCount(images: images)
        } else if let packed = c.model.packed.convInt8[c.nodeIndex] {
            path = .packed(packed)
            scratch = Conv2DInt8.packedScratchByteCount(params)
        }
        return OpRegistry.Prepared(kernel: .quantizedConv(QuantizedConvKernel(params: params, quantization: quantization,
                                                                             multipliers: q.multipliers, path: path)),
                                   scratchBytes: scratch)
    }

    func run(_ io: StepIO) {
        let x = io.input(0).assumingMemoryBound(to: Int8.self), y = io.output(0).assumingMemoryBound(to: Int8.self)
        multipliers.withUnsafeBufferPointer { m in
            switch path {
            case .direct(let direct, let offsets, let images):
                offsets.withUnsafeBufferPointer { o in
                    direct.forward(batch: params.batch, quantization, input: x, offsets: o.baseAddress!,
                                   multipliers: m.baseAddress!, output: y, scratch: io.scratch, scratchImages: images,
                                   threads: io.threads)
                }
            case .packed(let packed):
                Conv2DInt8.forward(params, quantization, input: x, weight: io.input(1).assumingMemoryBound(to: Int8.self),
                                   packed: packed, bias: io.optionalInput(2)?.assumingMemoryBound(to: Int32.self),
                                   multipliers: m.baseAddress!, output: y, scratch: io.scratch, threads: io.threads)
            case .raw:
                Conv2DInt8.forward(params, quantization, input: x, weight: io.input(1).assumingMemoryBound(to: Int8.self),
                                   bias: io.optionalInput(2)?.assumingMemoryBound(to: Int32.self),
                                   multipliers: m.baseAddress!, output: y, scratch: io.scratch, threads: io.threads)
            }
        }
    }
}
