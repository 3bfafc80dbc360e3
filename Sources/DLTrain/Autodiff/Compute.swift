/// Settings for how training computes: shared by every op in this module.
public enum Compute {
    /// Threads the ops may use (1 means exactly one). Results do not depend on it as long as
    /// the kernels split work deterministically, which DLKernels guarantees.
    nonisolated(unsafe) public static var threads = 1

    /// Below this many multiply-adds an op runs on one thread: waking a helper and waiting for it
    /// costs more than the split saves (the MLP's and the CNN's dense layers stay on one thread,
    /// the CNN's convolutions split their batch).
    public static let multiplyAddsWorthAThread = 1 << 20

    /// The threads for an op of `multiplyAdds` work.
    static func threads(forMultiplyAdds multiplyAdds: Int) -> Int {
        multiplyAdds >= multiplyAddsWorthAThread ? threads : 1
    }
}
