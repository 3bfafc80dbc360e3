/// The `.dlpk` graph in memory: the one IR that the trainer exports, the converter
/// imports, the format reads and writes, and the runtime plans and executes.
///
/// Tensors are referred to by index into `Graph.tensors`; nodes are stored in
/// topological order (every input of a node is a graph input, a constant, or an
/// output of an earlier node). Weight bytes are not part of this description: the
/// format layer attaches them (DLFormat), so the runtime can use them in place.
public struct Graph: Equatable, Sendable {
    public var tensors: [TensorDesc]
    public var nodes: [Node]
    /// Indices of the tensors the caller provides, in order.
    public var inputs: [Int]
    /// Indices of the tensors the caller receives, in order.
    public var outputs: [Int]

    public init(tensors: [TensorDesc] = [], nodes: [Node] = [], inputs: [Int] = [], outputs: [Int] = []) {
        self.tensors = tensors
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Appends a tensor and returns its index.
    @discardableResult
    public mutating func addTensor(_ tensor: TensorDesc) -> Int {
        tensors.append(tensor)
        return tensors.count - 1
    }

    /// The index of the tensor with this name, if any.
    public func tensorIndex(named name: String) -> Int? {
        tensors.firstIndex { $0.name == name }
    }
}

/// What a tensor is: name, element type, shape (with dynamic dimensions), and
/// quantization parameters for quantized integer tensors.
public struct TensorDesc: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        /// Computed by a node or supplied by the caller.
        case activation = 0
        /// Stored in the file (weights, biases, folded constants).
        case constant = 1
    }

    public var name: String
    public var dtype: DType
    public var shape: Shape
    public var quant: QuantParams?
    public var kind: Kind

    public init(name: String, dtype: DType, shape: Shape, quant: QuantParams? = nil, kind: Kind = .activation) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.quant = quant
        self.kind = kind
    }
}

/// One operation: an op code, the tensors it reads and writes, its attributes.
public struct Node: Equatable, Sendable {
    /// Marks an optional input that is absent (ONNX's empty name).
    public static let absent = -1

    public var name: String
    public var op: OpCode
    public var inputs: [Int]
    public var outputs: [Int]
    public var attributes: [Attribute]

    public init(name: String, op: OpCode, inputs: [Int], outputs: [Int], attributes: [Attribute] = []) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// The attribute with this name, if present.
    public func attribute(_ name: String) -> AttributeValue? {
        for a in attributes where a.name == name { return a.value }
        return nil
    }

    public func int(_ name: String, default value: Int) -> Int {
        if case .int(let v)? = attribute(name) { return Int(truncatingIfNeeded: v) }
        return value
    }

    public func float(_ name: String, default value: Float) -> Float {
        if case .float(let v)? = attribute(name) { return v }
        return value
    }

    public func ints(_ name: String) -> [Int]? {
        if case .ints(let v)? = attribute(name) { return v.map { Int(truncatingIfNeeded: $0) } }
        return nil
    }

    public func floats(_ name: String) -> [Float]? {
        if case .floats(let v)? = attribute(name) { return v }
        return nil
    }
}

extension Node {
    /// The attribute that makes a dense node on f32 X and int8 W compute in int8, X quantized
    /// per run over its own range (format 1.2); without it such a node is weights-only int8.
    public static let dynamicQuantization = "dynamic_quantization"

    /// A dense node that quantizes its input per run (`dynamic_quantization` = 1).
    public var computesDynamicRange: Bool { op == .dense && int(Node.dynamicQuantization, default: 0) == 1 }
}

/// A named, typed operator attribute (kept in an ordered list so that files are deterministic).
public struct Attribute: Equatable, Sendable {
    public var name: String
    public var value: AttributeValue

    public init(_ name: String, _ value: AttributeValue) {
        self.name = name
        self.value = value
    }
}

public enum AttributeValue: Equatable, Sendable {
    case int(Int64)
    case float(Float)
    case ints([Int64])
    case floats([Float])
    case string(String)
}

/// What travels with a model besides its graph: who made it, class labels,
/// how to preprocess inputs so that deployment reproduces training.
public struct ModelMetadata: Equatable, Sendable {
    public var producer: String
    public var producerVersion: String
    /// Seconds since the Unix epoch, UTC.
    public var createdAt: Int64
    public var labels: [String]
    public var preprocessing: [Preprocessing]
    /// Free-form key/value pairs, in order.
    public var properties: [KeyValue]

    public init(producer: String = "dlpack", producerVersion: String = "", createdAt: Int64 = 0,
                labels: [String] = [], preprocessing: [Preprocessing] = [], properties: [KeyValue] = []) {
        self.producer = producer
        self.producerVersion = producerVersion
        self.createdAt = createdAt
        self.labels = labels
        self.preprocessing = preprocessing
        self.properties = properties
    }
}

public struct KeyValue: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

/// Input preprocessing for one graph input: `x' = (x * scale - mean[c]) / std[c]`,
/// with per-channel `mean`/`std` along `channelAxis` (or one value for all).
public struct Preprocessing: Equatable, Sendable {
    /// Index into `Graph.inputs`.
    public var input: Int
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]
    public var channelAxis: Int

    public init(input: Int = 0, scale: Float = 1, mean: [Float] = [], std: [Float] = [], channelAxis: Int = 1) {
        self.input = input
        self.scale = scale
        self.mean = mean
        self.std = std
        self.channelAxis = channelAxis
    }
}
