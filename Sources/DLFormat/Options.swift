import DLCore

/// What `DLPKModel.serialize` and `write` do with each constant tensor.
public struct WriteOptions: Sendable {
    /// The encoding of every constant tensor without an entry in `perTensor`.
    public var encoding: BlobEncoding
    /// Overrides by tensor index.
    public var perTensor: [Int: BlobEncoding]

    public init(encoding: BlobEncoding = .zstd(), perTensor: [Int: BlobEncoding] = [:]) {
        self.encoding = encoding
        self.perTensor = perTensor
    }

    public func encoding(forTensor index: Int) -> BlobEncoding {
        perTensor[index] ?? encoding
    }
}

/// Limits and checks applied while loading. The defaults suit files from strangers.
public struct ReadOptions: Sendable {
    /// Verify the XXH64 of every blob (the manifest's is always verified).
    public var verifyChecksums: Bool
    /// Largest manifest accepted, in bytes.
    public var maxManifestBytes: Int
    /// Largest total of decompressed (zstd) blob bytes held in memory.
    public var maxDecodedBytes: Int

    public init(verifyChecksums: Bool = true, maxManifestBytes: Int = 64 << 20, maxDecodedBytes: Int = 16 << 30) {
        self.verifyChecksums = verifyChecksums
        self.maxManifestBytes = maxManifestBytes
        self.maxDecodedBytes = maxDecodedBytes
    }
}
