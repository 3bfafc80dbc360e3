/// How ops split their work over the kernels' thread pool (see `Dispatch.parallelFor` and
/// `Dispatch.threads(_:macs:bytes:)`, the one split rule).
enum Parallel {
    /// Runs `body(task)` for every task in 0..<tasks on up to `threads` threads (the caller's
    /// among them); 1 thread runs them in order here. Tasks must write disjoint memory.
    /// Size `threads` with `Dispatch.threads(_:macs:bytes:)` so that small work stays here.
    static func run(threads: Int, tasks: Int, _ body: (Int) -> Void) {
        Dispatch.parallelFor(threads: threads, tasks: tasks, body)
    }
}
