import _TestSupport

/// Helpers for the op kernel tests: seeded data and gradient checks.
struct TestData {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &rng) }
    }

    mutating func int8s(_ count: Int, in range: ClosedRange<Int8> = -128...127) -> [Int8] {
        (0..<count).map { _ in Int8.random(in: range, using: &rng) }
    }

    mutating func int32s(_ count: Int, in range: ClosedRange<Int32>) -> [Int32] {
        (0..<count).map { _ in Int32.random(in: range, using: &rng) }
    }
}

/// Σ a·b in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    var s: Double = 0
    for i in a.indices { s += Double(a[i]) * Double(b[i]) }
    return s
}

/// Central finite differences of `loss` at `x`, one coordinate at a time.
func numericGradient(_ x: [Float], eps: Float = 1e-2, _ loss: ([Float]) -> Double) -> [Float] {
    var g = [Float](repeating: 0, count: x.count)
    var xp = x
    for i in x.indices {
        xp[i] = x[i] + eps
        let up = loss(xp)
        xp[i] = x[i] - eps
        let down = loss(xp)
        xp[i] = x[i]
        g[i] = Float((up - down) / (2 * Double(eps)))
    }
    return g
}

/// |a − b| <= atol + rtol·max|b| for every element: a scale-aware comparison for gradients.
func closeRelativeToMax(_ a: [Float], _ b: [Float], rtol: Float = 1e-3, atol: Float = 1e-3) -> Bool {
    guard a.count == b.count else { return false }
    let scale = b.reduce(0) { max($0, abs($1)) }
    for i in a.indices where !(abs(a[i] - b[i]) <= atol + rtol * scale) { return false }
    return true
}

/// Runs `body` with a scratch buffer of `bytes` bytes (at least 1), 64-byte aligned.
func withScratch<R>(_ bytes: Int, _ body: (UnsafeMutableRawPointer) -> R) -> R {
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
    defer { p.deallocate() }
    return body(p)
}
