import DLCore

/// A model as stored in a `.dlpk` file: the graph, its metadata, and the bytes of
/// every constant tensor (weights, biases, folded constants).
///
/// Concretely:
/// ```swift
/// let model = try DLPKModel.open(path: "mnist.dlpk")      // mmap; raw blobs used in place
/// let w = model.constantBytes(1)!                         // the decoded bytes of tensor 1
/// try model.write(to: "copy.dlpk", options: WriteOptions(encoding: .zstd(level: 9)))
/// ```
///
/// A model is immutable and can be shared across threads. The buffers returned by
/// `constantBytes(_:)` are borrowed: valid while the model is alive (keep a reference,
/// or use `withExtendedLifetime`). Constant bytes are the tensor's elements in row-major
/// order, little-endian (int4: two values per byte, low nibble first).
public final class DLPKModel: @unchecked Sendable {
    public let graph: Graph
    public let metadata: ModelMetadata
    /// The version of the file this model was read from (`FormatVersion.current` if built in memory).
    public let formatVersion: FormatVersion
    /// Per tensor index: how the constant was stored in the file it was read from;
    /// nil for activations and for models built in memory.
    public let blobs: [BlobInfo?]
    /// Size of the file this model was read from (0 if built in memory).
    public let fileSize: Int

    /// Per tensor index: the decoded bytes of constants, nil for activations.
    private let constants: [UnsafeRawBufferPointer?]
    private let storage: ModelStorage

    init(graph: Graph, metadata: ModelMetadata, formatVersion: FormatVersion, blobs: [BlobInfo?], fileSize: Int,
         constants: [UnsafeRawBufferPointer?], storage: ModelStorage) {
        self.graph = graph
        self.metadata = metadata
        self.formatVersion = formatVersion
        self.blobs = blobs
        self.fileSize = fileSize
        self.constants = constants
        self.storage = storage
    }

    /// A model built in memory (by the trainer or the converter), ready to be written.
    ///
    /// - Parameters:
    ///   - graph: the graph; its structure is validated as the reader would.
    ///   - metadata: producer, labels, preprocessing, properties.
    ///   - constants: for every tensor of kind `.constant`, its bytes (row-major,
    ///     little-endian), exactly `dtype.storageBytes(count: shape.elementCount)` long.
    ///     The bytes are copied into 64-byte-aligned memory.
    public convenience init(graph: Graph, metadata: ModelMetadata = ModelMetadata(),
                            constants: [Int: [UInt8]]) throws(DLError) {
        try validateStructure(graph: graph, metadata: metadata)
        for key in constants.keys where !(key >= 0 && key < graph.tensors.count && graph.tensors[key].kind == .constant) {
            throw DLError(.invalidArgument, "constant bytes given for tensor \(key), which is not a constant tensor of the graph")
        }
        let storage = ModelStorage()
        var views = [UnsafeRawBufferPointer?](repeating: nil, count: graph.tensors.count)
        for (i, t) in graph.tensors.enumerated() where t.kind == .constant {
            guard let bytes = constants[i] else {
                throw DLError(.invalidArgument, "constant tensor \(i) ('\(t.name)') has no bytes")
            }
            let expected = try t.storageBytes(index: i)
            guard bytes.count == expected else {
                throw DLError(.invalidArgument,
                              "constant tensor \(i) ('\(t.name)'): \(bytes.count) bytes given, \(t.dtype.name) \(t.shape.description) needs \(expected)")
            }
            views[i] = try withBytes(bytes) { (b) throws(DLError) in try storage.copy(b, for: "tensor '\(t.name)'") }
        }
        self.init(graph: graph, metadata: metadata, formatVersion: .current,
                  blobs: [BlobInfo?](repeating: nil, count: graph.tensors.count), fileSize: 0,
                  constants: views, storage: storage)
    }

    /// The decoded bytes of constant tensor `index` (borrowed, valid while the model lives),
    /// or nil if that tensor is not a constant or the index is out of range.
    public func constantBytes(_ index: Int) -> UnsafeRawBufferPointer? {
        guard index >= 0, index < constants.count else { return nil }
        return constants[index]
    }

    /// A copy of the decoded bytes of constant tensor `index`.
    public func constantArray(_ index: Int) -> [UInt8]? {
        guard let bytes = constantBytes(index) else { return nil }
        return [UInt8](bytes)
    }

    /// Bytes of decoded (zstd) or copied blobs this model holds in memory, beyond a mapping.
    public var ownedBytes: Int { storage.ownedBytes }
}

extension TensorDesc {
    /// The storage size of a tensor with a static shape, or an error naming the tensor.
    func storageBytes(index: Int) throws(DLError) -> Int {
        guard let count = shape.elementCount, let bytes = dtype.storageBytes(count: count) else {
            throw DLError(.invalidModel, "tensor \(index) ('\(name)'): shape \(shape.description) has no static size that fits in memory")
        }
        return bytes
    }
}
