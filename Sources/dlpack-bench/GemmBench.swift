import DLKernels

/// fp32 and int8 GEMM against numpy (OpenBLAS), single- and two-thread, in one run: fp32 with
/// B as numpy gets it (unpacked) and prepacked as the runtime's dense layers hold it.
enum GemmBench {
    static let shapes: [(m: Int, n: Int, k: Int)] = [(512, 512, 512), (64, 512, 784), (1, 1024, 1024)]

    /// fp32 GFLOP/s of `Gemm.sgemm` (B unpacked, as numpy gets it).
    static func fp32(m: Int, n: Int, k: Int, threads: Int) -> Double {
        var rng = BenchRandom(seed: 1)
        let a = (0..<m * k).map { _ in rng.float() }, b = (0..<k * n).map { _ in rng.float() }
        var c = [Float](repeating: 0, count: m * n)
        let seconds = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    bestSeconds {
                        Gemm.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                   a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, beta: 0,
                                   c: pc.baseAddress!, ldc: n, threads: threads)
                    }
                }
            }
        }
        return 2.0 * Double(m * n * k) / seconds * 1e-9
    }

    /// fp32 GFLOP/s of a dense layer as the runtime runs it: B packed once at load.
    static func fp32Packed(m: Int, n: Int, k: Int, threads: Int) -> Double {
        var rng = BenchRandom(seed: 1)
        let a = (0..<m * k).map { _ in rng.float() }, b = (0..<k * n).map { _ in rng.float() }
        let packed = Gemm.PackedMatrix(transposed: false, k: k, n: n, b: b, ldb: n)
        var c = [Float](repeating: 0, count: m * n)
        let seconds = a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                bestSeconds { packed.multiply(m: m, a: pa.baseAddress!, lda: k, c: pc.baseAddress!, ldc: n, threads: threads) }
            }
        }
        return 2.0 * Double(m * n * k) / seconds * 1e-9
    }

    /// int8 GOPS of a quantized dense layer: prepacked weights, per-channel requantization
    /// to int8 (what the runtime runs).
    static func int8(m: Int, n: Int, k: Int, threads: Int) -> Double {
        var rng = BenchRandom(seed: 2)
        let a = (0..<m * k).map { _ in Int8(truncatingIfNeeded: rng.next()) }
        let w = (0..<k * n).map { _ in Int8(truncatingIfNeeded: rng.next() % 255) }
        let multipliers = (0..<n).map { _ in 1e-4 + 1e-4 * abs(rng.float()) }
        let packed = GemmInt8.PackedWeights(transposed: false, k: k, n: n, weights: w, ldw: n)
        var c = [Int8](repeating: 0, count: m * n)
        let seconds = a.withUnsafeBufferPointer { pa in
            multipliers.withUnsafeBufferPointer { pm in
                c.withUnsafeMutableBufferPointer { pc in
                    bestSeconds {
                        GemmInt8.requantized(m: m, a: pa.baseAddress!, lda: k, aZeroPoint: 3, weights: packed,
                                             multipliers: pm.baseAddress!, perChannel: true, outputZeroPoint: -2,
                                             c: pc.baseAddress!, ldc: n, threads: threads)
                    }
                }
            }
        }
        return 2.0 * Double(m * n * k) / seconds * 1e-9
    }

    /// numpy's fp32 GFLOP/s per shape for `threads`, and its BLAS description.
    static func numpy(threads: Int) -> (blas: String, gflops: [String: Double]) {
        let specs = shapes.map { "\($0.m)x\($0.n)x\($0.k)" }
        guard let lines = runPythonPeer(script: "gemm_peer.py", arguments: specs, threads: threads) else {
            return ("unavailable", [:])
        }
        var blas = "unknown", result: [String: Double] = [:]
        for line in lines {
            let f = line.split(separator: " ")
            if f.first == "blas" { blas = f.dropFirst().joined(separator: " ") }
            if f.count == 5, f[0] == "fp32", let g = Double(f[4]) { result["\(f[1])x\(f[2])x\(f[3])"] = g }
        }
        return (blas, result)
    }

    static func run(rounds: Int) {
        print("GEMM: dlpack (ISA \(Dispatch.active)) vs numpy; best of \(rounds) rounds, each best-of-N")
        for threads in [1, 2] {
            var mine: [String: Double] = [:], mine8: [String: Double] = [:], peer: [String: Double] = [:]
            var packed: [String: Double] = [:]
            var blas = ""
            for _ in 0..<rounds {   // alternate the two sides so both see the same machine load
                for s in shapes {
                    let key = "\(s.m)x\(s.n)x\(s.k)"
                    mine[key] = max(mine[key] ?? 0, fp32(m: s.m, n: s.n, k: s.k, threads: threads))
                    packed[key] = max(packed[key] ?? 0, fp32Packed(m: s.m, n: s.n, k: s.k, threads: threads))
                    mine8[key] = max(mine8[key] ?? 0, int8(m: s.m, n: s.n, k: s.k, threads: threads))
                }
                let np = numpy(threads: threads)
                blas = np.blas
                for (key, g) in np.gflops { peer[key] = max(peer[key] ?? 0, g) }
            }
            print("\n\(threads) thread\(threads == 1 ? "" : "s")   numpy BLAS: \(blas)")
            print(pad("m×n×k", 16) + pad("dlpack fp32", 14) + pad("numpy fp32", 13) + pad("ratio", 8)
                  + pad("packed fp32", 14) + pad("ratio", 8) + pad("dlpack int8", 14) + "int8/fp32")
            print(pad("", 16) + pad("GFLOP/s", 14) + pad("GFLOP/s", 13) + pad("", 8) + pad("GFLOP/s", 14)
                  + pad("", 8) + pad("GOPS", 14))
            for s in shapes {
                let key = "\(s.m)x\(s.n)x\(s.k)"
                let f = mine[key] ?? 0, i = mine8[key] ?? 0, fp = packed[key] ?? 0
                let p = peer[key]
                let ratio = { (g: Double) in p.map { fmt(g / $0, 2) + "×" } ?? "n/a" }
                print(pad(key, 16) + pad(fmt(f), 14) + pad(p.map { fmt($0) } ?? "n/a", 13) + pad(ratio(f), 8)
                      + pad(fmt(fp), 14) + pad(ratio(fp), 8) + pad(fmt(i), 14) + fmt(i / f, 2) + "×")
            }
        }
    }
}

/// Formats with `digits` decimals, without Foundation.
func fmt(_ x: Double, _ digits: Int = 1) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = Int((abs(x) * scale).rounded())
    let whole = r / Int(scale), frac = r % Int(scale)
    var f = String(frac)
    while f.count < digits { f = "0" + f }
    return (x < 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

/// SplitMix64 for benchmark data.
struct BenchRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func float() -> Float { Float(Int64(bitPattern: next()) >> 40) / Float(1 << 23) }
}
