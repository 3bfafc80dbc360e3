import DLCore
import DLFormat

extension Model {
    /// A runnable model from a `.dlpk` model read by DLFormat; the constants are used in
    /// place (from the mapping or the decoded blobs), and `file` stays alive with the model.
    public convenience init(_ file: DLPKModel, options: ModelOptions = ModelOptions()) throws(DLError) {
        var views = [UnsafeRawBufferPointer?]()
        views.reserveCapacity(file.graph.tensors.count)
        for i in file.graph.tensors.indices { views.append(file.constantBytes(i)) }
        try self.init(graph: file.graph, metadata: file.metadata, constantData: views,
                      keepAlive: { withExtendedLifetime(file) {} }, options: options)
    }

    /// Opens the `.dlpk` file at `path` (mapped read-only) and prepares it to run.
    public static func open(path: String, verifyChecksums: Bool = true,
                            options: ModelOptions = ModelOptions()) throws(DLError) -> Model {
        try Model(try DLPKModel.open(path: path, options: ReadOptions(verifyChecksums: verifyChecksums)), options: options)
    }

    /// Reads a `.dlpk` file from memory: copied (`borrow` false) or used in place (`borrow`
    /// true: the bytes must stay valid and unchanged while the model lives).
    public static func load(_ bytes: UnsafeRawBufferPointer, borrow: Bool, verifyChecksums: Bool = true,
                            options: ModelOptions = ModelOptions()) throws(DLError) -> Model {
        let read = ReadOptions(verifyChecksums: verifyChecksums)
        if borrow { return try Model(try DLPKModel.load(borrowing: bytes, options: read), options: options) }
        return try Model(try DLPKModel.load(bytes: [UInt8](bytes), options: read), options: options)
    }
}
