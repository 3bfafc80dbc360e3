import DLCore

/// The result of importing a model: the `.dlpk` graph, the bytes of its constant
/// tensors (weights, biases, folded constants) and its metadata.
public struct ImportedModel: Sendable {
    public var graph: Graph
    /// Bytes of each constant tensor, keyed by index into `graph.tensors`, laid out
    /// as that tensor's dtype and shape say (little-endian, row-major).
    public var constants: [Int: [UInt8]]
    public var metadata: ModelMetadata

    public init(graph: Graph, constants: [Int: [UInt8]], metadata: ModelMetadata) {
        self.graph = graph
        self.constants = constants
        self.metadata = metadata
    }

    /// The values of a float32 constant, or nil when the tensor is not one.
    public func floatConstant(_ index: Int) -> [Float]? {
        guard let bytes = constants[index], graph.tensors[index].dtype == .float32 else { return nil }
        return bytes.withUnsafeBytes { raw in (0..<bytes.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }
}
