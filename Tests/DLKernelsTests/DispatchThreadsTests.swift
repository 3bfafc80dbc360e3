import Testing
import CDLKernels
#if canImport(Glibc)
import Glibc
#endif

/// The kernels' thread pool: every task runs exactly once, and threads = 1 stays on the caller.
@Suite struct DispatchThreadsTests {
    /// Each task records the thread it ran on and counts its runs: [id₀, runs₀, id₁, runs₁, …].
    static func run(threads: Int32, tasks: Int32) -> (ids: [UInt], runs: [UInt]) {
        var slots = [UInt](repeating: 0, count: 2 * Int(tasks))
        slots.withUnsafeMutableBufferPointer { buf in
            dlk_parallel_for(threads, tasks, { ctx, task in
                let slots = ctx!.assumingMemoryBound(to: UInt.self)
                // Some work so that helpers get a chance to take tasks.
                var x: UInt = 1
                for i in 0..<20_000 { x = x &* 6364136223846793005 &+ UInt(i) }
                slots[2 * Int(task)] = UInt(pthread_self()) | (x & 0)
                slots[2 * Int(task) + 1] += 1
            }, buf.baseAddress!)
        }
        return (stride(from: 0, to: slots.count, by: 2).map { slots[$0] },
                stride(from: 1, to: slots.count, by: 2).map { slots[$0] })
    }

    @Test func oneThreadMeansTheCallingThreadOnly() {
        let me = UInt(pthread_self())
        let r = Self.run(threads: 1, tasks: 64)
        #expect(r.ids.allSatisfy { $0 == me })
        #expect(r.runs.allSatisfy { $0 == 1 })
    }

    @Test func everyTaskRunsExactlyOnceWithSeveralThreads() {
        for threads: Int32 in [2, 3, 8] {
            for tasks: Int32 in [1, 2, 7, 100] {
                let r = Self.run(threads: threads, tasks: tasks)
                #expect(r.runs.allSatisfy { $0 == 1 }, "threads \(threads) tasks \(tasks)")
            }
        }
    }

    @Test func concurrentCallersAreServed() async {
        // Two callers at once: one gets the pool, the other plain threads; both complete.
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask { Self.run(threads: 2, tasks: 50).runs.allSatisfy { $0 == 1 } }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
