import DLCore
import DLKernels

/// Quantize (f32 → int8 with the output's parameters) and Dequantize (int8 → f32 with the
/// input's), per tensor or per channel, through the shared quantizer of DLKernels.
struct QuantizeKernel {
    var toInt8: Bool
    var shape: Shape
    var params: QuantParams
    var count: Int

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let x = c.input(0) else { throw c.fail(.invalidModel, "missing X") }
        let toInt8 = c.node.op == .quantize
        if toInt8 {
            guard x.dtype == .float32, c.outputs[0].dtype == .int8 else { throw c.unsupportedDTypes() }
        } else {
            guard x.dtype == .int8 else { throw c.unsupportedDTypes() }
        }
        guard let params = toInt8 ? c.outputQuant(0) : c.inputQuant(0) else {
            throw c.fail(.invalidModel, "the int8 tensor needs quantization parameters")
        }
        try params.validate(for: x.shape)
        for zp in params.zeroPoints where zp < -128 || zp > 127 {
            throw c.fail(.invalidModel, "zero point \(zp) is outside -128...127")
        }
        return OpRegistry.Prepared(kernel: .quantize(QuantizeKernel(toInt8: toInt8, shape: x.shape, params: params,
                                                                    count: x.shape.elementCount ?? 0)))
    }

    func run(_ io: StepIO) throws(DLError) {
        if toInt8 {
            try Quantize.quantize(UnsafeBufferPointer(start: io.floats(0), count: count), shape: shape, params: params,
                                  into: UnsafeMutableBufferPointer(start: io.output(0).assumingMemoryBound(to: Int8.self), count: count))
        } else {
            try Quantize.dequantize(UnsafeBufferPointer(start: io.input(0).assumingMemoryBound(to: Int8.self), count: count),
                                    shape: shape, params: params,
                                    into: UnsafeMutableBufferPointer(start: io.outputFloats(0), count: count))
        }
    }
}
