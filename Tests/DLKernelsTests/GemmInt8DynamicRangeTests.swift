import Testing
import CDLKernels
import DLCore
@testable import DLKernels
import _TestSupport

extension KernelLevelTests {
    @Test("min/max skips NaN and agrees with Swift's min and max at every level", arguments: Dispatch.available)
    func minmax(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        for count in [0, 1, 7, 8, 9, 17, 31, 32, 33, 63, 64, 65, 200, 1000] {
            var rng = SeededGenerator(seed: UInt64(count) + 3)
            var x = (0..<count).map { _ in Float.random(in: -50...20, using: &rng) }
            if count > 2 { x[count / 2] = .nan; x[count - 1] = .nan; x[1] = .nan }
            var lo: Float = 1, hi: Float = -1
            dlk_minmax_f32(count, x, &lo, &hi)
            let finite = x.filter { !$0.isNaN }
            #expect(lo == (finite.min() ?? 0), "\(isa) count \(count)")
            #expect(hi == (finite.max() ?? 0), "\(isa) count \(count)")
            let nans = [Float](repeating: .nan, count: count)
            dlk_minmax_f32(count, nans, &lo, &hi)
            #expect(lo == 0 && hi == 0, "\(isa) count \(count): only NaN")
        }
    }
}

extension KernelLevelTests {
    /// Against the definition: X quantized with `Quantize.asymmetric` over its range (found
    /// here by Swift's min/max), the reference integer product, the reference fp32 stage.
    @Test("dynamic-range int8 GEMM is bit-exact with quantize → reference GEMM → dequantize at every level",
          arguments: Dispatch.available)
    func dynamicRange(isa: ISA) throws {
        try Dispatch.force(isa)
        defer { Dispatch.reset() }
        var seed: UInt64 = 77
        for (m, n, k) in int8Shapes {
            for activation in [FusedActivation.none, .relu, .relu6] {
                seed += 1
                var rng = SeededGenerator(seed: seed)
                let x = (0..<m * k).map { _ in Float.random(in: (seed % 2 == 0 ? -3 : 0.5)...4, using: &rng) }
                let w = (0..<n * k).map { _ in Int8.random(in: -127...127, using: &rng) }
                let perChannel = seed % 3 != 0
                let wScales = (0..<(perChannel ? n : 1)).map { _ in Float.random(in: 1e-3...1e-2, using: &rng) }
                let bias: [Float]? = seed % 4 == 0 ? nil : (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }

                let q = try Quantize.asymmetric(min: x.min()!, max: x.max()!)
                let xq = x.map { Int8(Quantize.quantize($0, scale: q.scales[0], zeroPoint: q.zeroPoints[0])) }
                let acc = GemmInt8Reference.accumulators(m: m, n: n, k: k, a: xq, lda: k, aZeroPoint: q.zeroPoints[0],
                                                         transposed: true, w: w, ldw: k, bias: nil)
                var expected = GemmInt8Reference.dequantize(acc, n: n, scales: wScales.map { q.scales[0] * $0 }, floatBias: bias)
                if activation != .none {
                    expected = expected.map { v in let r = v > 0 ? v : 0; return activation == .relu6 ? min(r, 6) : r }
                }

                let packed = GemmInt8.PackedWeights(transposed: true, k: k, n: n, weights: w, ldw: k)
                var got = [Float](repeating: .nan, count: m * n)
                let scratch = UnsafeMutableRawPointer.allocate(
                    byteCount: GemmInt8.dynamicRangeScratchBytes(m: m, k: k, n: n), alignment: 64)
                defer { scratch.deallocate() }
                let threads = seed % 2 == 0 ? 1 : 2
                if let bias {
                    GemmInt8.dynamicRange(m: m, x: x, weights: packed, weightScales: wScales, perChannel: perChannel,
                                          bias: bias, activation: activation, c: &got, ldc: n, scratch: scratch,
                                          threads: threads)
                } else {
                    GemmInt8.dynamicRange(m: m, x: x, weights: packed, weightScales: wScales, perChannel: perChannel,
                                          bias: nil, activation: activation, c: &got, ldc: n, scratch: scratch,
                                          threads: threads)
                }
                let mismatches = zip(got, expected).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(mismatches == 0, "\(isa) m=\(m) n=\(n) k=\(k) \(activation): \(mismatches) of \(m * n) differ")
            }
        }
    }
}
