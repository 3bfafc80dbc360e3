#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic seconds.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The best time of `body` over at least `minReps` runs and `minTime` seconds (after a warm-up).
/// Best-of-N: the machine is shared, so the fastest run is the one least disturbed.
func bestSeconds(minTime: Double = 0.25, minReps: Int = 5, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity, total = 0.0, reps = 0
    while total < minTime || reps < minReps {
        let t0 = now()
        body()
        let dt = now() - t0
        best = min(best, dt)
        total += dt
        reps += 1
    }
    return best
}
