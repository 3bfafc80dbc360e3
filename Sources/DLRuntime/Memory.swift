#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DLCore

/// Allocations whose size comes from the caller or the model file: a failure is an
/// `outOfMemory` error, never a trap (Swift's own allocator traps when malloc fails).
enum Memory {
    /// Largest single tensor or arena the runtime will try to allocate (16 TiB): sizes
    /// beyond it are `limitExceeded`, and sums of a graph's tensors cannot overflow.
    static let maxBytes = 1 << 44

    static func allocate(_ bytes: Int, alignment: Int = 64, for what: String) throws(DLError) -> UnsafeMutableRawPointer {
        guard bytes <= maxBytes else {
            throw DLError(.limitExceeded, "\(what) needs \(bytes) bytes, more than the limit of \(maxBytes)")
        }
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        var p: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&p, alignment, max(bytes, alignment)) == 0, let p else {
            throw DLError(.outOfMemory, "cannot allocate \(bytes) bytes for \(what)")
        }
        return p
        #else
        // Embedded targets without a C library module: the runtime's allocator (traps on failure).
        return UnsafeMutableRawPointer.allocate(byteCount: max(bytes, alignment), alignment: alignment)
        #endif
    }

    /// Frees what `allocate` returned (nil is ignored).
    static func release(_ p: UnsafeMutableRawPointer?) {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        free(p)
        #else
        p?.deallocate()
        #endif
    }
}
