import DLCore

/// One node, prepared: its kernel with every size fixed, and where its tensors are.
struct Step {
    /// Index into the graph's nodes (for messages).
    var node: Int
    var kernel: Kernel
    /// Tensor indices, `Node.absent` for an absent optional input.
    var inputs: [Int]
    var outputs: [Int]
    /// Arena offset of this step's scratch space (valid when the kernel asked for some).
    var scratchOffset: Int
}

/// What a step computes: one case per kernel family, each carrying its prepared parameters.
/// Dispatch is a switch (no protocols), so this compiles under Embedded Swift.
enum Kernel {
    /// No work: the output is a view of the input (reshape, flatten, squeeze, unsqueeze, identity).
    case view
    /// Copies `bytes` from input 0 to output 0 (a view whose output the caller owns).
    case copy(bytes: Int)
    case dense(DenseKernel)
    case matMul(MatMulKernel)
    case conv2d(Conv2DKernel)
    /// int8 conv2d, and int8 dense as a 1×1 convolution.
    case quantizedConv(QuantizedConvKernel)
    case quantizedDense(QuantizedDenseKernel)
    /// fp32 dense on int8 weights, X quantized per run.
    case dynamicRangeDense(DynamicRangeDenseKernel)
    case quantize(QuantizeKernel)
    case pool(PoolKernel)
    case unary(UnaryKernel)
    case binary(BinaryKernel)
    case softmax(SoftmaxKernel)
    case normalization(NormalizationKernel)
    case recurrent(RecurrentKernel)
    case concat(ConcatKernel)
    case transpose(TransposeKernel)
    case gather(GatherKernel)
}

/// The pointers a step works on, resolved for the current run.
struct StepIO {
    let pointers: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let step: Step
    let scratch: UnsafeMutableRawPointer
    let threads: Int

    @inline(__always) func input(_ i: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(pointers[step.inputs[i]].unsafelyUnwrapped)
    }

    @inline(__always) func optionalInput(_ i: Int) -> UnsafeRawPointer? {
        guard i < step.inputs.count, step.inputs[i] != Node.absent else { return nil }
        return UnsafeRawPointer(pointers[step.inputs[i]])
    }

    @inline(__always) func output(_ i: Int) -> UnsafeMutableRawPointer {
        pointers[step.outputs[i]].unsafelyUnwrapped
    }

    /// Output `i` if the node has it (optional outputs of the recurrent ops).
    @inline(__always) func optionalOutput(_ i: Int) -> UnsafeMutableRawPointer? {
        guard i < step.outputs.count, step.outputs[i] != Node.absent else { return nil }
        return pointers[step.outputs[i]]
    }

    @inline(__always) func optionalFloats(_ i: Int) -> UnsafePointer<Float>? {
        optionalInput(i)?.assumingMemoryBound(to: Float.self)
    }

    @inline(__always) func floats(_ i: Int) -> UnsafePointer<Float> {
        input(i).assumingMemoryBound(to: Float.self)
    }

    @inline(__always) func outputFloats(_ i: Int) -> UnsafeMutablePointer<Float> {
        output(i).assumingMemoryBound(to: Float.self)
    }
}

extension Kernel {
    /// Runs the kernel: no checks and no allocation (everything was decided when planning).
    /// Only data-dependent problems (a gather index out of range) can throw.
    func run(_ io: StepIO) throws(DLError) {
        switch self {
        case .view: break
        case .copy(let bytes): io.output(0).copyMemory(from: io.input(0), byteCount: bytes)
        case .dense(let k): k.run(io)
        case .matMul(let k): k.run(io)
        case .conv2d(let k): k.run(io)
        case .quantizedConv(let k): k.run(io)
        case .quantizedDense(let k): k.run(io)
        case .dynamicRangeDense(let k): k.run(io)
        case .quantize(let k): try k.run(io)
        case .pool(let k): k.run(io)
        case .unary(let k): k.run(io)
        case .binary(let k): k.run(io)
        case .softmax(let k): k.run(io)
        case .normalization(let k): k.run(io)
        case .recurrent(let k): k.run(io)
        case .concat(let k): k.run(io)
        case .transpose(let k): k.run(io)
        case .gather(let k): try k.run(io)
        }
    }
}
