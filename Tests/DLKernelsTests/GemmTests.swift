import Testing
import DLCore
@testable import DLKernels
import _TestSupport

/// Random matrices in [-1, 1) from a seeded generator.
func randomFloats(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1..<1, using: &rng) }
}

/// (m, n, k): awkward sizes around every tile edge, batch 1 (GEMV), a long k, a wide n, narrow last tiles.
let gemmShapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 3, 7), (3, 7, 17), (7, 17, 3), (17, 63, 65), (63, 65, 127), (65, 127, 63),
    (127, 17, 1000), (1, 1000, 65), (1, 65, 1000), (1000, 7, 17), (13, 33, 300), (2, 1, 9),
    (3, 4500, 5),   // more columns than one NC block (4096)
    (9, 48, 33), (13, 40, 20),   // a last tile exactly one vector wide (AVX-512 / AVX2): the narrow kernel
    (5, 40, 1500),  // more than one k block of prepacked B (1024)
    (1, 2100, 13),  // GEMV over more than two accumulator chunks (1024 columns), rows left after groups of 8
]

/// One fp32 product checked against `GemmReference` with the rounding bound of a reordered
/// sum: |c − ref| ≤ 1e-6·(k + 2)·|alpha|·Σp|a||b| + 1e-6·|beta·c₀| (about 8·k·ε; a wrong
/// element is off by the size of the element itself).
/// With `bias`/`activation`, the epilogue act(· + bias[j]) is applied to the reference too.
func checkSgemm(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float,
                threads: Int, packed: Bool, seed: UInt64, bias: Bool = false,
                activation: FusedActivation? = nil) -> Bool {
    var rng = SeededGenerator(seed: seed)
    let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2
    let a = randomFloats(lda * (transA ? k : m), &rng)
    let b = randomFloats(ldb * (transB ? n : k), &rng)
    let c0 = randomFloats(ldc * m, &rng)
    var expected = c0, got = c0
    var bound = [Float](repeating: 0, count: ldc * m)
    let absA = a.map(abs), absB = b.map(abs)
    GemmReference.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                        b: b, ldb: ldb, beta: beta, c: &expected, ldc: ldc)
    GemmReference.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: abs(alpha), a: absA,
                        lda: lda, b: absB, ldb: ldb, beta: 0, c: &bound, ldc: ldc)
    let biasValues = bias ? randomFloats(n, &rng) : []
    if bias || activation != nil {
        for i in 0..<m {
            for j in 0..<n {
                var v = expected[i * ldc + j] + (bias ? biasValues[j] : 0)
                switch activation ?? .none {
                case .none: break
                case .relu: v = v > 0 ? v : 0
                case .relu6: v = min(v > 0 ? v : 0, 6)
                }
                expected[i * ldc + j] = v
                if bias { bound[i * ldc + j] += abs(biasValues[j]) }
            }
        }
    }
    if let activation {
        biasValues.withUnsafeBufferPointer { bv in
            let biasPointer = bias ? bv.baseAddress : nil
            if packed {
                let w = Gemm.PackedMatrix(transposed: transB, k: k, n: n, b: b, ldb: ldb)
                w.multiply(transA: transA, m: m, alpha: alpha, a: a, lda: lda, beta: beta, c: &got, ldc: ldc,
                           bias: biasPointer, activation: activation, threads: threads)
            } else {
                Gemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                           b: b, ldb: ldb, beta: beta, c: &got, ldc: ldc, bias: biasPointer,
                           activation: activation, threads: threads)
            }
        }
    } else if packed {
        let w = Gemm.PackedMatrix(transposed: transB, k: k, n: n, b: b, ldb: ldb)
        w.multiply(transA: transA, m: m, alpha: alpha, a: a, lda: lda, beta: beta, c: &got, ldc: ldc,
                   threads: threads)
    } else {
        Gemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: &got, ldc: ldc, threads: threads)
    }
    for i in 0..<m {
        for j in 0..<n {
            let idx = i * ldc + j
            let tol = 1e-6 * Float(k + 2) * bound[idx] + 1e-6 * abs(beta * c0[idx]) + 1e-30
            if !(abs(got[idx] - expected[idx]) <= tol) { return false }
        }
        // Padding between rows is never written.
        for j in n..<ldc where got[i * ldc + j] != c0[i * ldc + j] { return false }
    }
    return true
}

/// Kernel tests that force instruction-set levels run one at a time (the level is global).
@Suite(.serialized) struct KernelLevelTests {
    @Test("sgemm matches the reference at every level, shape, transpose and thread count",
          arguments: Dispatch.available)
    func sgemmAllShapes(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var seed: UInt64 = 1
        for (m, n, k) in gemmShapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for threads in [1, 2] {
                        seed += 1
                        let beta: Float = seed % 3 == 0 ? 0 : 0.5
                        #expect(checkSgemm(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 1.25,
                                           beta: beta, threads: threads, packed: false, seed: seed),
                                "\(isa) m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB) threads=\(threads)")
                    }
                }
            }
        }
    }

    @Test("prepacked B matches the reference at every level", arguments: Dispatch.available)
    func packedAllShapes(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var seed: UInt64 = 500
        for (m, n, k) in gemmShapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    seed += 1
                    #expect(checkSgemm(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 0.75,
                                       beta: seed % 2 == 0 ? 0 : 1, threads: Int(seed % 2) + 1, packed: true,
                                       seed: seed),
                            "\(isa) m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB)")
                }
            }
        }
    }

    @Test("the bias and activation epilogue matches the reference at every level, packed or not",
          arguments: Dispatch.available)
    func epilogueAllShapes(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var seed: UInt64 = 900
        let activations: [FusedActivation] = [.none, .relu, .relu6]
        for (m, n, k) in gemmShapes + [(64, 128, 64), (12, 32, 0), (65, 33, 3)] {
            for packed in [false, true] {
                seed += 1
                let activation = activations[Int(seed % 3)]
                let transA = seed % 4 == 1, transB = seed % 5 < 2
                // alpha 3 and beta 1: values well beyond 6, so relu6 clips some
                #expect(checkSgemm(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 3,
                                   beta: seed % 2 == 0 ? 0 : 1, threads: Int(seed % 2) + 1, packed: packed,
                                   seed: seed, bias: seed % 7 != 0, activation: activation),
                        "\(isa) m=\(m) n=\(n) k=\(k) packed=\(packed) \(activation)")
            }
        }
    }

    @Test("relu in the epilogue turns NaN into 0, as Relu does", arguments: Dispatch.available)
    func epilogueReluOfNaN(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        for (m, n, k) in [(1, 40, 3), (30, 40, 3), (13, 7, 2)] {
            let a = [Float](repeating: .nan, count: m * k), b = [Float](repeating: 1, count: k * n)
            let bias = [Float](repeating: 1, count: n)
            var c = [Float](repeating: 5, count: m * n)
            Gemm.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                       beta: 0, c: &c, ldc: n, bias: bias, activation: .relu)
            #expect(c.allSatisfy { $0 == 0 }, "\(isa) \(m)×\(n)×\(k)")
        }
    }

    @Test("a matrix packed at the top level still multiplies correctly with a lower level forced")
    func packedThenLowered() throws {
        var rng = SeededGenerator(seed: 77)
        let (m, n, k) = (9, 70, 45)
        let a = randomFloats(m * k, &rng), b = randomFloats(k * n, &rng)
        let w = Gemm.PackedMatrix(transposed: false, k: k, n: n, b: b, ldb: n)
        var expected = [Float](repeating: 0, count: m * n)
        GemmReference.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b,
                            ldb: n, beta: 0, c: &expected, ldc: n)
        for isa in Dispatch.available {
            try Dispatch.force(isa)
            for rows in [1, m] {
                var got = [Float](repeating: .nan, count: m * n)
                w.multiply(m: rows, a: a, lda: k, c: &got, ldc: n)
                #expect(allClose(Array(got[0..<rows * n]), Array(expected[0..<rows * n]), rtol: 1e-4, atol: 1e-4),
                        "forced \(isa), rows \(rows)")
            }
        }
        Dispatch.reset()
    }

    @Test("beta = 0 never reads C: NaN there does not propagate", arguments: Dispatch.available)
    func betaZeroIgnoresGarbage(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        for (m, n, k) in [(1, 40, 20), (30, 40, 20), (5, 3, 0)] {
            let a = [Float](repeating: 1, count: m * max(k, 1)), b = [Float](repeating: 2, count: max(k, 1) * n)
            var c = [Float](repeating: .nan, count: m * n)
            Gemm.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: max(k, 1), b: b,
                       ldb: n, beta: 0, c: &c, ldc: n, threads: 2)
            #expect(c.allSatisfy { $0 == Float(2 * k) }, "\(isa) \(m)×\(n)×\(k)")
        }
    }
}
