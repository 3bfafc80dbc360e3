import DLCore
import DLKernels
import Foundation

/// conv2d throughput of dlpack against PyTorch (torch.nn.functional.conv2d), measured in the same run.
/// The peer runs bindings/python/benchmarks/conv2d_peer.py with the same layers; set DLPACK_PYTHON to
/// choose the interpreter. Best-of-runs timing over about half a second per layer, as the peer does.
enum Conv2DBench {
    struct Layer {
        var name: String
        var params: Conv2DParams
        /// n,c,h,w,m,kh,kw,stride,pad,groups for the peer
        var spec: String
    }

    static func layer(_ name: String, n: Int, c: Int, hw: Int, m: Int, k: Int, stride: Int = 1, pad: Int, groups: Int = 1) -> Layer {
        let p = Conv2DParams(batch: n, inChannels: c, inHeight: hw, inWidth: hw, outChannels: m,
                             kernelHeight: k, kernelWidth: k, strides: (stride, stride),
                             pads: (pad, pad, pad, pad), groups: groups)
        return Layer(name: name, params: p, spec: "\(n),\(c),\(hw),\(hw),\(m),\(k),\(k),\(stride),\(pad),\(groups)")
    }

    static let layers: [Layer] = [
        layer("cnn conv1 64x1x28x28 -> 16, 3x3", n: 64, c: 1, hw: 28, m: 16, k: 3, pad: 1),
        layer("cnn conv2 64x16x14x14 -> 32, 3x3", n: 64, c: 16, hw: 14, m: 32, k: 3, pad: 1),
        layer("conv 1x8x28x28 -> 16, 3x3", n: 1, c: 8, hw: 28, m: 16, k: 3, pad: 1),
        layer("conv 64x8x28x28 -> 16, 3x3", n: 64, c: 8, hw: 28, m: 16, k: 3, pad: 1),
        layer("conv 1x64x56x56 -> 64, 3x3", n: 1, c: 64, hw: 56, m: 64, k: 3, pad: 1),
        layer("pointwise 1x64x56x56 -> 128", n: 1, c: 64, hw: 56, m: 128, k: 1, pad: 0),
        layer("depthwise 1x64x56x56, 3x3", n: 1, c: 64, hw: 56, m: 64, k: 3, pad: 1, groups: 64),
    ]

    /// Max pooling, reported in GB/s of input read.
    static let pools: [(name: String, params: Pool2DParams, spec: String)] = [
        ("maxpool 64x16x28x28, 2x2 s2", Pool2DParams(batch: 64, channels: 16, inHeight: 28, inWidth: 28,
                                                      kernel: (2, 2), strides: (2, 2)), "max:64,16,28,28,2,2,0"),
        ("maxpool 1x64x112x112, 3x3 s2 p1", Pool2DParams(batch: 1, channels: 64, inHeight: 112, inWidth: 112,
                                                          kernel: (3, 3), strides: (2, 2), pads: (1, 1, 1, 1)),
         "max:1,64,112,112,3,2,1"),
    ]

    static func seconds(_ body: () -> Void) -> Double {
        for _ in 0..<2 { body() }
        let clock = ContinuousClock()
        var best = Double.infinity
        let deadline = clock.now.advanced(by: .milliseconds(500))
        repeat {
            let t0 = clock.now
            body()
            let d = clock.now - t0
            best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        } while clock.now < deadline
        return best
    }

    static func measure(_ l: Layer, threads: Int) -> Double {
        let p = l.params
        var rng = SystemRandomNumberGenerator()
        let x = (0..<p.inputCount).map { _ in Float.random(in: -1...1, using: &rng) }
        let w = (0..<p.weightCount).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<p.outChannels).map { _ in Float.random(in: -1...1, using: &rng) }
        var y = [Float](repeating: 0, count: p.outputCount)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(Conv2D.scratchByteCount(p, threads: threads), 1),
                                                       alignment: 64)
        defer { scratch.deallocate() }
        // weights packed for the direct kernel where the runtime packs them (stride-1 same-width, not 1×1)
        let direct = Conv2DDirect.supports(p) && p.kernelHeight * p.kernelWidth > 1 ? Conv2DDirect(p, floatWeights: w) : nil
        let best = seconds { Conv2D.forward(p, input: x, weight: w, bias: b, output: &y, scratch: scratch, threads: threads,
                                             scratchThreads: threads, direct: direct) }
        return 2 * Double(p.multiplyAdds) / best / 1e9
    }

    /// Random int8 input, weights and bias, requantization multipliers and parameters, and an
    /// output buffer for one layer.
    static func int8Layer(_ p: Conv2DParams) -> (x: [Int8], w: [Int8], b: [Int32], mult: [Float],
                                                 q: Conv2DInt8Quantization, y: [Int8]) {
        var rng = SystemRandomNumberGenerator()
        return ((0..<p.inputCount).map { _ in Int8.random(in: -128...127, using: &rng) },
                (0..<p.weightCount).map { _ in Int8.random(in: -127...127, using: &rng) },
                (0..<p.outChannels).map { _ in Int32.random(in: -1000...1000, using: &rng) },
                [Float](repeating: 1e-3, count: p.outChannels),
                Conv2DInt8Quantization(inputZeroPoint: 3, outputZeroPoint: -1),
                [Int8](repeating: 0, count: p.outputCount))
    }

    /// int8 convolution on the direct kernel (weights packed once), in GOPS; nil when it does not apply.
    static func measureInt8Direct(_ l: Layer, threads: Int) -> Double? {
        let p = l.params
        guard Conv2DDirect.supports(p) else { return nil }
        var (x, w, b, mult, q, y) = int8Layer(p)
        let direct = Conv2DDirect(p, int8Weights: w)
        let offsets = b.withUnsafeBufferPointer { direct.int8Offsets(bias: $0.baseAddress, inputZeroPoint: 3) }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: direct.int8ScratchByteCount(images: threads), alignment: 64)
        defer { scratch.deallocate() }
        let best = seconds {
            direct.forward(batch: p.batch, q, input: x, offsets: offsets, multipliers: mult, output: &y,
                           scratch: scratch, scratchImages: threads, threads: threads)
        }
        return 2 * Double(p.multiplyAdds) / best / 1e9
    }

    /// int8 convolution on the int8 GEMM, in GOPS (2 per multiply-add): raw weights, or packed once.
    static func measureInt8(_ l: Layer, threads: Int, packedWeights: Bool) -> Double {
        let p = l.params
        var (x, w, b, mult, q, y) = int8Layer(p)
        let packed = Conv2DInt8.packWeights(p, weight: w)
        let bytes = packedWeights ? Conv2DInt8.packedScratchByteCount(p) : Conv2DInt8.scratchByteCount(p)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
        defer { scratch.deallocate() }
        let best = seconds {
            if packedWeights {
                Conv2DInt8.forward(p, q, input: x, weight: w, packed: packed, bias: b, multipliers: mult,
                                   output: &y, scratch: scratch, threads: threads)
            } else {
                Conv2DInt8.forward(p, q, input: x, weight: w, bias: b, multipliers: mult,
                                   output: &y, scratch: scratch, threads: threads)
            }
        }
        return 2 * Double(p.multiplyAdds) / best / 1e9
    }

    /// The peer's GFLOP/s per layer spec, or nil when PyTorch is not available.
    static func peer(threads: Int, specs: [String]) -> [String: Double]? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../bindings/python/benchmarks/conv2d_peer.py").standardized.path
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = [ProcessInfo.processInfo.environment["DLPACK_PYTHON"] ?? "python3", script, String(threads)]
            + specs
        let pipe = Pipe()
        proc.standardOutput = pipe
        proc.standardError = FileHandle.nullDevice
        do { try proc.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        guard proc.terminationStatus == 0 else { return nil }
        var out: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }

    static func run() {
        for threads in [1, 2] {
            print("conv2d fp32, \(threads) thread\(threads == 1 ? "" : "s")   (GFLOP/s: dlpack | PyTorch | ratio)")
            let theirs = peer(threads: threads, specs: layers.map(\.spec) + pools.map(\.spec))
            var fp32: [Double] = []
            for l in layers {
                let ours = measure(l, threads: threads)
                fp32.append(ours)
                let pad = String(repeating: " ", count: max(0, 32 - l.name.count))
                if let t = theirs?[l.spec] {
                    print("  \(l.name)\(pad) \(fmt(ours)) | \(fmt(t)) | \(fmt(ours / t))x")
                } else {
                    print("  \(l.name)\(pad) \(fmt(ours)) | (PyTorch not available)")
                }
            }
            print("conv2d int8, \(threads) thread\(threads == 1 ? "" : "s")   (GOPS: int8 raw weights | int8 packed weights | int8 direct | dlpack fp32 | best/fp32)")
            for (i, l) in layers.enumerated() {
                let raw = measureInt8(l, threads: threads, packedWeights: false)
                let packed = measureInt8(l, threads: threads, packedWeights: true)
                let direct = measureInt8Direct(l, threads: threads)
                let pad = String(repeating: " ", count: max(0, 32 - l.name.count))
                let best = max(raw, packed, direct ?? 0)
                print("  \(l.name)\(pad) \(fmt(raw)) | \(fmt(packed)) | \(direct.map(fmt) ?? "    n/a") | \(fmt(fp32[i])) | \(fmt(best / fp32[i]))x")
            }
            if threads == 1 {
                print("max pooling fp32, 1 thread   (GB/s of input: dlpack | PyTorch | ratio)")
                for pool in pools {
                    let p = pool.params
                    let x = (0..<p.inputCount).map { Float($0 % 251) }
                    var y = [Float](repeating: 0, count: p.outputCount)
                    let ours = Double(p.inputCount * 4) / seconds { MaxPool2D.forward(p, input: x, output: &y) } / 1e9
                    let pad = String(repeating: " ", count: max(0, 32 - pool.name.count))
                    let t = theirs?[pool.spec]
                    print("  \(pool.name)\(pad) \(fmt(ours)) | \(t.map(fmt) ?? "   n/a ") | \(t.map { fmt(ours / $0) } ?? "")x")
                }
            }
        }
    }

    static func fmt(_ v: Double) -> String { String(format: "%7.2f", v) }
}
