import DLKernels
import Foundation

/// Settings for how training computes: shared by every op in this module.
public enum Compute {
    /// Threads the ops may use (1 means exactly one). Results do not depend on it: the kernels
    /// split work deterministically (DLKernels guarantees it), so neither does the per-op choice
    /// below.
    nonisolated(unsafe) public static var threads = 1

    /// Below this many multiply-adds an op runs on one thread: waking a helper and waiting for it
    /// costs more than the split saves (the MLP's and the CNN's dense layers stay on one thread).
    public static let multiplyAddsWorthAThread = 1 << 20

    /// The most threads for an op of `multiplyAdds` work.
    static func threads(forMultiplyAdds multiplyAdds: Int) -> Int {
        multiplyAdds >= multiplyAddsWorthAThread ? threads : 1
    }

    /// Runs `body(threads)` for an op large enough to split, with 1 thread or `threads`,
    /// whichever has measured faster for this op and shape. Helpers only pay when they get a
    /// core: on a machine busy with other work, waiting for one can cost more than the split
    /// saves, so a thread is used only where it has given a speedup here and now.
    static func run<R>(_ op: TunedOp, multiplyAdds: Int, _ body: (Int) -> R) -> R {
        let most = threads(forMultiplyAdds: multiplyAdds)
        guard most > 1 else { return body(1) }
        let (chosen, timed) = ThreadTuner.shared.choice(op, most: most)
        guard timed else { return body(chosen) }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body(chosen)
        ThreadTuner.shared.record(op, threads: chosen, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
        return result
    }
}

/// The ops whose thread count is tuned, with the shape that decides their cost.
enum TunedOp: Hashable {
    case convForward(Conv2DParams)
    case convBackward(Conv2DParams)
    case recurrent(RecurrentParams, gates: Int, backward: Bool)
    case gemm(m: Int, n: Int, k: Int, transA: Bool, transB: Bool)
}

/// Per op: a few timed calls at 1 thread and at the most threads (alternating, so both see
/// the same load), then the faster by median; measured again every `recheck` calls, as the
/// machine's load changes.
final class ThreadTuner: @unchecked Sendable {
    static let shared = ThreadTuner()
    static let samples = 4
    static let recheck = 200

    struct State {
        var single: [UInt64] = []
        var multi: [UInt64] = []
        var useThreads: Bool?
        var callsSinceChoice = 0
    }

    private let lock = NSLock()
    private var states: [TunedOp: State] = [:]

    /// The threads for the next call of `op`, and whether that call is to be timed.
    func choice(_ op: TunedOp, most: Int) -> (threads: Int, timed: Bool) {
        lock.lock()
        defer { lock.unlock() }
        var s = states[op] ?? State()
        defer { states[op] = s }
        if let useThreads = s.useThreads {
            s.callsSinceChoice += 1
            if s.callsSinceChoice < Self.recheck { return (useThreads ? most : 1, false) }
            s = State()
        }
        return (s.single.count <= s.multi.count ? 1 : most, true)
    }

    func record(_ op: TunedOp, threads: Int, nanoseconds: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        var s = states[op] ?? State()
        if threads == 1 { s.single.append(nanoseconds) } else { s.multi.append(nanoseconds) }
        if s.useThreads == nil && s.single.count >= Self.samples && s.multi.count >= Self.samples {
            s.useThreads = median(s.multi) < median(s.single)
        }
        states[op] = s
    }

    private func median(_ v: [UInt64]) -> UInt64 { v.sorted()[v.count / 2] }
}
