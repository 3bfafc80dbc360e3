import DLCore

/// How a blob's bytes are compressed in the file. Codes are stored in files: append only.
public enum BlobCodec: UInt32, CaseIterable, Sendable {
    /// Stored as is: usable in place from a memory-mapped file.
    case raw = 0
    /// One zstd frame that declares its content size; decoded once at load.
    case zstd = 1

    public var name: String {
        switch self {
        case .raw: return "raw"
        case .zstd: return "zstd"
        }
    }
}

/// A reversible transform applied before compression. Codes are stored in files: append only.
public enum BlobFilter: UInt32, CaseIterable, Sendable {
    case none = 0
    /// Byte-plane shuffle: byte b of every element, then byte b+1 of every element, ...
    /// Groups the exponent bytes of float weights, which zstd then compresses far better.
    /// Only with the zstd codec, and only for element types wider than one byte.
    case byteShuffle = 1

    public var name: String {
        switch self {
        case .none: return "none"
        case .byteShuffle: return "shuffle"
        }
    }
}

/// What the writer should do with one constant tensor.
public struct BlobEncoding: Equatable, Sendable {
    public var codec: BlobCodec
    /// zstd compression level (1...22; higher is smaller and slower to write, not to read).
    public var level: Int32
    /// Applied only where it is defined (zstd, elements wider than a byte); ignored elsewhere.
    public var filter: BlobFilter

    public init(codec: BlobCodec, level: Int32 = 0, filter: BlobFilter = .none) {
        self.codec = codec
        self.level = level
        self.filter = filter
    }

    /// Stored as is, for zero-copy loading.
    public static let raw = BlobEncoding(codec: .raw)

    /// zstd at `level`, with the byte-plane shuffle for multi-byte elements by default.
    /// Level 3 is the default because level 19 saved about 1 % more on trained weights at
    /// 50-60x the write time (format/SPEC.md, "Measured").
    public static func zstd(level: Int32 = 3, filter: BlobFilter = .byteShuffle) -> BlobEncoding {
        BlobEncoding(codec: .zstd, level: level, filter: filter)
    }
}

/// Where and how one constant tensor is stored in a file.
public struct BlobInfo: Equatable, Sendable {
    /// Absolute offset of the stored bytes in the file (a multiple of 64).
    public var fileOffset: Int
    public var storedSize: Int
    /// Bytes after decoding: the tensor's storage size.
    public var rawSize: Int
    public var codec: BlobCodec
    public var filter: BlobFilter
    /// XXH64 (seed 0) of the stored bytes.
    public var checksum: UInt64

    public init(fileOffset: Int, storedSize: Int, rawSize: Int, codec: BlobCodec, filter: BlobFilter, checksum: UInt64) {
        self.fileOffset = fileOffset
        self.storedSize = storedSize
        self.rawSize = rawSize
        self.codec = codec
        self.filter = filter
        self.checksum = checksum
    }
}
