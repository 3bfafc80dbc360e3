import DLCore
import DLFormat
import DLKernels

/// Collects the graph a model exports: tensors, nodes, and the float values of
/// constants (quantized later, when the file is written).
public final class GraphBuilder {
    /// A tensor of the graph under construction, with its per-sample shape.
    public struct Value {
        public var index: Int
        public var shape: [Int]
    }

    public internal(set) var graph = Graph()
    /// Float values of constant tensors, by tensor index.
    public internal(set) var constants: [Int: [Float]] = [:]
    /// Constants already in their stored form (int8 weights, int32 biases), by tensor index.
    var rawConstants: [Int: [UInt8]] = [:]
    /// Per-output-channel axis of each weight that is quantized per channel.
    public internal(set) var channelAxis: [Int: Int] = [:]
    private var usedNames = Set<String>()

    public init() {}

    private func unique(_ name: String) -> String {
        var candidate = name
        var n = 1
        while usedNames.contains(candidate) { candidate = "\(name)_\(n)"; n += 1 }
        usedNames.insert(candidate)
        return candidate
    }

    /// Declares a graph input with a dynamic batch dimension.
    public func input(_ name: String, shape: [Int]) -> Value {
        let i = graph.addTensor(TensorDesc(name: unique(name), dtype: .float32, shape: Shape([Shape.dynamic] + shape)))
        graph.inputs.append(i)
        return Value(index: i, shape: shape)
    }

    /// Adds a constant (weight or bias) holding `values`.
    public func constant(_ name: String, shape: [Int], values: [Float], channelAxis axis: Int? = nil) -> Int {
        let i = graph.addTensor(TensorDesc(name: unique(name), dtype: .float32, shape: Shape(shape), kind: .constant))
        constants[i] = values
        if let axis { channelAxis[i] = axis }
        return i
    }

    /// Adds a node producing one activation of per-sample shape `shape`.
    public func node(_ op: OpCode, name: String, inputs: [Int], shape: [Int],
                     attributes: [Attribute] = []) -> Value {
        node(op, name: name, inputs: inputs, shapes: [shape], attributes: attributes)[0]
    }

    /// Adds a node with several outputs (recurrent ops: Y and Y_h), of per-sample shapes `shapes`.
    public func node(_ op: OpCode, name: String, inputs: [Int], shapes: [[Int]],
                     attributes: [Attribute] = []) -> [Value] {
        let nodeName = unique(name)
        let outs = shapes.enumerated().map { i, s in
            Value(index: graph.addTensor(TensorDesc(name: unique(nodeName + (shapes.count == 1 ? "_out" : "_out\(i)")),
                                                    dtype: .float32, shape: Shape([Shape.dynamic] + s))), shape: s)
        }
        graph.nodes.append(Node(name: nodeName, op: op, inputs: inputs, outputs: outs.map(\.index), attributes: attributes))
        return outs
    }

    public func markOutput(_ v: Value) { graph.outputs.append(v.index) }

    // MARK: - Editing, for the export passes

    func replaceNodes(_ nodes: [Node], outputs: [Int]? = nil) {
        graph.nodes = nodes
        if let outputs { graph.outputs = outputs }
    }

    func setTensor(_ i: Int, _ change: (inout TensorDesc) -> Void) { change(&graph.tensors[i]) }

    /// A new activation tensor shaped like tensor `t`.
    func addActivation(_ name: String, like t: Int, dtype: DType, quant: QuantParams?) -> Int {
        graph.addTensor(TensorDesc(name: unique(name), dtype: dtype, shape: graph.tensors[t].shape, quant: quant))
    }

    func markInt8(_ t: Int, _ params: QuantParams) {
        graph.tensors[t].dtype = .int8
        graph.tensors[t].quant = params
    }

    /// Replaces a float constant by its int8 quantization with `params`.
    func storeInt8(_ t: Int, params: QuantParams) throws(DLError) {
        let values = constants.removeValue(forKey: t)!
        var q = [Int8](repeating: 0, count: values.count)
        let shape = graph.tensors[t].shape
        try values.withUnsafeBufferPointer { (v) throws(DLError) in
            try q.withUnsafeMutableBufferPointer { (out) throws(DLError) in
                try Quantize.quantize(v, shape: shape, params: params, range: Quantize.weightRange, into: out)
            }
        }
        rawConstants[t] = DLPKModel.bytes(of: q)
        markInt8(t, params)
    }

    /// Replaces a float constant by int32 values (a quantized bias).
    func storeInt32(_ t: Int, _ values: [Int32], params: QuantParams) {
        constants[t] = nil
        rawConstants[t] = DLPKModel.bytes(of: values)
        graph.tensors[t].dtype = .int32
        graph.tensors[t].quant = params
    }

    /// Drops tensors that no node, input or output refers to, renumbering the rest.
    func removeUnusedTensors() {
        var used = Set(graph.inputs + graph.outputs)
        for n in graph.nodes { used.formUnion(n.inputs.filter { $0 >= 0 }); used.formUnion(n.outputs) }
        var newIndex = [Int](repeating: -1, count: graph.tensors.count)
        var tensors: [TensorDesc] = []
        for (i, t) in graph.tensors.enumerated() where used.contains(i) {
            newIndex[i] = tensors.count
            tensors.append(t)
        }
        func map(_ i: Int) -> Int { i < 0 ? i : newIndex[i] }
        graph.tensors = tensors
        graph.inputs = graph.inputs.map(map)
        graph.outputs = graph.outputs.map(map)
        for k in graph.nodes.indices {
            graph.nodes[k].inputs = graph.nodes[k].inputs.map(map)
            graph.nodes[k].outputs = graph.nodes[k].outputs.map(map)
        }
        constants = Dictionary(uniqueKeysWithValues: constants.compactMap { used.contains($0.key) ? (newIndex[$0.key], $0.value) : nil })
        rawConstants = Dictionary(uniqueKeysWithValues: rawConstants.compactMap { used.contains($0.key) ? (newIndex[$0.key], $0.value) : nil })
        channelAxis = Dictionary(uniqueKeysWithValues: channelAxis.compactMap { used.contains($0.key) ? (newIndex[$0.key], $0.value) : nil })
    }
}

extension Layer {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        throw DLError(.unsupported, "\(name): export of this layer type is not supported")
    }
}
