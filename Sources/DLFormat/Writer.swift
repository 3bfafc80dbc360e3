import CDLManifest
import DLCore

extension DLPKModel {
    /// The complete `.dlpk` file of this model: header, manifest, then the blobs in
    /// tensor order, each at a multiple of 64 bytes, encoded as `options` asks.
    /// A zstd blob that would not be smaller than the raw bytes is stored raw.
    public func serialize(options: WriteOptions = WriteOptions()) throws(DLError) -> [UInt8] {
        var records = [BlobRecord?](repeating: nil, count: graph.tensors.count)
        var payloads: [(offset: Int, bytes: [UInt8]?, view: UnsafeRawBufferPointer)] = []
        var cursor = 0
        for (i, t) in graph.tensors.enumerated() where t.kind == .constant {
            guard let raw = constantBytes(i) else {
                throw DLError(.internalError, "constant tensor \(i) ('\(t.name)') has no bytes")
            }
            let (stored, codec, filter) = try encodeBlob(raw, dtype: t.dtype, encoding: options.encoding(forTensor: i))
            guard let offset = alignUp(cursor, FileHeader.blobAlignment) else {
                throw DLError(.limitExceeded, "the blobs do not fit in a file")
            }
            let size = stored?.count ?? raw.count
            let checksum = stored.map { XXH64.hash($0) } ?? XXH64.hash(raw)
            records[i] = BlobRecord(offset: offset, storedSize: size, rawSize: raw.count, codec: codec, filter: filter,
                                    checksum: checksum)
            payloads.append((offset, stored, raw))
            cursor = offset + size
        }
        let manifest = ManifestEncoder.encode(graph: graph, metadata: metadata, blobs: records)
        guard let blobsOffset = alignUp(FileHeader.size + manifest.count, FileHeader.blobAlignment) else {
            throw DLError(.limitExceeded, "the manifest does not fit in a file")
        }
        let header = FileHeader(version: .lowest(for: graph), flags: 0, headerSize: FileHeader.size,
                                fileSize: blobsOffset + cursor, manifestOffset: FileHeader.size,
                                manifestSize: manifest.count, blobsOffset: blobsOffset,
                                manifestChecksum: XXH64.hash(manifest))
        var file = [UInt8](repeating: 0, count: header.fileSize)
        file.withUnsafeMutableBytes { out in
            out.copyBytes(from: header.encoded())
            UnsafeMutableRawBufferPointer(rebasing: out[FileHeader.size...]).copyBytes(from: manifest)
            for p in payloads {
                let at = UnsafeMutableRawBufferPointer(rebasing: out[(blobsOffset + p.offset)...])
                if let bytes = p.bytes { at.copyBytes(from: bytes) } else { at.copyMemory(from: p.view) }
            }
        }
        return file
    }

    /// Writes `serialize(options:)` to `path` through a temporary file in the same
    /// directory that is flushed and then renamed over `path`: readers see the old file
    /// or the new one, never a partial one.
    public func write(to path: String, options: WriteOptions = WriteOptions()) throws(DLError) {
        let file = try serialize(options: options)
        let error = path.withCString { p in
            file.withUnsafeBytes { dlk_write_file_atomic(p, $0.baseAddress, $0.count) }
        }
        if error != 0 {
            throw DLError(.ioError, "\(path): cannot write: \(String(cString: dlk_error_string(error)))")
        }
    }

    /// The stored bytes (nil: the raw bytes as they are), codec and filter of one blob.
    private func encodeBlob(_ raw: UnsafeRawBufferPointer, dtype: DType,
                            encoding: BlobEncoding) throws(DLError) -> ([UInt8]?, BlobCodec, BlobFilter) {
        switch encoding.codec {
        case .raw:
            return (nil, .raw, .none)
        case .zstd:
            let shuffle = encoding.filter == .byteShuffle && dtype.byteSize > 1
            var compressed: [UInt8]
            if shuffle {
                var planes = [UInt8](repeating: 0, count: raw.count)
                planes.withUnsafeMutableBytes { ByteShuffle.shuffle(raw, elementSize: dtype.byteSize, into: $0) }
                compressed = try withBytes(planes) { (p) throws(DLError) in try Zstd.compress(p, level: encoding.level) }
            } else {
                compressed = try Zstd.compress(raw, level: encoding.level)
            }
            if compressed.count >= raw.count { return (nil, .raw, .none) }
            return (compressed, .zstd, shuffle ? .byteShuffle : .none)
        }
    }
}
