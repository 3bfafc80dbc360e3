import CDLManifest
import DLCore

extension DLPKModel {
    /// zstd cannot expand a frame by more than about 32768× (a 4-byte RLE block makes
    /// 128 KiB); a blob declaring more is refused before anything is allocated.
    static let maxZstdExpansion = 65536

    /// Opens a `.dlpk` file by mapping it read-only: raw blobs are used in place (zero
    /// copy), zstd blobs are decoded once into owned, 64-byte-aligned memory.
    /// Every field is validated and every checksum verified (see `ReadOptions`).
    public static func open(path: String, options: ReadOptions = ReadOptions()) throws(DLError) -> DLPKModel {
        var base: UnsafeRawPointer?
        var size = 0
        let error = path.withCString { dlk_map_file($0, &base, &size) }
        if error != 0 {
            let text = String(cString: dlk_error_string(error))
            let code: DLErrorCode = dlk_error_is_not_found(error) != 0 ? .fileNotFound : .ioError
            throw DLError(code, "\(path): cannot open: \(text)")
        }
        let storage = ModelStorage()
        if let base { storage.adoptMapping(base: base, size: size) }
        return try decode(UnsafeRawBufferPointer(start: base, count: size), storage: storage, options: options, source: path)
    }

    /// Reads a model from bytes in memory; the bytes are copied into 64-byte-aligned
    /// storage that the model owns.
    public static func load(bytes: [UInt8], options: ReadOptions = ReadOptions(),
                            source: String = "<memory>") throws(DLError) -> DLPKModel {
        let storage = ModelStorage()
        let copy = try withBytes(bytes) { (b) throws(DLError) in try storage.copy(b, for: "the model file") }
        return try decode(copy, storage: storage, options: options, source: source)
    }

    /// Reads a model from memory without copying: raw blobs point into `buffer`, which
    /// the caller must keep alive and unchanged for as long as the model lives.
    public static func load(borrowing buffer: UnsafeRawBufferPointer, options: ReadOptions = ReadOptions(),
                            source: String = "<memory>") throws(DLError) -> DLPKModel {
        try decode(buffer, storage: ModelStorage(), options: options, source: source)
    }

    private static func decode(_ file: UnsafeRawBufferPointer, storage: ModelStorage, options: ReadOptions,
                               source: String) throws(DLError) -> DLPKModel {
        let header = try FileHeader.parse(file, source: source)
        guard header.manifestSize <= options.maxManifestBytes else {
            throw DLError(.limitExceeded,
                          "\(source): manifest of \(header.manifestSize) bytes exceeds the limit of \(options.maxManifestBytes)")
        }
        let manifestBytes = UnsafeRawBufferPointer(rebasing: file[header.manifestOffset..<(header.manifestOffset + header.manifestSize)])
        let checksum = XXH64.hash(manifestBytes)
        guard checksum == header.manifestChecksum else {
            throw DLError(.checksumMismatch,
                          "\(source): manifest checksum mismatch (stored \(hex(header.manifestChecksum)), computed \(hex(checksum)))")
        }
        try requireZero(file, header.headerSize, header.manifestOffset, "between the header and the manifest", source)
        try requireZero(file, header.manifestOffset + header.manifestSize, header.blobsOffset,
                        "between the manifest and the blob section", source)

        let decoded = try ManifestDecoder.decode(manifestBytes, source: source)
        do {
            try validateStructure(graph: decoded.graph, metadata: decoded.metadata)
        } catch {
            throw DLError(error.code, "\(source): \(error.message)")
        }

        let section = UnsafeRawBufferPointer(rebasing: file[header.blobsOffset..<header.fileSize])
        try checkBlobLayout(decoded, section: section, source: source)

        var views = [UnsafeRawBufferPointer?](repeating: nil, count: decoded.graph.tensors.count)
        var infos = [BlobInfo?](repeating: nil, count: decoded.graph.tensors.count)
        var decodedBytes = 0
        for (i, record) in decoded.blobs.enumerated() {
            guard let record else { continue }
            let t = decoded.graph.tensors[i]
            let what = "\(source): blob of tensor \(i) ('\(t.name)') at offset \(header.blobsOffset + record.offset)"
            let stored = UnsafeRawBufferPointer(rebasing: section[record.offset..<(record.offset + record.storedSize)])
            if options.verifyChecksums {
                let sum = XXH64.hash(stored)
                guard sum == record.checksum else {
                    throw DLError(.checksumMismatch, "\(what): checksum mismatch (stored \(hex(record.checksum)), computed \(hex(sum)))")
                }
            }
            switch record.codec {
            case .raw:
                views[i] = stored
            case .zstd:
                let (total, overflow) = decodedBytes.addingReportingOverflow(record.rawSize)
                guard !overflow, total <= options.maxDecodedBytes else {
                    throw DLError(.limitExceeded,
                                  "\(what): decoding would hold more than the limit of \(options.maxDecodedBytes) bytes in memory")
                }
                decodedBytes = total
                views[i] = try decodeZstd(stored, record: record, dtype: t.dtype, storage: storage, what: what)
            }
            infos[i] = BlobInfo(fileOffset: header.blobsOffset + record.offset, storedSize: record.storedSize,
                                rawSize: record.rawSize, codec: record.codec, filter: record.filter, checksum: record.checksum)
        }
        return DLPKModel(graph: decoded.graph, metadata: decoded.metadata, formatVersion: header.version,
                         blobs: infos, fileSize: header.fileSize, constants: views, storage: storage)
    }

    /// Every blob: sizes consistent with its tensor and codec, aligned, inside the
    /// section, not overlapping; the bytes between and after blobs are zero.
    private static func checkBlobLayout(_ decoded: ManifestDecoder.Decoded, section: UnsafeRawBufferPointer,
                                        source: String) throws(DLError) {
        var order: [Int] = []
        for (i, record) in decoded.blobs.enumerated() {
            guard let record else { continue }
            let t = decoded.graph.tensors[i]
            let label = "\(source): blob of tensor \(i) ('\(t.name)')"
            let expected = try t.storageBytes(index: i)
            guard record.rawSize == expected else {
                throw DLError(.invalidModel, "\(label): raw size \(record.rawSize), but \(t.dtype.name) \(t.shape.description) needs \(expected)")
            }
            guard record.offset % FileHeader.blobAlignment == 0 else {
                throw DLError(.invalidModel, "\(label): offset \(record.offset) is not a multiple of \(FileHeader.blobAlignment)")
            }
            let (end, overflow) = record.offset.addingReportingOverflow(record.storedSize)
            guard !overflow, end <= section.count else {
                throw DLError(.truncated,
                              "\(label): bytes [\(record.offset), +\(record.storedSize)) lie past the end of the \(section.count)-byte blob section")
            }
            switch record.codec {
            case .raw:
                guard record.storedSize == record.rawSize else {
                    throw DLError(.invalidModel, "\(label): raw blob stores \(record.storedSize) bytes for a raw size of \(record.rawSize)")
                }
                guard record.filter == .none else {
                    throw DLError(.invalidModel, "\(label): filter \(record.filter.name) on a raw blob (filters apply only with zstd)")
                }
            case .zstd:
                let (bound, boundOverflow) = record.storedSize.multipliedReportingOverflow(by: maxZstdExpansion)
                guard boundOverflow || record.rawSize <= bound else {
                    throw DLError(.limitExceeded,
                                  "\(label): \(record.storedSize) zstd bytes cannot decode to the declared \(record.rawSize)")
                }
            }
            order.append(i)
        }
        // In offset order, to find overlaps and check the gaps between blobs.
        order.sort { decoded.blobs[$0]!.offset < decoded.blobs[$1]!.offset }
        var cursor = 0
        for i in order {
            let record = decoded.blobs[i]!
            guard record.offset >= cursor else {
                throw DLError(.invalidModel, "\(source): blob of tensor \(i) at \(record.offset) overlaps the blob before it (ending at \(cursor))")
            }
            try requireZero(section, cursor, record.offset, "before the blob of tensor \(i)", source)
            cursor = record.offset + record.storedSize
        }
        try requireZero(section, cursor, section.count, "after the last blob", source)
    }

    private static func decodeZstd(_ stored: UnsafeRawBufferPointer, record: BlobRecord, dtype: DType,
                                   storage: ModelStorage, what: String) throws(DLError) -> UnsafeRawBufferPointer {
        let out = try storage.allocate(record.rawSize, for: what)
        switch record.filter {
        case .none:
            try Zstd.decompress(stored, into: out, what: what)
        case .byteShuffle:
            // Decode into a scratch buffer, then undo the shuffle into the owned one.
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(record.rawSize, 1), alignment: 64)
            defer { scratch.deallocate() }
            let planes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<record.rawSize])
            try Zstd.decompress(stored, into: planes, what: what)
            ByteShuffle.unshuffle(UnsafeRawBufferPointer(planes), elementSize: dtype.byteSize, into: out)
        }
        return UnsafeRawBufferPointer(out)
    }

    private static func requireZero(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ where_: String,
                                    _ source: String) throws(DLError) {
        var k = start
        while k < end {
            guard bytes[k] == 0 else {
                throw DLError(.invalidModel, "\(source): nonzero padding byte at offset \(k) \(where_)")
            }
            k += 1
        }
    }
}
