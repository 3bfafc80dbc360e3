import DLCore

/// Maps an ONNX model onto the `.dlpk` graph (DLCore.Graph).
///
/// Concretely:
/// ```swift
/// let onnx = try OnnxDecoder.read(path: "model.onnx")
/// let imported = try OnnxImporter.importModel(onnx)
/// ```
/// Ops map one to one where OpCode follows ONNX; Gemm and MatMul with constant
/// weights become Dense, BatchNormalization folds into the Conv or Dense before it,
/// shape subgraphs are evaluated here, and QDQ patterns land on quantized tensors.
/// Every op that cannot be imported is reported at once, in one error.
public enum OnnxImporter {
    /// The ONNX ops (default domain) this importer reads.
    public static let supportedOps: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Gelu", "Clip",
        "Softmax", "LogSoftmax", "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
        "BatchNormalization", "Flatten", "Reshape", "Transpose", "Concat", "Squeeze", "Unsqueeze",
        "Identity", "Dropout", "LSTM", "GRU", "RNN", "LayerNormalization",
        "QuantizeLinear", "DequantizeLinear", "QLinearMatMul", "QLinearConv", "MatMulInteger",
        // Only as onnxruntime's quantize_dynamic MatMul (ImportDynamicQuantization.swift).
        "DynamicQuantizeLinear",
        // Evaluated at conversion time (shape subgraphs and constants); Gather also runs.
        "Constant", "Shape", "Gather", "Cast", "Slice", "ConstantOfShape", "Expand",
    ]

    /// Opsets this importer was written against.
    public static let opsetRange: ClosedRange<Int64> = 7...28

    public static func importModel(_ model: OnnxModel) throws(DLError) -> ImportedModel {
        let opset = model.defaultOpset
        guard opset <= opsetRange.upperBound else {
            throw DLError(.unsupportedVersion, "the model uses ONNX opset \(opset); dlpack reads opsets up to \(opsetRange.upperBound)")
        }
        try checkSupported(model)
        var context = ImportContext(opset: opset)
        let graph = model.graph
        for info in graph.inputs + graph.outputs + graph.valueInfo { context.declared[info.name] = info }
        for t in graph.initializers { context.values[t.name] = .constant(t) }
        for input in graph.inputs where context.values[input.name] == nil {
            guard let typeCode = input.elementType, let type = OnnxElementType(rawValue: typeCode) else {
                throw DLError(.unsupportedDType, "graph input '\(input.name)' is not a tensor of a type dlpack reads")
            }
            let index = context.addActivation(input.name, dtype: type.storageType)
            if input.shape == nil {
                throw DLError(.invalidModel, "graph input '\(input.name)' has no shape")
            }
            context.graph.inputs.append(index)
        }
        var nodes = graph.nodes
        // Names identify layers in `--exclude` and `dlpack compare`: give every node one.
        for k in nodes.indices where nodes[k].name.isEmpty { nodes[k].name = "\(nodes[k].opType)_\(k)" }
        let dynamic = DynamicQuantizationImport.find(graph)
        for (k, node) in nodes.enumerated() {
            if let pattern = dynamic.patterns[k] {
                try context.importDynamicQuantizedMatMul(pattern, nodes)
            } else if !dynamic.consumed.contains(k) {
                try context.importNode(node)
            }
        }
        for output in graph.outputs {
            context.graph.outputs.append(try context.graphOutput(output.name))
        }
        try GraphOptimizer.run(&context)
        let metadata = ModelMetadata(producer: model.producerName, producerVersion: model.producerVersion,
                                     properties: model.metadata + [KeyValue("onnx.opset", String(opset))])
        return ImportedModel(graph: context.graph, constants: context.constants, metadata: metadata)
    }

    /// One error listing every op outside what dlpack imports, with node name and opset.
    static func checkSupported(_ model: OnnxModel) throws(DLError) {
        var problems: [String] = []
        for node in model.graph.nodes {
            let domain = node.domain
            let version = model.opsets[domain] ?? (domain.isEmpty ? model.defaultOpset : 0)
            let known = (domain.isEmpty || domain == "ai.onnx") && supportedOps.contains(node.opType)
            if !known {
                let name = domain.isEmpty ? node.opType : "\(domain).\(node.opType)"
                problems.append("\(name) (node '\(node.name)', opset \(version))")
            }
        }
        if !problems.isEmpty {
            throw DLError(.unsupportedOp, "\(problems.count) unsupported op\(problems.count == 1 ? "" : "s"): " + problems.joined(separator: ", "))
        }
    }
}

extension ImportContext {
    mutating func importNode(_ node: OnnxNode) throws(DLError) {
        guard !node.outputs.isEmpty else { return }
        if try foldIfConstant(node) { return }
        switch node.opType {
        case "Add", "Sub", "Mul", "Div": try importBinary(node)
        case "Relu": try importUnary(node, .relu)
        case "Sigmoid": try importUnary(node, .sigmoid)
        case "Tanh": try importUnary(node, .tanh)
        case "Identity": try importIdentity(node)
        case "Dropout": try importDropout(node)
        case "LeakyRelu": try importUnary(node, .leakyRelu, [Attribute("alpha", .float(node.float("alpha", default: 0.01)))])
        case "Gelu": try importGelu(node)
        case "Clip": try importClip(node)
        case "Softmax", "LogSoftmax": try importSoftmax(node)
        case "Gemm": try importGemm(node)
        case "MatMul": try importMatMul(node)
        case "Conv": try importConv(node)
        case "MaxPool", "AveragePool": try importPool(node)
        case "GlobalAveragePool": try importUnary(node, .globalAvgPool)
        case "BatchNormalization": try importBatchNorm(node)
        case "LayerNormalization": try importLayerNorm(node)
        case "Flatten": try importFlatten(node)
        case "Reshape": try importReshape(node)
        case "Transpose": try importTranspose(node)
        case "Concat": try importConcat(node)
        case "Squeeze", "Unsqueeze": try importSqueeze(node)
        case "Gather": try importGather(node)
        case "Shape": try importShape(node)
        case "LSTM", "GRU", "RNN": try importRecurrent(node)
        case "QuantizeLinear": try importQuantizeLinear(node)
        case "DequantizeLinear": try importDequantizeLinear(node)
        case "QLinearMatMul": try importQLinearMatMul(node)
        case "QLinearConv": try importQLinearConv(node)
        case "MatMulInteger": try importMatMulInteger(node)
        case "DynamicQuantizeLinear":
            throw DLError(.unsupportedOp, "\(node.label): imported only as onnxruntime's quantize_dynamic MatMul "
                          + "(DynamicQuantizeLinear → MatMulInteger → Cast → Mul by the scales' product)")
        default:
            throw DLError(.unsupportedOp, "\(node.label): only supported when its inputs are known at conversion time")
        }
    }

    /// The graph tensor for a graph output; constants and inputs pass through an Identity
    /// so that every output is a node's result with the ONNX name.
    mutating func graphOutput(_ name: String) throws(DLError) -> Int {
        guard let v = values[name] else { throw DLError(.invalidModel, "graph output '\(name)' is not produced by any node") }
        if case .tensor(let t) = v, !graph.inputs.contains(t), graph.tensors[t].kind == .activation { return t }
        let pseudo = OnnxNode(name: "output_" + name, opType: "Identity", domain: "", inputs: [name], outputs: [name], attributes: [:])
        let source = try tensor(pseudo, 0)
        let out = addActivation(name, dtype: graph.tensors[source].dtype, shape: shape(source))
        try emit(pseudo.name, .identity, [source], [out])
        return out
    }
}
