import DLCore

/// Collects the graph a model exports: tensors, nodes, and the float values of
/// constants (quantized later, when the file is written).
public final class GraphBuilder {
    /// A tensor of the graph under construction, with its per-sample shape.
    public struct Value {
        public var index: Int
        public var shape: [Int]
    }

    public private(set) var graph = Graph()
    /// Float values of constant tensors, by tensor index.
    public private(set) var constants: [Int: [Float]] = [:]
    /// Per-output-channel axis of each weight that is quantized per channel.
    public private(set) var channelAxis: [Int: Int] = [:]
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
}

extension Layer {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        throw DLError(.unsupported, "\(name): export of this layer type is not supported")
    }
}
