import DLCore
import DLKernels

/// Turns a constant's stored bytes into what the kernels read: borrowed in place when the
/// dtype is computed on directly and the bytes are aligned, converted to f32 otherwise
/// (f16/bf16 weights, int8 weights of float ops).
enum ConstantPreparation {
    struct Prepared {
        var pointer: UnsafeRawPointer
        var dtype: DType
        /// Set when the bytes were copied or converted into a buffer the model must free.
        var owned: UnsafeMutableRawPointer?
    }

    static func prepare(_ tensor: TensorDesc, bytes: UnsafeRawBufferPointer?,
                        dequantize: Bool) throws(DLError) -> Prepared {
        guard let bytes, let base = bytes.baseAddress ?? (bytes.count == 0 ? UnsafeRawPointer(bitPattern: 64) : nil) else {
            throw DLError(.invalidModel, "constant '\(tensor.name)' has no data")
        }
        guard let count = tensor.shape.elementCount, let expected = tensor.dtype.storageBytes(count: count) else {
            throw DLError(.invalidModel, "constant '\(tensor.name)' has shape \(tensor.shape), too large or not fixed")
        }
        guard bytes.count == expected else {
            throw DLError(.invalidModel, "constant '\(tensor.name)' \(tensor.dtype.name)\(tensor.shape) needs \(expected) bytes, found \(bytes.count)")
        }
        switch tensor.dtype {
        case .float16, .bfloat16:
            let out = allocateFloats(count)
            for i in 0..<count {
                let bits = base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                out[i] = tensor.dtype == .float16 ? Quantize.float(fromFloat16Bits: bits) : Quantize.float(fromBFloat16Bits: bits)
            }
            return Prepared(pointer: UnsafeRawPointer(out), dtype: .float32, owned: UnsafeMutableRawPointer(out))
        case .int8 where dequantize:
            guard let quant = tensor.quant else {
                throw DLError(.invalidModel, "int8 constant '\(tensor.name)' has no quantization parameters")
            }
            let out = allocateFloats(count)
            do throws(DLError) {
                try Quantize.dequantize(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Int8.self), count: count),
                                        shape: tensor.shape, params: quant,
                                        into: UnsafeMutableBufferPointer(start: out, count: count))
            } catch {
                UnsafeMutableRawPointer(out).deallocate()
                throw DLError(error.code, "constant '\(tensor.name)': \(error.message)")
            }
            return Prepared(pointer: UnsafeRawPointer(out), dtype: .float32, owned: UnsafeMutableRawPointer(out))
        case .int4:
            throw DLError(.unsupportedDType, "constant '\(tensor.name)' is int4, which this runtime does not compute on yet")
        default:
            let alignment = tensor.dtype.byteSize
            if Int(bitPattern: base) % alignment == 0 {
                return Prepared(pointer: base, dtype: tensor.dtype, owned: nil)
            }
            let copy = UnsafeMutableRawPointer.allocate(byteCount: max(expected, 1), alignment: 64)
            copy.copyMemory(from: base, byteCount: expected)
            return Prepared(pointer: UnsafeRawPointer(copy), dtype: tensor.dtype, owned: copy)
        }
    }

    /// Int8 constants that only feed the weight inputs of float dense/conv/matmul/gather nodes,
    /// or the W and R inputs of LSTM/GRU/RNN (which compute in float: weights-only int8).
    /// A dense node with `dynamic_quantization` computes on its int8 W: that W stays int8.
    static func weightsToDequantize(_ graph: Graph) -> Set<Int> {
        var candidates = Set<Int>()
        var excluded = Set<Int>()
        for node in graph.nodes {
            let floatActivation = node.inputs.first.map { $0 >= 0 && $0 < graph.tensors.count
                && graph.tensors[$0].dtype.isFloatingPoint } ?? false
            for (k, index) in node.inputs.enumerated() where index >= 0 && index < graph.tensors.count {
                let t = graph.tensors[index]
                guard t.kind == .constant, t.dtype == .int8, t.quant != nil else { continue }
                let recurrent = node.op == .lstm || node.op == .gru || node.op == .rnn
                let weightSlot = (node.op == .gather && k == 0) || (recurrent && (k == 1 || k == 2))
                    || ([.dense, .conv2d, .matMul].contains(node.op) && k >= 1 && !node.computesDynamicRange)
                let floatOp = node.op == .gather ? true : floatActivation
                if weightSlot && floatOp {
                    candidates.insert(index)
                } else {
                    excluded.insert(index)
                }
            }
        }
        return candidates.subtracting(excluded)
    }

    private static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }
}
