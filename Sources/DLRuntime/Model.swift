import DLCore

/// A loaded, validated model: its graph, metadata and constants ready for the kernels.
///
/// Immutable once built and shareable across threads; sessions keep their model alive.
/// Loading does every check once (structure, types, shapes, attributes, constant sizes,
/// whether this build has a kernel for every node) so that running does none.
public final class Model: @unchecked Sendable {
    /// The graph as stored.
    public let graph: Graph
    public let metadata: ModelMetadata
    /// The graph as executed: constants stored as f16/bf16 (or int8 dequantized at load)
    /// appear here as f32.
    let executionGraph: Graph
    /// The types inferred at load with dynamic dimensions left dynamic.
    public let types: [TensorType]
    /// One pointer per tensor: the constant's bytes in the execution dtype, nil for activations.
    let constants: [UnsafeRawPointer?]
    /// Weights packed for the GEMM kernels at load, by node index.
    let packed: PackedWeights
    /// Buffers this model allocated (converted or copied constants); freed with the model.
    private let owned: [UnsafeMutableRawPointer]
    /// Keeps whatever the constant bytes borrow from (a mapped file) alive as long as the model.
    private let keepAlive: (() -> Void)?

    /// Loads a model whose constant bytes are borrowed: `constantData[i]` is tensor i's bytes
    /// (nil for activations), in the dtype and shape the graph declares.
    ///
    /// - Parameters:
    ///   - keepAlive: a closure that captures the owner of the borrowed bytes; it is
    ///     held (never called) for the model's lifetime.
    ///   - options: load-time choices (see `ModelOptions`).
    public init(graph: Graph, metadata: ModelMetadata, constantData: [UnsafeRawBufferPointer?],
                keepAlive: (() -> Void)? = nil, options: ModelOptions = ModelOptions()) throws(DLError) {
        guard constantData.count == graph.tensors.count else {
            throw DLError(.invalidModel, "\(constantData.count) constant buffers for \(graph.tensors.count) tensors")
        }
        _ = try graph.inferTypes()
        let dequantize = options.dequantizeInt8Weights ? ConstantPreparation.weightsToDequantize(graph) : []
        var execution = graph
        var pointers = [UnsafeRawPointer?](repeating: nil, count: graph.tensors.count)
        var owned = [UnsafeMutableRawPointer]()
        var failure: DLError? = nil
        for (i, t) in graph.tensors.enumerated() where t.kind == .constant {
            do throws(DLError) {
                let prepared = try ConstantPreparation.prepare(t, bytes: constantData[i],
                                                               dequantize: dequantize.contains(i))
                pointers[i] = prepared.pointer
                if let buffer = prepared.owned { owned.append(buffer) }
                if prepared.dtype != t.dtype {
                    execution.tensors[i].dtype = prepared.dtype
                    execution.tensors[i].quant = nil
                }
            } catch {
                failure = error
                break
            }
        }
        var types = [TensorType]()
        if failure == nil {
            do throws(DLError) { types = try execution.inferTypes() } catch { failure = error }
        }
        if let failure {
            for p in owned { p.deallocate() }
            throw failure
        }
        self.graph = graph
        self.metadata = metadata
        self.executionGraph = execution
        self.types = types
        self.constants = pointers
        self.packed = PackedWeights(graph: execution, types: types, constants: pointers)
        self.owned = owned
        self.keepAlive = keepAlive
        // A trial plan with every dynamic dimension at 1 finds unsupported ops and
        // dtype combinations now rather than at the first run.
        _ = try Plan(model: self, inputShapes: Plan.defaultInputShapes(execution, batch: 1))
    }

    /// Loads a model from a graph and constant bytes held in arrays (copied): for tests,
    /// the trainer and anything that builds graphs in memory.
    public convenience init(graph: Graph, metadata: ModelMetadata = ModelMetadata(),
                            constants: [Int: [UInt8]], options: ModelOptions = ModelOptions()) throws(DLError) {
        var total = 0
        var offsets = [Int: Int]()
        for (index, bytes) in constants {
            guard index >= 0, index < graph.tensors.count else {
                throw DLError(.invalidArgument, "constant bytes for tensor \(index) of \(graph.tensors.count)")
            }
            offsets[index] = total
            total += (bytes.count + 63) & ~63
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 64)
        var views = [UnsafeRawBufferPointer?](repeating: nil, count: graph.tensors.count)
        for (index, bytes) in constants {
            let start = storage + offsets[index]!
            bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            views[index] = UnsafeRawBufferPointer(start: start, count: bytes.count)
        }
        let holder = StorageHolder(storage)
        try self.init(graph: graph, metadata: metadata, constantData: views,
                      keepAlive: { _ = holder }, options: options)
    }

    deinit {
        for p in owned { p.deallocate() }
    }

    /// The graph-input tensor types (dynamic dimensions are -1).
    public var inputTypes: [TensorType] { graph.inputs.map { types[$0] } }
    public var outputTypes: [TensorType] { graph.outputs.map { types[$0] } }

    /// The declared type of input `i`, without building an array (for the run path).
    @inline(__always) func inputType(_ i: Int) -> TensorType { types[graph.inputs[i]] }
    public func inputName(_ i: Int) -> String { graph.tensors[graph.inputs[i]].name }
    public func outputName(_ i: Int) -> String { graph.tensors[graph.outputs[i]].name }
}

/// Choices made when a model is loaded.
public struct ModelOptions: Sendable {
    /// Dequantize int8 weights that feed float ops to f32 at load (weights-only quantization).
    public var dequantizeInt8Weights: Bool

    public init(dequantizeInt8Weights: Bool = true) {
        self.dequantizeInt8Weights = dequantizeInt8Weights
    }
}

/// Owns a block allocated for copied constants; freed when the last model using it goes.
final class StorageHolder {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
