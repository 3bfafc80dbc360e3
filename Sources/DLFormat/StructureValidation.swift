import DLCore

/// Limits on counts in a manifest, beyond what the manifest size already bounds.
enum ManifestLimits {
    static let maxTensors = 1 << 20
    static let maxNodes = 1 << 20
    static let maxNodeInputs = 1 << 12
    static let maxNodeOutputs = 1 << 12
    static let maxAttributes = 1 << 10
}

/// Structural validation shared by the reader and the in-memory constructor, so the
/// writer never writes a file the reader refuses: every index in range, shapes well
/// formed, constants static, quantization parameters consistent, every node input
/// available before the node (nodes in topological order), every tensor produced once.
/// What each op requires of its shapes is the runtime's check, not this one.
func validateStructure(graph: Graph, metadata: ModelMetadata) throws(DLError) {
    let n = graph.tensors.count
    guard n <= ManifestLimits.maxTensors else {
        throw DLError(.limitExceeded, "\(n) tensors, more than the limit of \(ManifestLimits.maxTensors)")
    }
    guard graph.nodes.count <= ManifestLimits.maxNodes else {
        throw DLError(.limitExceeded, "\(graph.nodes.count) nodes, more than the limit of \(ManifestLimits.maxNodes)")
    }
    for (i, t) in graph.tensors.enumerated() {
        try validateTensor(t, index: i)
    }

    // Available tensors: constants, graph inputs, then node outputs as nodes run.
    var available = [Bool](repeating: false, count: n)
    var producer = [Int](repeating: -1, count: n)
    for (i, t) in graph.tensors.enumerated() where t.kind == .constant { available[i] = true }
    for (k, i) in graph.inputs.enumerated() {
        guard i >= 0, i < n else {
            throw DLError(.invalidModel, "graph input \(k) refers to tensor \(i), outside 0..<\(n)")
        }
        guard graph.tensors[i].kind == .activation else {
            throw DLError(.invalidModel, "graph input \(k) is tensor \(i) ('\(graph.tensors[i].name)'), a constant")
        }
        guard !available[i] else {
            throw DLError(.invalidModel, "tensor \(i) ('\(graph.tensors[i].name)') is listed twice as a graph input")
        }
        available[i] = true
    }
    for (j, node) in graph.nodes.enumerated() {
        let label = "node \(j) ('\(node.name)', \(node.op.name))"
        guard node.inputs.count <= ManifestLimits.maxNodeInputs, node.outputs.count <= ManifestLimits.maxNodeOutputs,
              node.attributes.count <= ManifestLimits.maxAttributes else {
            throw DLError(.limitExceeded, "\(label): too many inputs, outputs or attributes")
        }
        for (k, i) in node.inputs.enumerated() where i != Node.absent {
            guard i >= 0, i < n else {
                throw DLError(.invalidModel, "\(label): input \(k) refers to tensor \(i), outside 0..<\(n)")
            }
            guard available[i] else {
                throw DLError(.invalidModel,
                              "\(label): input \(k) is tensor \(i) ('\(graph.tensors[i].name)'), which no earlier node produces")
            }
        }
        for (k, i) in node.outputs.enumerated() {
            guard i >= 0, i < n else {
                throw DLError(.invalidModel, "\(label): output \(k) refers to tensor \(i), outside 0..<\(n)")
            }
            guard graph.tensors[i].kind == .activation else {
                throw DLError(.invalidModel, "\(label): output \(k) is tensor \(i) ('\(graph.tensors[i].name)'), a constant")
            }
            guard !available[i] else {
                let by = producer[i] >= 0 ? "node \(producer[i])" : "the caller (graph input)"
                throw DLError(.invalidModel, "\(label): output \(k) is tensor \(i) ('\(graph.tensors[i].name)'), already produced by \(by)")
            }
            available[i] = true
            producer[i] = j
        }
    }
    for (k, i) in graph.outputs.enumerated() {
        guard i >= 0, i < n else {
            throw DLError(.invalidModel, "graph output \(k) refers to tensor \(i), outside 0..<\(n)")
        }
        guard available[i] else {
            throw DLError(.invalidModel, "graph output \(k) is tensor \(i) ('\(graph.tensors[i].name)'), which nothing produces")
        }
    }
    for (k, p) in metadata.preprocessing.enumerated() {
        guard p.input >= 0, p.input < graph.inputs.count else {
            throw DLError(.invalidModel, "preprocessing \(k) refers to graph input \(p.input), outside 0..<\(graph.inputs.count)")
        }
    }
}

private func validateTensor(_ t: TensorDesc, index i: Int) throws(DLError) {
    let label = "tensor \(i) ('\(t.name)')"
    guard t.shape.rank <= Shape.maxRank else {
        throw DLError(.limitExceeded, "\(label): rank \(t.shape.rank) exceeds the limit of \(Shape.maxRank)")
    }
    for d in t.shape.dims where d < Shape.dynamic {
        throw DLError(.invalidModel, "\(label): dimension \(d) is negative (only -1, dynamic, is allowed)")
    }
    if t.kind == .constant || t.shape.isStatic {
        guard t.shape.isStatic else {
            throw DLError(.invalidModel, "\(label): a constant must have a static shape, found \(t.shape.description)")
        }
        _ = try t.storageBytes(index: i)
    }
    if let q = t.quant {
        guard t.dtype.isQuantizedInteger || t.dtype == .int32 else {
            throw DLError(.invalidModel, "\(label): quantization parameters on a \(t.dtype.name) tensor (only i8, u8, i4, i32)")
        }
        do {
            try q.validate(for: t.shape)
        } catch {
            throw DLError(error.code, "\(label): \(error.message)")
        }
    }
}
