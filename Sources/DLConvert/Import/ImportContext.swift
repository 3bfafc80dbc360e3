import DLCore

/// One dimension of a shape computed inside the model (Shape → Gather → Concat → Reshape):
/// a number known at conversion time, or dimension `axis` of graph tensor `tensor`.
enum SymbolicDim: Equatable {
    case known(Int64)
    case dimension(tensor: Int, axis: Int)
    case unknown
}

/// What an ONNX value name stands for while importing.
enum ImportedValue {
    /// A tensor of the `.dlpk` graph (index into `Graph.tensors`).
    case tensor(Int)
    /// Known at conversion time; materialized into the graph only if a node needs it.
    case constant(HostTensor)
    /// A 1-D (or scalar, `scalar`) int64 shape value whose entries may be dynamic.
    case shape([SymbolicDim], scalar: Bool)
    /// ConstantOfShape of a shape known only at run time (a recurrent layer's zero
    /// initial state sized by the batch): `value` (one element) repeated over `dims`.
    case filled(HostTensor, dims: [SymbolicDim])
}

/// The state of one import: the graph being built and what each ONNX name means.
struct ImportContext {
    var graph = Graph()
    var constants: [Int: [UInt8]] = [:]
    var values: [String: ImportedValue] = [:]
    /// Declared types and shapes of ONNX values (graph inputs, outputs, value_info).
    var declared: [String: OnnxValueInfo] = [:]
    /// Tensors whose shape is known (the rest carry a placeholder until shape inference).
    var knownShape: Set<Int> = []
    /// Where constants already materialized into the graph live.
    var materialized: [String: Int] = [:]
    /// Constants that a DequantizeLinear produced from quantized integers (QDQ weights and
    /// biases), by ONNX name: the integers and their parameters, so that a fused int8 op
    /// can use them exactly.
    var quantizedOrigin: [String: (values: HostTensor, params: QuantParams)] = [:]
    /// For a float constant of the graph that came from quantized integers: the integer twin.
    var int8Twin: [Int: Int] = [:]
    let opset: Int64

    init(opset: Int64) { self.opset = opset }

    // MARK: - Reading a node's inputs

    func value(_ node: OnnxNode, _ i: Int) -> ImportedValue? {
        guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
        return values[node.inputs[i]]
    }

    func hasInput(_ node: OnnxNode, _ i: Int) -> Bool { i < node.inputs.count && !node.inputs[i].isEmpty }

    /// The input as a host tensor, when known at conversion time (shape values only if fully known).
    func constant(_ node: OnnxNode, _ i: Int) -> HostTensor? {
        switch value(node, i) {
        case .constant(let t)?: return t
        case .shape(let dims, let scalar)?:
            var ints: [Int64] = []
            for d in dims { guard case .known(let v) = d else { return nil }; ints.append(v) }
            return HostTensor(int64s: ints, dims: scalar ? [] : [ints.count])
        default: return nil
        }
    }

    /// The input as a graph tensor index; constants are added to the graph on first use.
    mutating func tensor(_ node: OnnxNode, _ i: Int) throws(DLError) -> Int {
        guard hasInput(node, i) else { return Node.absent }
        let name = node.inputs[i]
        guard let v = values[name] else {
            throw DLError(.invalidModel, "node '\(node.name)' (\(node.opType)) reads '\(name)', which no earlier node produces")
        }
        switch v {
        case .tensor(let t): return t
        case .constant(let host): return materialize(host, name: name)
        case .filled:
            throw DLError(.unsupported, "\(node.label) reads '\(name)', a ConstantOfShape whose shape is known only at run time (dlpack folds it only into a recurrent layer's initial state)")
        case .shape:
            guard let host = constant(node, i) else {
                throw DLError(.unsupported, "node '\(node.name)' (\(node.opType)) uses the dynamic shape value '\(name)' as data; only Reshape can take a shape computed at run time")
            }
            return materialize(host, name: name)
        }
    }

    /// Adds a constant tensor to the graph (once per name).
    mutating func materialize(_ host: HostTensor, name: String) -> Int {
        if let index = materialized[name] { return index }
        let index = addConstant(host, name: name)
        materialized[name] = index
        if let origin = quantizedOrigin[name] {
            int8Twin[index] = addConstant(origin.values, name: name + "_quantized", quant: origin.params)
        }
        return index
    }

    /// Adds a new constant tensor (always a new tensor: used for rewritten weights).
    mutating func addConstant(_ host: HostTensor, name: String, quant: QuantParams? = nil) -> Int {
        let index = graph.addTensor(TensorDesc(name: uniqueName(name), dtype: host.type.storageType,
                                                shape: Shape(host.dims), quant: quant, kind: .constant))
        constants[index] = host.storageBytes
        knownShape.insert(index)
        return index
    }

    /// Adds a constant with bytes already in `dtype`'s layout.
    mutating func addConstant(bytes: [UInt8], dtype: DType, dims: [Int], name: String, quant: QuantParams? = nil) -> Int {
        let index = graph.addTensor(TensorDesc(name: uniqueName(name), dtype: dtype, shape: Shape(dims), quant: quant, kind: .constant))
        constants[index] = bytes
        knownShape.insert(index)
        return index
    }

    var usedNames: Set<String> = []
    mutating func uniqueName(_ name: String) -> String {
        var candidate = name.isEmpty ? "t\(graph.tensors.count)" : name
        var n = 1
        while usedNames.contains(candidate) { candidate = "\(name)__\(n)"; n += 1 }
        usedNames.insert(candidate)
        return candidate
    }

    // MARK: - Shapes and types

    /// The shape of a graph tensor when known.
    func shape(_ tensor: Int) -> Shape? {
        tensor >= 0 && knownShape.contains(tensor) ? graph.tensors[tensor].shape : nil
    }

    func rank(_ tensor: Int) -> Int? { shape(tensor)?.rank }

    /// The rank of an input, whether it is a tensor or a constant.
    func rank(_ node: OnnxNode, _ i: Int) -> Int? {
        switch value(node, i) {
        case .tensor(let t)?: return rank(t)
        case .constant(let h)?: return h.dims.count
        case .shape(_, let scalar)?: return scalar ? 0 : 1
        case .filled(_, let dims)?: return dims.count
        case nil: return nil
        }
    }

    // MARK: - Writing

    /// Adds an activation tensor for ONNX value `name` (its declared type and shape if any).
    mutating func addActivation(_ name: String, dtype fallback: DType, shape: Shape? = nil) -> Int {
        let info = declared[name]
        let dtype = info?.elementType.flatMap { OnnxElementType(rawValue: $0)?.storageType } ?? fallback
        let resolved = shape ?? info?.shape
        let index = graph.addTensor(TensorDesc(name: uniqueName(name), dtype: dtype, shape: resolved ?? Shape([])))
        if resolved != nil { knownShape.insert(index) }
        values[name] = .tensor(index)
        return index
    }

    /// Adds an intermediate tensor that has no ONNX name (between nodes one ONNX node became).
    mutating func addIntermediate(_ base: String, dtype: DType, shape: Shape? = nil) -> Int {
        let index = graph.addTensor(TensorDesc(name: uniqueName(base), dtype: dtype, shape: shape ?? Shape([])))
        if shape != nil { knownShape.insert(index) }
        return index
    }

    /// Appends a node and gives its outputs the types ShapeInference (DLCore, the one
    /// place for shape rules) derives, merged with what the ONNX file declared.
    mutating func emit(_ name: String, _ op: OpCode, _ inputs: [Int], _ outputs: [Int], _ attributes: [Attribute] = []) throws(DLError) {
        let node = Node(name: name, op: op, inputs: inputs, outputs: outputs, attributes: attributes)
        graph.nodes.append(node)
        var inputTypes: [TensorType?] = []
        for i in inputs {
            guard i >= 0 else { inputTypes.append(nil); continue }
            guard knownShape.contains(i) else { return }   // nothing to infer from
            inputTypes.append(TensorType(graph.tensors[i].dtype, graph.tensors[i].shape))
        }
        let declared = outputs.map { TensorType(graph.tensors[$0].dtype, graph.tensors[$0].shape) }
        let inferred = try ShapeInference.outputTypes(of: node, inputs: inputTypes,
                                                      declared: outputs.allSatisfy { knownShape.contains($0) } ? declared : [])
        for (k, o) in outputs.enumerated() where k < inferred.count {
            var shape = inferred[k].shape
            if knownShape.contains(o), graph.tensors[o].shape.rank == shape.rank {
                shape = ShapeInference.merge(shape, graph.tensors[o].shape)
            }
            graph.tensors[o].shape = shape
            if graph.tensors[o].quant == nil { graph.tensors[o].dtype = inferred[k].dtype }
            knownShape.insert(o)
        }
    }

    /// Emits `op` from the ONNX node's first output, typed like input `dtypeFrom`.
    @discardableResult
    mutating func emitSimple(_ node: OnnxNode, _ op: OpCode, inputs: [Int], attributes: [Attribute] = [],
                             dtypeFrom: Int? = nil, shape: Shape? = nil) throws(DLError) -> Int {
        let source = dtypeFrom ?? inputs.first { $0 >= 0 } ?? -1
        let dtype = source >= 0 ? graph.tensors[source].dtype : .float32
        let out = addActivation(node.outputs[0], dtype: dtype, shape: shape)
        try emit(node.name, op, inputs, [out], attributes)
        return out
    }
}

extension OnnxNode {
    func int(_ name: String) -> Int64? { if case .int(let v)? = attributes[name] { return v }; return nil }
    func int(_ name: String, default d: Int64) -> Int64 { int(name) ?? d }
    func float(_ name: String, default d: Float) -> Float { if case .float(let v)? = attributes[name] { return v }; return d }
    func ints(_ name: String) -> [Int64]? { if case .ints(let v)? = attributes[name] { return v }; return nil }
    func floats(_ name: String) -> [Float]? { if case .floats(let v)? = attributes[name] { return v }; return nil }
    func string(_ name: String) -> String? { if case .string(let v)? = attributes[name] { return v }; return nil }
    func strings(_ name: String) -> [String]? { if case .strings(let v)? = attributes[name] { return v }; return nil }

    /// "node 'name' (Op)", for error messages.
    var label: String { "node '\(name)' (\(opType))" }
}

/// A negative axis counted from the end, checked against the rank.
func normalizeAxis(_ axis: Int64, rank: Int, _ node: OnnxNode) throws(DLError) -> Int {
    let a = axis < 0 ? Int(axis) + rank : Int(axis)
    guard a >= 0, a < max(rank, 1) else { throw DLError(.invalidModel, "\(node.label): axis \(axis) is outside rank \(rank)") }
    return a
}
