import DLCore
import Synchronization

/// Choices made when a session is created.
public struct SessionOptions: Sendable {
    /// Threads the kernels may use; 1 means exactly one (no helper threads).
    public var threads: Int
    /// The value of every dynamic dimension the arena is first planned for (the batch
    /// size, usually). Runs with other shapes replan (see `Session.run`).
    public var batchSize: Int

    public init(threads: Int = 1, batchSize: Int = 1) {
        self.threads = threads
        self.batchSize = batchSize
    }

    func validated() throws(DLError) -> SessionOptions {
        guard threads >= 1, threads <= 1024 else { throw DLError(.invalidArgument, "threads must be 1...1024, found \(threads)") }
        guard batchSize >= 1, batchSize <= 1 << 24 else {
            throw DLError(.invalidArgument, "batch size must be 1...\(1 << 24), found \(batchSize)")
        }
        return self
    }
}

/// The state of one stream of runs: the plan for the current input shapes, the arena
/// holding intermediate tensors, and the caller's buffers bound for the next run.
///
/// One session per thread: a session must not run on two threads at once. `cancel()`
/// is the exception and may be called from any thread.
public final class Session: @unchecked Sendable {
    public let model: Model
    public let options: SessionOptions
    private(set) var plan: Plan
    private var arena: UnsafeMutableRawPointer
    private var arenaCapacity: Int
    /// nil when the caller owns the arena (`init(model:options:arena:)`), which then never grows.
    private var ownedArena: UnsafeMutableRawPointer?
    private let pointers: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var pendingShapes: [Shape]
    private var inputData: [UnsafeRawPointer?]
    private var inputCapacity: [Int]
    private var outputData: [UnsafeMutableRawPointer?]
    private var outputCapacity: [Int]
    private let cancelRequested = Atomic<Bool>(false)

    /// A session with an arena it allocates (and grows when a run's shapes need more).
    public convenience init(model: Model, options: SessionOptions = SessionOptions()) throws(DLError) {
        try self.init(model: model, options: options, callerArena: nil)
    }

    /// A session whose intermediate tensors live in `arena` (at least `arenaSize(...)` bytes),
    /// which the caller owns and must keep valid for the session's lifetime. Runs never
    /// allocate and fail with `bufferTooSmall` if new input shapes need a larger arena.
    public convenience init(model: Model, options: SessionOptions = SessionOptions(),
                            arena: UnsafeMutableRawBufferPointer) throws(DLError) {
        try self.init(model: model, options: options, callerArena: arena)
    }

    private init(model: Model, options: SessionOptions, callerArena: UnsafeMutableRawBufferPointer?) throws(DLError) {
        let options = try options.validated()
        let shapes = Plan.defaultInputShapes(model.executionGraph, batch: options.batchSize)
        let plan = try Plan(model: model, inputShapes: shapes)
        if let callerArena {
            guard let base = callerArena.baseAddress else { throw DLError(.nullPointer, "the arena is NULL") }
            let aligned = Session.alignUp(base)
            let slack = aligned - base
            guard callerArena.count >= slack + plan.arenaSize else {
                throw DLError(.bufferTooSmall, "the arena has \(callerArena.count) bytes, the session needs \(Session.arenaSize(plan))")
            }
            arena = aligned
            arenaCapacity = callerArena.count - slack
            ownedArena = nil
        } else {
            let block = try Memory.allocate(plan.arenaSize, alignment: MemoryPlanner.alignment, for: "the session's arena")
            arena = block
            arenaCapacity = max(plan.arenaSize, 64)
            ownedArena = block
        }
        self.model = model
        self.options = options
        self.plan = plan
        let count = model.graph.tensors.count
        pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(count, 1))
        pointers.initialize(repeating: nil, count: max(count, 1))
        pendingShapes = shapes
        inputData = [UnsafeRawPointer?](repeating: nil, count: model.graph.inputs.count)
        inputCapacity = [Int](repeating: 0, count: model.graph.inputs.count)
        outputData = [UnsafeMutableRawPointer?](repeating: nil, count: model.graph.outputs.count)
        outputCapacity = [Int](repeating: 0, count: model.graph.outputs.count)
    }

    deinit {
        Memory.release(ownedArena)
        pointers.deallocate()
    }

    /// Bytes a caller-provided arena needs for `options` (including room to align it).
    public static func arenaSize(model: Model, options: SessionOptions = SessionOptions()) throws(DLError) -> Int {
        let options = try options.validated()
        return arenaSize(try Plan(model: model, inputShapes: Plan.defaultInputShapes(model.executionGraph, batch: options.batchSize)))
    }

    private static func arenaSize(_ plan: Plan) -> Int { plan.arenaSize + MemoryPlanner.alignment }

    private static func alignUp(_ p: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        let a = MemoryPlanner.alignment
        return UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: p) + a - 1) & ~(a - 1))!
    }

    /// Bytes of arena the current plan uses.
    public var arenaBytesUsed: Int { plan.arenaSize }

    /// The type of output `i` for the shapes of the last planned run (after creation: every
    /// dynamic dimension at `options.batchSize`).
    public func outputType(_ i: Int) -> TensorType { plan.types[model.graph.outputs[i]] }

    // MARK: - Running

    /// Binds the caller's buffer for input `i` for the next run (borrowed until `run` returns).
    /// Checks the dtype and the shape against the model's declaration.
    public func setInput(_ i: Int, data: UnsafeRawPointer?, byteCount: Int, dtype: DType,
                         rank: Int, dims: UnsafePointer<Int64>?) throws(DLError) {
        guard i >= 0, i < inputData.count else {
            throw DLError(.invalidArgument, "input index \(i) is out of range (the model has \(inputData.count) inputs)")
        }
        let declared = model.inputType(i)
        var name: String { model.inputName(i) }
        guard dtype == declared.dtype else {
            throw DLError(.dtypeMismatch, "input \(i) '\(name)' is \(dtype.name), the model expects \(declared.dtype.name)")
        }
        guard rank == declared.shape.rank else {
            throw DLError(.shapeMismatch, "input \(i) '\(name)' has rank \(rank), the model expects \(declared.shape) (rank \(declared.shape.rank))")
        }
        guard rank == 0 || dims != nil else { throw DLError(.nullPointer, "input \(i) '\(name)': dims is NULL") }
        for d in 0..<rank {
            let v = dims![d]
            let want = declared.shape[d]
            guard v >= 0, v <= Int64(Int32.max), want < 0 || Int64(want) == v else {
                var given = [Int]()
                for j in 0..<rank { given.append(Int(dims![j])) }
                throw DLError(.shapeMismatch, "input \(i) '\(name)' has shape \(Shape(given)), the model expects \(declared.shape)")
            }
        }
        for d in 0..<rank where pendingShapes[i].dims[d] != Int(dims![d]) { pendingShapes[i].dims[d] = Int(dims![d]) }
        guard data != nil || byteCount == 0 else { throw DLError(.nullPointer, "input \(i) '\(name)': data is NULL") }
        if let data, Int(bitPattern: data) % dtype.byteSize != 0 {
            throw DLError(.invalidArgument, "input \(i) '\(name)': data is not aligned to its \(dtype.byteSize)-byte elements")
        }
        inputData[i] = data ?? UnsafeRawPointer(arena)
        inputCapacity[i] = byteCount
    }

    /// Binds the caller's buffer for output `i` for the next run; the run writes the output
    /// there directly.
    public func setOutput(_ i: Int, data: UnsafeMutableRawPointer?, byteCount: Int) throws(DLError) {
        guard i >= 0, i < outputData.count else {
            throw DLError(.invalidArgument, "output index \(i) is out of range (the model has \(outputData.count) outputs)")
        }
        guard data != nil || byteCount == 0 else { throw DLError(.nullPointer, "output \(i) '\(model.outputName(i))': data is NULL") }
        outputData[i] = data ?? arena
        outputCapacity[i] = byteCount
    }

    /// Asks the run in progress to stop at the next node boundary (it then throws
    /// `cancelled`); if no run is in progress, the next run stops before its first node.
    /// Each request cancels at most one run. Safe from any thread.
    public func cancel() {
        cancelRequested.store(true, ordering: .releasing)
    }

    /// Runs the model on the bound inputs, writing the bound outputs.
    ///
    /// With the same input shapes as the previous run this allocates nothing and checks only
    /// the buffer sizes. New shapes are planned first (this allocates; a session with a
    /// caller-owned arena fails with `bufferTooSmall` if the arena is too small for them).
    /// Buffers stay bound only for this run.
    public func run() throws(DLError) {
        defer {
            for i in inputData.indices { inputData[i] = nil }
            for i in outputData.indices { outputData[i] = nil }
        }
        for i in inputData.indices where inputData[i] == nil {
            throw DLError(.nullPointer, "input \(i) '\(model.inputName(i))' is not set")
        }
        for i in outputData.indices where outputData[i] == nil {
            throw DLError(.nullPointer, "output \(i) '\(model.outputName(i))' is not set")
        }
        if pendingShapes != plan.inputShapes { try replan() }
        for i in inputData.indices where inputCapacity[i] < plan.inputBytes[i] {
            throw DLError(.bufferTooSmall, "input \(i) '\(model.inputName(i))' \(plan.types[model.graph.inputs[i]]) needs \(plan.inputBytes[i]) bytes, the buffer has \(inputCapacity[i])")
        }
        for i in outputData.indices where outputCapacity[i] < plan.outputBytes[i] {
            throw DLError(.bufferTooSmall, "output \(i) '\(model.outputName(i))' \(outputType(i)) needs \(plan.outputBytes[i]) bytes, the buffer has \(outputCapacity[i])")
        }
        for i in outputData.indices where Int(bitPattern: outputData[i]) % outputType(i).dtype.byteSize != 0 {
            throw DLError(.invalidArgument, "output \(i) '\(model.outputName(i))': data is not aligned to its \(outputType(i).dtype.byteSize)-byte elements")
        }
        bindPointers()
        let threads = options.threads
        for step in plan.steps {
            if cancelRequested.load(ordering: .relaxed), cancelRequested.exchange(false, ordering: .acquiring) {
                throw DLError(.cancelled, "the run was cancelled before node \(step.node) '\(model.graph.nodes[step.node].name)'")
            }
            try step.kernel.run(StepIO(pointers: pointers, step: step, scratch: arena + step.scratchOffset, threads: threads))
        }
        for copy in plan.outputCopies {
            outputData[copy.output]!.copyMemory(from: UnsafeRawPointer(pointers[copy.tensor]!), byteCount: plan.outputBytes[copy.output])
        }
    }

    /// Plans for the shapes of the bound inputs now (so that `outputType` reports their
    /// output shapes) without running. Does nothing when they are already planned.
    public func prepareForBoundInputs() throws(DLError) {
        if pendingShapes != plan.inputShapes { try replan() }
    }

    private func replan() throws(DLError) {
        let next = try Plan(model: model, inputShapes: pendingShapes)
        if next.arenaSize > arenaCapacity {
            guard let old = ownedArena else {
                pendingShapes = plan.inputShapes
                throw DLError(.bufferTooSmall, "the caller's arena has \(arenaCapacity) bytes, input shapes \(next.inputShapes) need \(Session.arenaSize(next))")
            }
            let block = try Memory.allocate(next.arenaSize, alignment: MemoryPlanner.alignment, for: "the session's arena")
            Memory.release(old)
            ownedArena = block
            arena = block
            arenaCapacity = next.arenaSize
        }
        plan = next
    }

    private func bindPointers() {
        for (t, binding) in plan.bindings.enumerated() {
            switch binding {
            case .none, .alias: pointers[t] = nil
            case .constant(let p): pointers[t] = UnsafeMutableRawPointer(mutating: p)
            case .input(let i): pointers[t] = UnsafeMutableRawPointer(mutating: inputData[i])
            case .output(let i): pointers[t] = outputData[i]
            case .arena(let offset): pointers[t] = arena + offset
            }
        }
        for (t, binding) in plan.bindings.enumerated() {
            if case .alias(let root) = binding { pointers[t] = pointers[root] }
        }
    }
}
