import DLCore

/// The fixed 64-byte little-endian header at the start of every `.dlpk` file
/// (format/SPEC.md, "Header"). Regions follow in this order: header, manifest,
/// blob section; gaps between them are zero bytes.
struct FileHeader: Equatable {
    static let magic: [UInt8] = [0x44, 0x4C, 0x50, 0x4B]  // "DLPK"
    static let size = 64
    /// Bytes covered by `headerChecksum` (everything before it).
    static let checksummedSize = 56
    static let blobAlignment = 64

    var version: FormatVersion
    var flags: UInt32
    var headerSize: Int
    var fileSize: Int
    var manifestOffset: Int
    var manifestSize: Int
    var blobsOffset: Int
    var manifestChecksum: UInt64

    /// The 64 bytes of this header, its checksum included.
    func encoded() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: FileHeader.size)
        for i in 0..<4 { out[i] = FileHeader.magic[i] }
        out.storeLE(UInt64(version.major), at: 4, bytes: 2)
        out.storeLE(UInt64(version.minor), at: 6, bytes: 2)
        out.storeLE(UInt64(flags), at: 8, bytes: 4)
        out.storeLE(UInt64(headerSize), at: 12, bytes: 4)
        out.storeLE(UInt64(fileSize), at: 16, bytes: 8)
        out.storeLE(UInt64(manifestOffset), at: 24, bytes: 8)
        out.storeLE(UInt64(manifestSize), at: 32, bytes: 8)
        out.storeLE(UInt64(blobsOffset), at: 40, bytes: 8)
        out.storeLE(manifestChecksum, at: 48, bytes: 8)
        let checksum = out.withUnsafeBytes { XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<FileHeader.checksummedSize])) }
        out.storeLE(checksum, at: 56, bytes: 8)
        return out
    }

    /// Reads and checks the header of `file` (the whole file): magic, version,
    /// header checksum, and that every region lies inside the file in order.
    static func parse(_ file: UnsafeRawBufferPointer, source: String) throws(DLError) -> FileHeader {
        let prefix = min(file.count, 4)
        for i in 0..<prefix where file[i] != magic[i] {
            throw DLError(.badMagic, "\(source): not a .dlpk file (the first bytes are not \"DLPK\")")
        }
        guard file.count >= size else {
            throw DLError(.truncated, "\(source): truncated: \(file.count) bytes, shorter than the \(size)-byte header")
        }
        let major = UInt16(file.loadLE(at: 4, bytes: 2))
        let minor = UInt16(file.loadLE(at: 6, bytes: 2))
        let version = FormatVersion(major: major, minor: minor)
        guard major == FormatVersion.current.major else {
            let relation = major > FormatVersion.current.major ? "newer than" : "older than"
            throw DLError(.unsupportedVersion,
                          "\(source): format version \(version) is \(relation) this reader's \(FormatVersion.current); a reader reads only major version \(FormatVersion.current.major)")
        }
        let stored = file.loadLE(at: 56, bytes: 8)
        let computed = XXH64.hash(UnsafeRawBufferPointer(rebasing: file[0..<checksummedSize]))
        guard stored == computed else {
            throw DLError(.checksumMismatch,
                          "\(source): header checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the header is corrupt")
        }
        // Readers of 1.x ignore flag bits they do not know (none are defined in 1.0).
        let flags = UInt32(file.loadLE(at: 8, bytes: 4))
        let header = FileHeader(
            version: version, flags: flags,
            headerSize: try field(file, 12, 4, "header size", source),
            fileSize: try field(file, 16, 8, "file size", source),
            manifestOffset: try field(file, 24, 8, "manifest offset", source),
            manifestSize: try field(file, 32, 8, "manifest size", source),
            blobsOffset: try field(file, 40, 8, "blob section offset", source),
            manifestChecksum: file.loadLE(at: 48, bytes: 8))
        try header.checkLayout(actualSize: file.count, source: source)
        return header
    }

    private static func field(_ file: UnsafeRawBufferPointer, _ offset: Int, _ bytes: Int, _ name: String,
                              _ source: String) throws(DLError) -> Int {
        let value = file.loadLE(at: offset, bytes: bytes)
        guard value <= UInt64(Int.max) else {
            throw DLError(.invalidModel, "\(source): header field '\(name)' at offset \(offset) is \(value), beyond any file")
        }
        return Int(value)
    }

    /// Regions in order, inside the file, not overlapping; the file is exactly as long as declared.
    private func checkLayout(actualSize: Int, source: String) throws(DLError) {
        guard headerSize >= FileHeader.size, headerSize % 8 == 0 else {
            throw DLError(.invalidModel, "\(source): header size \(headerSize) is not a multiple of 8 of at least \(FileHeader.size)")
        }
        guard fileSize <= actualSize else {
            throw DLError(.truncated, "\(source): truncated: the header declares \(fileSize) bytes, the file has \(actualSize)")
        }
        guard fileSize == actualSize else {
            throw DLError(.invalidModel, "\(source): \(actualSize - fileSize) unexpected bytes after the declared end of the file at \(fileSize)")
        }
        guard manifestOffset >= headerSize else {
            throw DLError(.invalidModel, "\(source): manifest offset \(manifestOffset) lies inside the \(headerSize)-byte header")
        }
        let (manifestEnd, overflow) = manifestOffset.addingReportingOverflow(manifestSize)
        guard !overflow, manifestEnd <= blobsOffset else {
            throw DLError(.invalidModel,
                          "\(source): manifest [\(manifestOffset), +\(manifestSize)) runs past the blob section at \(blobsOffset)")
        }
        guard blobsOffset % FileHeader.blobAlignment == 0 else {
            throw DLError(.invalidModel, "\(source): blob section offset \(blobsOffset) is not a multiple of \(FileHeader.blobAlignment)")
        }
        guard blobsOffset <= fileSize else {
            throw DLError(.invalidModel, "\(source): blob section offset \(blobsOffset) is past the end of the file (\(fileSize) bytes)")
        }
    }
}

/// Rounds up to a multiple of `alignment` (a power of two); nil on overflow.
@inline(__always) func alignUp(_ value: Int, _ alignment: Int) -> Int? {
    let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
    return overflow ? nil : sum & ~(alignment - 1)
}

func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}

extension UnsafeRawBufferPointer {
    /// An unsigned little-endian integer of `bytes` bytes at `offset` (caller checks the range).
    @inline(__always) func loadLE(at offset: Int, bytes: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<bytes { value |= UInt64(self[offset + i]) << (8 * UInt64(i)) }
        return value
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func storeLE(_ value: UInt64, at offset: Int, bytes: Int) {
        for i in 0..<bytes { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}
