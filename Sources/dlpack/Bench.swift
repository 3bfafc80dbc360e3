import ArgumentParser
import DLCore
import DLRuntime
import Foundation

/// `dlpack bench MODEL.dlpk`: latency percentiles and throughput of a model run through
/// DLRuntime (the code behind libdlpk's dlpk_session_run), per thread count.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's latency (p50/p90/p99, mean) and throughput through the runtime, per thread count.",
        discussion: """
            Inputs are random values of the model's input types (every dynamic batch axis at --batch, \
            other dynamic axes at --length). Each thread count gets its own session, --warmup untimed \
            runs, then --runs timed runs; throughput is samples per second at the mean latency. The \
            machine's other load shows up in p99: compare runs made back to back.

            Examples:
              dlpack bench digits_int8.dlpk
              dlpack bench model.dlpk --batch 64 --threads 1,2 --runs 200 --warmup 20
              dlpack bench model.dlpk --threads 1-4 --json

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The .dlpk model.")
    var model: String

    @Option(help: "Samples per run (the value of a dynamic first axis).")
    var batch: Int = 1

    @Option(help: "Thread counts to measure: a list (1,2,4) or a range (1-4).")
    var threads: String = "1"

    @Option(help: "Timed runs per thread count.")
    var runs: Int = 100

    @Option(help: "Untimed runs first (planning, caches, page faults).")
    var warmup: Int = 10

    @Option(help: "The value of dynamic axes other than the first (a sequence length, say).")
    var length: Int = 16

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if batch < 1 || runs < 1 || warmup < 0 || length < 1 {
            throw ValidationError("--batch, --runs and --length must be at least 1, --warmup at least 0")
        }
        _ = try threadCounts()
    }

    /// "1,2,4" or a range "1-4" (or both: "1-2,4").
    func threadCounts() throws -> [Int] {
        var counts: [Int] = []
        for item in threads.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let lo = ends.first ?? nil, let hi = ends.last ?? nil, 1 <= lo, lo <= hi, hi <= 1024 else {
                counts = []
                break
            }
            counts += Array(lo...hi)
        }
        guard !counts.isEmpty else { throw ValidationError("--threads must list thread counts 1...1024, as in 1,2 or 1-4") }
        return counts
    }

    struct Result: Codable {
        var threads: Int
        var batch: Int
        var runs: Int
        var p50Microseconds: Double
        var p90Microseconds: Double
        var p99Microseconds: Double
        var meanMicroseconds: Double
        var samplesPerSecond: Double
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) {
            let loaded = try Model.open(path: model)
            let counts = try threadCounts()
            let inputs = try BenchInputs(model: loaded, batch: batch, length: length)
            common.log("inputs: " + inputs.types.map(\.description).joined(separator: ", "))
            let progress = ProgressLine()
            var results: [Result] = []
            for t in counts {
                let session = try Session(model: loaded, options: SessionOptions(threads: t, batchSize: batch))
                try inputs.bind(session)
                let total = warmup + runs
                var micros: [Double] = []
                micros.reserveCapacity(runs)
                for r in 0..<total {
                    if r % 8 == 0 { progress.update("bench: \(t) thread(s), run \(r + 1)/\(total)") }
                    try inputs.rebind(session)
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try session.run()
                    let t1 = DispatchTime.now().uptimeNanoseconds
                    if r >= warmup { micros.append(Double(t1 - t0) / 1000) }
                }
                progress.finish()
                let sorted = micros.sorted()
                func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)] }
                let mean = micros.reduce(0, +) / Double(micros.count)
                func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
                results.append(Result(threads: t, batch: batch, runs: runs, p50Microseconds: rounded(percentile(50)),
                                      p90Microseconds: rounded(percentile(90)), p99Microseconds: rounded(percentile(99)),
                                      meanMicroseconds: rounded(mean), samplesPerSecond: rounded(Double(batch) / (mean / 1e6))))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(results), as: UTF8.self))
                return
            }
            print("\(model): batch \(batch), \(runs) timed runs after \(warmup) warm-up, DLRuntime (libdlpk's code)")
            let rows = results.map { r in
                [String(r.threads), Self.micros(r.p50Microseconds), Self.micros(r.p90Microseconds), Self.micros(r.p99Microseconds),
                 Self.micros(r.meanMicroseconds), String(format: "%.0f", r.samplesPerSecond)]
            }
            print(TextFormat.table(["threads", "p50", "p90", "p99", "mean", "samples/s"], rows))
        }
    }

    static func micros(_ v: Double) -> String {
        v >= 10_000 ? String(format: "%.2f ms", v / 1000) : String(format: "%.1f µs", v)
    }
}

/// Random inputs (fixed seed) and output buffers for benchmark runs; the buffers are
/// allocated once, so the timed runs measure the runtime alone.
final class BenchInputs {
    let types: [TensorType]
    private var inputs: [UnsafeMutableRawPointer] = []
    private var dims: [UnsafeMutablePointer<Int64>] = []
    private var outputs: [UnsafeMutableRawPointer] = []
    private var outputBytes: [Int] = []

    init(model: Model, batch: Int, length: Int) throws(DLError) {
        var types: [TensorType] = []
        for i in 0..<model.graph.inputs.count {
            var t = model.inputTypes[i]
            for (axis, d) in t.shape.dims.enumerated() where d < 0 { t.shape.dims[axis] = axis == 0 ? batch : length }
            types.append(t)
        }
        self.types = types
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for t in types {
            let count = t.shape.elementCount ?? 0
            guard let bytes = t.dtype.storageBytes(count: count) else {
                throw DLError(.limitExceeded, "input \(t) is too large to benchmark")
            }
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
            // xorshift: values in [-1, 1) for float inputs, small integers otherwise.
            for k in 0..<bytes {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                p.storeBytes(of: UInt8(truncatingIfNeeded: state >> 24), toByteOffset: k, as: UInt8.self)
            }
            if t.dtype == .float32 {
                let f = p.assumingMemoryBound(to: Float.self)
                for k in 0..<count {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    f[k] = Float(state >> 40) / Float(1 << 23) - 1
                }
            } else if t.dtype == .int64 || t.dtype == .int32 {
                // Indices (an Embedding's input, say): keep them small and non-negative.
                for k in 0..<bytes { p.storeBytes(of: 0, toByteOffset: k, as: UInt8.self) }
            }
            inputs.append(p)
            let d = UnsafeMutablePointer<Int64>.allocate(capacity: max(t.shape.rank, 1))
            for (j, v) in t.shape.dims.enumerated() { d[j] = Int64(v) }
            dims.append(d)
        }
    }

    deinit {
        for p in inputs { p.deallocate() }
        for p in dims { p.deallocate() }
        for p in outputs { p.deallocate() }
    }

    /// Binds the inputs, plans for their shapes and allocates the outputs.
    func bind(_ session: Session) throws(DLError) {
        try bindInputs(session)
        try session.prepareForBoundInputs()
        for p in outputs { p.deallocate() }
        outputs = []
        outputBytes = []
        for k in 0..<session.model.graph.outputs.count {
            let t = session.outputType(k)
            let bytes = t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0
            outputs.append(UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64))
            outputBytes.append(bytes)
        }
    }

    /// Buffers stay bound for one run only (Session.run); this binds them again, which
    /// checks but neither copies nor allocates.
    func rebind(_ session: Session) throws(DLError) {
        try bindInputs(session)
        for k in outputs.indices { try session.setOutput(k, data: outputs[k], byteCount: outputBytes[k]) }
    }

    private func bindInputs(_ session: Session) throws(DLError) {
        for (i, t) in types.enumerated() {
            try session.setInput(i, data: inputs[i], byteCount: t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0,
                                 dtype: t.dtype, rank: t.shape.rank, dims: dims[i])
        }
    }
}
