/// Settings for how training computes: shared by every op in this module.
public enum Compute {
    /// Threads handed to the GEMM kernel (1 means exactly one). Results do not depend on it
    /// as long as the kernel splits work deterministically, which DLKernels guarantees.
    nonisolated(unsafe) public static var threads = 1
}
