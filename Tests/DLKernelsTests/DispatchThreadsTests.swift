import Testing
import CDLKernels
import DLCore
@testable import DLKernels
import _TestSupport
#if canImport(Glibc)
import Glibc
#endif

// Nested in KernelLevelTests (serialized): these compare the bits of calls made one after the
// other, which only holds while no other test changes the global ISA level in between.
extension KernelLevelTests {
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

    @Test func swiftParallelForCoversEveryTaskOnce() {
        for threads in [1, 2, 4] {
            var counts = [Int](repeating: 0, count: 37)
            counts.withUnsafeMutableBufferPointer { buf in
                let base = buf.baseAddress!
                Dispatch.parallelFor(threads: threads, tasks: 37) { task in base[task] += 1 }
            }
            #expect(counts.allSatisfy { $0 == 1 }, "threads \(threads)")
        }
    }

    @Test func manyCallsInARowWithChangingThreadCountsRunEveryTaskOnce() {
        // Back to back (helpers still polling), after a pause (helpers asleep), and more tasks
        // than the pool's claim word holds (65535: tasks then go in contiguous runs).
        var seed = SeededGenerator(seed: 7)
        for call in 0..<300 {
            let threads = Int.random(in: 1...4, using: &seed)
            let tasks = call == 100 ? 70_000 : Int.random(in: 1...40, using: &seed)
            if call % 50 == 0 { usleep(20_000) }
            var counts = [UInt8](repeating: 0, count: tasks)
            counts.withUnsafeMutableBufferPointer { buf in
                let base = buf.baseAddress!
                Dispatch.parallelFor(threads: threads, tasks: tasks) { base[$0] &+= 1 }
            }
            #expect(counts.allSatisfy { $0 == 1 }, "call \(call): threads \(threads) tasks \(tasks)")
        }
    }

    // MARK: - The split rule

    @Test func smallWorkStaysOnTheCallingThread() {
        #expect(Dispatch.threads(1, macs: 1e12, bytes: 1e9) == 1)
        #expect(Dispatch.threads(0, macs: 1e12) == 1)
        #expect(Dispatch.threads(2, macs: 64 * 64 * 128) == 1)        // the digits MLP's first layer at batch 64
        #expect(Dispatch.threads(2, macs: 1 * 128 * 64, bytes: 4 * 128 * 64) == 1)
        #expect(Dispatch.threads(2, macs: .nan) == 1)
        #expect(Dispatch.threads(2, macs: 512 * 512 * 512) == 2)
        #expect(Dispatch.threads(2, macs: 1024 * 1024, bytes: 4 * 1024 * 1024) == 2)   // a GEMV streams its weights
        #expect(Dispatch.threads(64, macs: 512 * 512 * 512) == 64)
        // Each thread gets at least a minimum share: more work never means fewer threads.
        var last = 1
        for exponent in 10...30 {
            let t = Dispatch.threads(8, macs: Double(1 << exponent))
            #expect(t >= last && t <= 8)
            last = t
        }
        #expect(last == 8)
    }

    @Test func unitsAreAFewPerThreadWithinTheLimit() {
        #expect(Dispatch.units(threads: 1, macs: 1e12, limit: 100) == 1)
        let big = Dispatch.units(threads: 2, macs: 1e12, limit: 100)
        #expect(big > 2 && big <= 100)
        #expect(Dispatch.units(threads: 2, macs: 1e12, limit: 3) == 3)
        #expect(Dispatch.units(threads: 2, macs: 1e12, limit: 0) == 1)
        // Just enough work for two threads: one unit each, not smaller ones.
        let two = Dispatch.units(threads: 2, macs: 2 * 600_000, limit: 100)
        #expect(two == 2)
    }

    /// (m, n, k) on both sides of the split threshold: batch 1 (GEMV), thin and square products.
    static let straddling: [(Int, Int, Int)] = [
        (64, 64, 128), (64, 128, 64), (64, 10, 64), (64, 128, 160), (64, 256, 128), (96, 160, 100),
        (1, 128, 64), (1, 512, 784), (1, 1024, 1024), (1, 300, 257), (3, 777, 301), (200, 70, 90),
        (257, 33, 129), (130, 300, 65), (512, 40, 70),
    ]

    @Test func straddlingShapesIncludeBothSidesOfTheThreshold() {
        let split = Self.straddling.map { m, n, k in
            Dispatch.threads(2, macs: Double(m * n * k), bytes: Double(4 * (m * k + k * n + m * n)))
        }
        #expect(split.contains(1) && split.contains(2))
    }

    @Test("fp32 GEMM gives the same bits on 1 and 2 threads, below and above the split threshold",
          arguments: [false, true])
    func sgemmSameOnOneAndTwoThreads(packed: Bool) {
        var rng = SeededGenerator(seed: 41)
        for (m, n, k) in Self.straddling {
            for (transA, transB) in [(false, false), (true, false), (false, true)] {
                let a = randomFloats(m * k, &rng), b = randomFloats(k * n, &rng), bias = randomFloats(n, &rng)
                let packedB = b.withUnsafeBufferPointer {
                    Gemm.PackedMatrix(transposed: transB, k: k, n: n, b: $0.baseAddress!, ldb: transB ? k : n)
                }
                var results: [[Float]] = []
                for threads in [1, 2, 1, 2] {
                    var c = [Float](repeating: .nan, count: m * n)
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                if packed {
                                    packedB.multiply(transA: transA, m: m, a: pa.baseAddress!, lda: transA ? m : k,
                                                     c: pc.baseAddress!, ldc: n, bias: bias, activation: .relu,
                                                     threads: threads)
                                } else {
                                    Gemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                                               a: pa.baseAddress!, lda: transA ? m : k, b: pb.baseAddress!,
                                               ldb: transB ? k : n, beta: 0, c: pc.baseAddress!, ldc: n,
                                               bias: bias, activation: .relu, threads: threads)
                                }
                            }
                        }
                    }
                    results.append(c)
                }
                let same = results.allSatisfy { $0.map(\.bitPattern) == results[0].map(\.bitPattern) }
                #expect(same, "\(m)×\(n)×\(k) transA \(transA) transB \(transB) packed \(packed)")
                // and right: against the reference, as the GEMM tests check it
                var expected = [Float](repeating: 0, count: m * n)
                GemmReference.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a,
                                    lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: 0, c: &expected, ldc: n)
                for i in 0..<m { for j in 0..<n { expected[i * n + j] = max(0, expected[i * n + j] + bias[j]) } }
                #expect(allClose(results[1], expected, rtol: 1e-4, atol: 1e-4), "\(m)×\(n)×\(k)")
            }
        }
    }

    @Test func int8GemmIsExactOnOneAndTwoThreadsAcrossTheThreshold() {
        var seed: UInt64 = 500
        for (m, n, k) in Self.straddling + [(64, 512, 784), (1, 1024, 1024), (128, 256, 512)] {
            for threads in [1, 2] {
                #expect(checkInt8(m: m, n: n, k: k, transposed: true, threads: threads, seed: seed),
                        "\(m)×\(n)×\(k) threads \(threads)")
            }
            seed += 1
        }
    }
}
}
