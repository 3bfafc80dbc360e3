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
        layer("conv 1x8x28x28 -> 16, 3x3", n: 1, c: 8, hw: 28, m: 16, k: 3, pad: 1),
        layer("conv 64x8x28x28 -> 16, 3x3", n: 64, c: 8, hw: 28, m: 16, k: 3, pad: 1),
        layer("conv 1x64x56x56 -> 64, 3x3", n: 1, c: 64, hw: 56, m: 64, k: 3, pad: 1),
        layer("pointwise 1x64x56x56 -> 128", n: 1, c: 64, hw: 56, m: 128, k: 1, pad: 0),
        layer("depthwise 1x64x56x56, 3x3", n: 1, c: 64, hw: 56, m: 64, k: 3, pad: 1, groups: 64),
    ]

    static func measure(_ l: Layer, threads: Int) -> Double {
        let p = l.params
        var rng = SystemRandomNumberGenerator()
        let x = (0..<p.inputCount).map { _ in Float.random(in: -1...1, using: &rng) }
        let w = (0..<p.weightCount).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<p.outChannels).map { _ in Float.random(in: -1...1, using: &rng) }
        var y = [Float](repeating: 0, count: p.outputCount)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(Conv2D.scratchByteCount(p), 1), alignment: 64)
        defer { scratch.deallocate() }
        let run = { Conv2D.forward(p, input: x, weight: w, bias: b, output: &y, scratch: scratch, threads: threads) }
        for _ in 0..<2 { run() }
        let clock = ContinuousClock()
        var best = Double.infinity
        let deadline = clock.now.advanced(by: .milliseconds(500))
        repeat {
            let t0 = clock.now
            run()
            let d = clock.now - t0
            best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        } while clock.now < deadline
        return 2 * Double(p.multiplyAdds) / best / 1e9
    }

    /// The peer's GFLOP/s per layer spec, or nil when PyTorch is not available.
    static func peer(threads: Int) -> [String: Double]? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../bindings/python/benchmarks/conv2d_peer.py").standardized.path
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = [ProcessInfo.processInfo.environment["DLPACK_PYTHON"] ?? "python3", script, String(threads)]
            + layers.map(\.spec)
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
            let theirs = peer(threads: threads)
            for l in layers {
                let ours = measure(l, threads: threads)
                let pad = String(repeating: " ", count: max(0, 32 - l.name.count))
                if let t = theirs?[l.spec] {
                    print("  \(l.name)\(pad) \(fmt(ours)) | \(fmt(t)) | \(fmt(ours / t))x")
                } else {
                    print("  \(l.name)\(pad) \(fmt(ours)) | (PyTorch not available)")
                }
            }
        }
    }

    static func fmt(_ v: Double) -> String { String(format: "%7.2f", v) }
}
