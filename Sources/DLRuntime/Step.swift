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

    @inline(__always) func floats(_ i: Int) -> UnsafePointer<Float> {
        input(i).assumingMemoryBound(to: Float.self)
    }

    @inline(__always) func outputFloats(_ i: Int) -> UnsafeMutablePointer<Float> {
        output(i).assumingMemoryBound(to: Float.self)
    }
}

extension Kernel {
    /// Runs the kernel: no checks and no allocation (everything was decided when planning).
    func run(_ io: StepIO) {
        switch self {
        case .view: break
        case .copy(let bytes): io.output(0).copyMemory(from: io.input(0), byteCount: bytes)
        case .dense(let k): k.run(io)
        }
    }
}
