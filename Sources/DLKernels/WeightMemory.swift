import CDLKernels

/// Memory for weights that live as long as a model: 64-byte aligned, and on transparent huge
/// pages when at least 2 MiB (Linux): a batch-1 layer streams all of its weights every call,
/// and weights beyond the TLB's reach in 4 KiB pages cost a page walk per page.
public enum WeightMemory {
    /// `byteCount` bytes (at least 1). Running out of memory stops the program, as
    /// `UnsafeMutableRawPointer.allocate` does.
    public static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        precondition(byteCount >= 0, "WeightMemory: negative size \(byteCount)")
        guard let p = dlk_weights_alloc(max(byteCount, 1)) else {
            fatalError("WeightMemory: out of memory allocating \(byteCount) bytes")
        }
        return p
    }

    /// Frees what `allocate` returned.
    public static func deallocate(_ p: UnsafeMutableRawPointer) { dlk_weights_free(p) }
}
