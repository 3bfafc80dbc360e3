import CDLKernels

/// Splits an op's work over the GEMM helper's sleeping thread pool (`dlk_parallel_for`).
enum Parallel {
    /// Runs `body(task)` for every task in 0..<tasks on up to `threads` threads (the caller's
    /// among them); 1 thread runs them in order here. Tasks must write disjoint memory.
    static func run(threads: Int, tasks: Int, _ body: (Int) -> Void) {
        if threads <= 1 || tasks <= 1 {
            for t in 0..<tasks { body(t) }
            return
        }
        withoutActuallyEscaping(body) { task in
            var context = task
            withUnsafeMutablePointer(to: &context) { ctx in
                dlk_parallel_for(Int32(clamping: threads), Int32(clamping: tasks), { raw, t in
                    raw!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(t))
                }, ctx)
            }
        }
    }
}
