import DLCore

/// An ONNX model as dlpack reads it: the decoded subset of ModelProto, with
/// every tensor's bytes already loaded (external data included) and checked.
public struct OnnxModel: Sendable {
    public var irVersion: Int64
    public var producerName: String
    public var producerVersion: String
    /// Operator set version per domain ("" is the default ONNX domain, also "ai.onnx").
    public var opsets: [String: Int64]
    public var graph: OnnxGraph
    public var metadata: [KeyValue]

    /// The opset version of the default ONNX domain.
    public var defaultOpset: Int64 { opsets[""] ?? opsets["ai.onnx"] ?? 1 }
}

public struct OnnxGraph: Sendable {
    public var name: String
    public var nodes: [OnnxNode]
    public var initializers: [HostTensor]
    public var inputs: [OnnxValueInfo]
    public var outputs: [OnnxValueInfo]
    /// Shapes ONNX shape inference recorded for intermediate values (may be empty).
    public var valueInfo: [OnnxValueInfo]
}

public struct OnnxNode: Sendable {
    public var name: String
    public var opType: String
    public var domain: String
    /// Input value names; "" marks an absent optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: OnnxAttribute]
}

public enum OnnxAttribute: Sendable {
    case int(Int64)
    case float(Float)
    case string(String)
    case ints([Int64])
    case floats([Float])
    case strings([String])
    case tensor(HostTensor)
    /// Graph, sparse tensor or type attributes: dlpack reads none of them.
    case unsupported(Int32)
}

/// One dimension of a declared shape: a number, or a name (dynamic).
public enum OnnxDim: Equatable, Sendable {
    case value(Int)
    case param(String)
    case unknown
}

public struct OnnxValueInfo: Sendable {
    public var name: String
    /// ONNX TensorProto.DataType, or nil when the type is not a tensor or not given.
    public var elementType: Int32?
    /// nil when the rank is unknown.
    public var dims: [OnnxDim]?

    /// The declared shape with names and unknowns as `Shape.dynamic`.
    public var shape: Shape? {
        dims.map { Shape($0.map { if case .value(let v) = $0 { return v } else { return Shape.dynamic } }) }
    }
}
