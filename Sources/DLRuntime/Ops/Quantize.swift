import DLCore
import DLKernels

/// Quantize (f32 → int8/uint8 with the output's parameters) and Dequantize (int8/uint8/int32
/// → f32 with the input's), per tensor or per channel, through the shared quantizer of DLKernels.
struct QuantizeKernel {
    var toInteger: Bool
    /// The integer side's element type (int8, uint8, or int32 for Dequantize).
    var integer: DType
    var shape: Shape
    var params: QuantParams
    var count: Int

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        guard let x = c.input(0) else { throw c.fail(.invalidModel, "missing X") }
        let toInteger = c.node.op == .quantize
        let integer = toInteger ? c.outputs[0].dtype : x.dtype
        if toInteger {
            guard x.dtype == .float32, integer == .int8 || integer == .uint8 else { throw c.unsupportedDTypes() }
        } else {
            guard integer == .int8 || integer == .uint8 || integer == .int32 else { throw c.unsupportedDTypes() }
        }
        guard let params = toInteger ? c.outputQuant(0) : c.inputQuant(0) else {
            throw c.fail(.invalidModel, "the \(integer.name) tensor needs quantization parameters")
        }
        try params.validate(for: x.shape)
        let zeroRange: ClosedRange<Int32> = switch integer {
        case .int8: Quantize.activationRange
        case .uint8: Quantize.uint8Range
        default: Int32.min...Int32.max
        }
        for zp in params.zeroPoints where !zeroRange.contains(zp) {
            throw c.fail(.invalidModel, "zero point \(zp) is outside \(zeroRange) for \(integer.name)")
        }
        return OpRegistry.Prepared(kernel: .quantize(QuantizeKernel(toInteger: toInteger, integer: integer, shape: x.shape,
                                                                    params: params, count: x.shape.elementCount ?? 0)))
    }

    func run(_ io: StepIO) throws(DLError) {
        if toInteger {
            let x = UnsafeBufferPointer(start: io.floats(0), count: count)
            if integer == .uint8 {
                try Quantize.quantize(x, shape: shape, params: params,
                                      into: UnsafeMutableBufferPointer(start: io.output(0).assumingMemoryBound(to: UInt8.self), count: count))
            } else {
                try Quantize.quantize(x, shape: shape, params: params,
                                      into: UnsafeMutableBufferPointer(start: io.output(0).assumingMemoryBound(to: Int8.self), count: count))
            }
            return
        }
        let y = UnsafeMutableBufferPointer(start: io.outputFloats(0), count: count)
        switch integer {
        case .uint8:
            try Quantize.dequantize(UnsafeBufferPointer(start: io.input(0).assumingMemoryBound(to: UInt8.self), count: count),
                                    shape: shape, params: params, into: y)
        case .int32:
            try Quantize.dequantize(UnsafeBufferPointer(start: io.input(0).assumingMemoryBound(to: Int32.self), count: count),
                                    shape: shape, params: params, into: y)
        default:
            try Quantize.dequantize(UnsafeBufferPointer(start: io.input(0).assumingMemoryBound(to: Int8.self), count: count),
                                    shape: shape, params: params, into: y)
        }
    }
}
