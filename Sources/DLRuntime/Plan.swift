import DLCore

/// Everything decided for one set of input shapes: each tensor's type, the steps with
/// their kernels, where each tensor lives, and how large the arena must be.
struct Plan {
    /// Where a tensor's bytes are during a run.
    enum Binding {
        /// Not used by any step.
        case none
        case constant(UnsafeRawPointer)
        /// The caller's buffer for graph input i.
        case input(Int)
        /// The caller's buffer for graph output i (written in place: zero copy).
        case output(Int)
        case arena(offset: Int)
        /// A view: the same bytes as this (non-view) tensor.
        case alias(Int)
    }

    var inputShapes: [Shape]
    var types: [TensorType]
    var steps: [Step]
    var bindings: [Binding]
    var arenaSize: Int
    /// Bytes of each graph input and output.
    var inputBytes: [Int]
    var outputBytes: [Int]
    /// Graph outputs not written in place (an input, a constant, or a tensor listed twice),
    /// copied from `tensor` after the steps: (output index, tensor).
    var outputCopies: [(output: Int, tensor: Int)]

    /// The declared input shapes with every dynamic dimension set to `batch`.
    static func defaultInputShapes(_ graph: Graph, batch: Int) -> [Shape] {
        graph.inputs.map { graph.tensors[$0].shape.resolvingDynamic(with: batch) }
    }

    init(model: Model, inputShapes: [Shape]) throws(DLError) {
        let graph = model.executionGraph
        for (i, s) in inputShapes.enumerated() where !s.isStatic {
            throw DLError(.shapeMismatch, "input \(i) '\(model.inputName(i))' needs a fixed shape to run, found \(s)")
        }
        let types = try graph.inferTypes(inputShapes: inputShapes)
        var bytes = [Int](repeating: 0, count: types.count)
        for (i, t) in types.enumerated() {
            guard let count = t.shape.elementCount, let b = t.dtype.storageBytes(count: count), b <= Memory.maxBytes else {
                // Unused tensors may keep a dynamic declaration.
                if graph.tensors[i].kind == .activation, t.shape.isStatic {
                    throw DLError(.limitExceeded, "tensor '\(graph.tensors[i].name)' \(t) is too large")
                }
                continue
            }
            bytes[i] = b
        }

        // Bindings for constants, inputs and in-place outputs.
        var bindings = [Binding](repeating: .none, count: types.count)
        for (i, p) in model.constants.enumerated() { if let p { bindings[i] = .constant(p) } }
        for (k, t) in graph.inputs.enumerated() { bindings[t] = .input(k) }
        var producer = [Int](repeating: -1, count: types.count)
        for (n, node) in graph.nodes.enumerated() {
            for t in node.outputs where t != Node.absent { producer[t] = n }
        }
        var outputCopies = [(output: Int, tensor: Int)]()
        for (k, t) in graph.outputs.enumerated() {
            if producer[t] >= 0, case .none = bindings[t] {
                bindings[t] = .output(k)
            } else {
                outputCopies.append((k, t))
            }
        }

        // Steps, views and the buffers the arena must hold.
        var steps = [Step]()
        var root = Array(0..<types.count)
        var scratch = [(step: Int, bytes: Int)]()
        for (n, node) in graph.nodes.enumerated() {
            var inputTypes = [TensorType?]()
            for t in node.inputs { inputTypes.append(t == Node.absent ? nil : types[t]) }
            var outputTypes = [TensorType]()
            for t in node.outputs { outputTypes.append(t == Node.absent ? TensorType(.float32, Shape([0])) : types[t]) }
            let context = OpRegistry.Context(node: node, nodeIndex: n, inputs: inputTypes, outputs: outputTypes, model: model)
            var prepared = try OpRegistry.prepare(context)
            if case .view = prepared.kernel {
                let out = node.outputs[0], source = root[node.inputs[0]]
                if case .output = bindings[out] {
                    prepared.kernel = .copy(bytes: bytes[out])
                } else {
                    root[out] = source
                    bindings[out] = .alias(source)
                }
            }
            if prepared.scratchBytes > 0 { scratch.append((steps.count, prepared.scratchBytes)) }
            steps.append(Step(node: n, kernel: prepared.kernel, inputs: node.inputs, outputs: node.outputs,
                              scratchOffset: 0))
        }

        // Lifetimes of the arena tensors: from the step that writes them to the last step
        // that reads them or any view of them.
        var first = [Int](repeating: Int.max, count: types.count)
        var last = [Int](repeating: -1, count: types.count)
        for (s, step) in steps.enumerated() {
            for t in step.outputs where t != Node.absent {
                let r = root[t]
                first[r] = min(first[r], s)
                last[r] = max(last[r], s)
            }
            for t in step.inputs where t != Node.absent {
                last[root[t]] = max(last[root[t]], s)
            }
        }
        var buffers = [MemoryPlanner.Buffer]()
        var owners = [Int]()
        for (s, step) in steps.enumerated() {
            for t in step.outputs where t != Node.absent && root[t] == t {
                if case .none = bindings[t] {
                    buffers.append(MemoryPlanner.Buffer(bytes: bytes[t], first: first[t], last: max(last[t], s)))
                    owners.append(t)
                }
            }
        }
        let tensorBuffers = buffers.count
        for (s, b) in scratch {
            buffers.append(MemoryPlanner.Buffer(bytes: b, first: s, last: s))
        }
        // The arena is at most the sum of its buffers: bound it so that placing cannot overflow.
        var total = 0
        for b in buffers {
            let (sum, overflow) = total.addingReportingOverflow(b.bytes)
            guard !overflow, sum <= Int.max / 2 else {
                throw DLError(.limitExceeded, "the intermediate tensors for input shapes \(inputShapes) do not fit in memory")
            }
            total = sum
        }
        let (offsets, size) = MemoryPlanner.place(buffers)
        for (k, t) in owners.enumerated() { bindings[t] = .arena(offset: offsets[k]) }
        for (k, entry) in scratch.enumerated() { steps[entry.step].scratchOffset = offsets[tensorBuffers + k] }

        self.inputShapes = inputShapes
        self.types = types
        self.steps = steps
        self.bindings = bindings
        self.arenaSize = size
        self.inputBytes = graph.inputs.map { bytes[$0] }
        self.outputBytes = graph.outputs.map { bytes[$0] }
        self.outputCopies = outputCopies
    }
}
