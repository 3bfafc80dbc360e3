import CDLManifest
import DLCore

/// The memory behind a model's constant tensors: a read-only file mapping, a borrowed
/// buffer, and/or 64-byte-aligned allocations (decoded zstd blobs, copies). Freed
/// when the last model that uses it goes away.
final class ModelStorage {
    private var mapping: (base: UnsafeRawPointer, size: Int)?
    private var owned: [UnsafeMutableRawPointer] = []
    /// Bytes in `owned`.
    private(set) var ownedBytes = 0

    init() {}

    /// Takes ownership of a mapping made by `dlk_map_file`.
    func adoptMapping(base: UnsafeRawPointer, size: Int) {
        mapping = (base, size)
    }

    /// A new 64-byte-aligned buffer of `count` bytes owned by this storage.
    func allocate(_ count: Int, for what: String) throws(DLError) -> UnsafeMutableRawBufferPointer {
        guard let p = dlk_aligned_alloc(count) else {
            throw DLError(.outOfMemory, "out of memory allocating \(count) bytes for \(what)")
        }
        owned.append(p)
        ownedBytes += count
        return UnsafeMutableRawBufferPointer(start: p, count: count)
    }

    /// A 64-byte-aligned copy of `bytes` owned by this storage.
    func copy(_ bytes: UnsafeRawBufferPointer, for what: String) throws(DLError) -> UnsafeRawBufferPointer {
        let buffer = try allocate(bytes.count, for: what)
        if bytes.count > 0 { buffer.copyMemory(from: bytes) }
        return UnsafeRawBufferPointer(buffer)
    }

    deinit {
        for p in owned { dlk_aligned_free(p) }
        if let mapping { dlk_unmap_file(mapping.base, mapping.size) }
    }
}

/// `Array.withUnsafeBytes` with a body that throws `DLError` (the standard library's
/// version rethrows untyped errors, which the runtime core avoids).
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(DLError) -> R) throws(DLError) -> R {
    var outcome: Result<R, DLError>?
    array.withUnsafeBytes { bytes in
        do throws(DLError) {
            outcome = .success(try body(bytes))
        } catch {
            outcome = .failure(error)
        }
    }
    return try outcome!.get()
}
