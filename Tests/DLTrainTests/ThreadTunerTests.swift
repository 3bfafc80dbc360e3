import Testing
import DLKernels
@testable import DLTrain

/// The per-op thread choice: alternate timed calls, then the faster by median, re-measured later.
@Suite struct ThreadTunerTests {
    func op(_ batch: Int) -> TunedOp {
        .convForward(Conv2DParams(batch: batch, inChannels: 1, inHeight: 5, inWidth: 5, outChannels: 1,
                                  kernelHeight: 3, kernelWidth: 3))
    }

    /// Runs the probing phase with the given times (ns) for 1 thread and for `most`.
    func probe(_ tuner: ThreadTuner, _ op: TunedOp, single: UInt64, multi: UInt64, most: Int = 3) -> [Int] {
        var tried: [Int] = []
        for _ in 0..<(2 * ThreadTuner.samples) {
            let (threads, timed) = tuner.choice(op, most: most)
            #expect(timed)
            tried.append(threads)
            tuner.record(op, threads: threads, nanoseconds: threads == 1 ? single : multi)
        }
        return tried
    }

    @Test func keepsTheThreadCountThatMeasuredFaster() {
        let tuner = ThreadTuner()
        // both are tried equally often, alternating
        #expect(probe(tuner, op(1), single: 100, multi: 60) == [1, 3, 1, 3, 1, 3, 1, 3])
        #expect(tuner.choice(op(1), most: 3) == (3, false))
        _ = probe(tuner, op(2), single: 100, multi: 160)
        #expect(tuner.choice(op(2), most: 3) == (1, false))
    }

    @Test func measuresAgainAfterAWhile() {
        let tuner = ThreadTuner()
        _ = probe(tuner, op(1), single: 100, multi: 160)
        for _ in 1..<ThreadTuner.recheck { #expect(tuner.choice(op(1), most: 2) == (1, false)) }
        #expect(tuner.choice(op(1), most: 2).timed)
    }
}
