import Testing
import DLCore
@testable import DLKernels
import _TestSupport

/// (m, n, k): k not a multiple of 4, every tile edge, batch 1, long k.
let int8Shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 3, 7), (3, 7, 17), (7, 17, 3), (17, 63, 65), (63, 65, 127), (65, 127, 63),
    (127, 17, 1000), (1, 1000, 65), (1, 65, 1000), (1000, 7, 17), (13, 33, 300), (2, 1, 9), (12, 32, 4),
]

/// Runs all three output stages against `GemmInt8Reference` and demands bit-exact results.
func checkInt8(m: Int, n: Int, k: Int, transposed: Bool, threads: Int, seed: UInt64) -> Bool {
    var rng = SeededGenerator(seed: seed)
    let lda = k + 5, ldw = (transposed ? k : n) + 3, ldc = n + 1
    let a = (0..<m * lda).map { _ in Int8.random(in: -128...127, using: &rng) }
    let w = (0..<ldw * (transposed ? n : k)).map { _ in Int8.random(in: -127...127, using: &rng) }
    let za = Int32.random(in: -128...127, using: &rng)
    let bias = (0..<n).map { _ in Int32.random(in: -5000...5000, using: &rng) }
    let multipliers = (0..<n).map { _ in Float.random(in: 1e-5...2e-3, using: &rng) }
    let floatBias = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
    let zo = Int32.random(in: -20...20, using: &rng)
    let range: ClosedRange<Int32> = seed % 2 == 0 ? -128...127 : 0...127   // 0...127: fused ReLU
    let perChannel = seed % 3 != 0
    let scales = perChannel ? multipliers : [multipliers[0]]

    let acc = GemmInt8Reference.accumulators(m: m, n: n, k: k, a: a, lda: lda, aZeroPoint: za,
                                             transposed: transposed, w: w, ldw: ldw, bias: bias)
    let q = GemmInt8Reference.requantize(acc, n: n, multipliers: scales, outputZeroPoint: zo, outputRange: range)
    let f = GemmInt8Reference.dequantize(acc, n: n, scales: scales, floatBias: floatBias)

    let packed = GemmInt8.PackedWeights(transposed: transposed, k: k, n: n, weights: w, ldw: ldw)
    var c32 = [Int32](repeating: 0, count: m * ldc)
    var c8 = [Int8](repeating: 0, count: m * ldc)
    var cf = [Float](repeating: 0, count: m * ldc)
    GemmInt8.int32(m: m, a: a, lda: lda, aZeroPoint: za, weights: packed, bias: bias, c: &c32, ldc: ldc,
                   threads: threads)
    GemmInt8.requantized(m: m, a: a, lda: lda, aZeroPoint: za, weights: packed, bias: bias,
                         multipliers: scales, perChannel: perChannel, outputZeroPoint: zo, outputRange: range,
                         c: &c8, ldc: ldc, threads: threads)
    GemmInt8.dequantized(m: m, a: a, lda: lda, aZeroPoint: za, weights: packed, bias: bias, scales: scales,
                         perChannel: perChannel, floatBias: floatBias, c: &cf, ldc: ldc, threads: threads)
    for i in 0..<m {
        for j in 0..<n {
            let r = i * n + j, o = i * ldc + j
            if c32[o] != acc[r] || c8[o] != q[r] || cf[o].bitPattern != f[r].bitPattern { return false }
        }
    }
    return true
}

extension KernelLevelTests {
    @Test("int8 GEMM is bit-exact with the reference at every level, shape and output stage",
          arguments: Dispatch.available)
    func int8AllShapes(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var seed: UInt64 = 1000
        for (m, n, k) in int8Shapes {
            for transposed in [false, true] {
                for threads in [1, 2] {
                    seed += 1
                    #expect(checkInt8(m: m, n: n, k: k, transposed: transposed, threads: threads, seed: seed),
                            "\(isa) m=\(m) n=\(n) k=\(k) transposed=\(transposed) threads=\(threads)")
                }
            }
        }
    }

    @Test("int8 weights packed at the top level stay bit-exact with a lower level forced")
    func int8PackedThenLowered() throws {
        var rng = SeededGenerator(seed: 4242)
        let (m, n, k) = (5, 45, 37)
        let a = (0..<m * k).map { _ in Int8.random(in: -128...127, using: &rng) }
        let w = (0..<k * n).map { _ in Int8.random(in: -127...127, using: &rng) }
        let packed = GemmInt8.PackedWeights(transposed: false, k: k, n: n, weights: w, ldw: n)
        let expected = GemmInt8Reference.accumulators(m: m, n: n, k: k, a: a, lda: k, aZeroPoint: -3,
                                                      transposed: false, w: w, ldw: n, bias: nil)
        for isa in Dispatch.available {
            try Dispatch.force(isa)
            var c = [Int32](repeating: 0, count: m * n)
            GemmInt8.int32(m: m, a: a, lda: k, aZeroPoint: -3, weights: packed, c: &c, ldc: n)
            #expect(c == expected, "forced \(isa)")
        }
        Dispatch.reset()
    }

    @Test("extreme inputs: all −128 activations against ±127 weights, zero point 127")
    func int8Extremes() throws {
        for isa in Dispatch.available {
            try Dispatch.force(isa)
            let (m, n, k) = (3, 20, 2048)
            let a = [Int8](repeating: -128, count: m * k)
            let w = (0..<k * n).map { Int8($0 % 2 == 0 ? 127 : -127) }
            let packed = GemmInt8.PackedWeights(transposed: false, k: k, n: n, weights: w, ldw: n)
            var c = [Int32](repeating: 0, count: m * n)
            GemmInt8.int32(m: m, a: a, lda: k, aZeroPoint: 127, weights: packed, c: &c, ldc: n, threads: 2)
            let expected = GemmInt8Reference.accumulators(m: m, n: n, k: k, a: a, lda: k, aZeroPoint: 127,
                                                          transposed: false, w: w, ldw: n, bias: nil)
            #expect(c == expected, "\(isa)")
        }
        Dispatch.reset()
    }
}
