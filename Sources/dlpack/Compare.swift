import ArgumentParser
import DLConvert
import DLCore
import DLFormat
import DLRuntime
import Foundation

/// `dlpack compare FLOAT.dlpk INT8.dlpk --data DATA.npy`: runs both models on the same
/// inputs and prints how far the second is from the first, per output and per layer
/// (every float activation both graphs name alike; int8 twins are dequantized), so that
/// a user sees where quantization loses accuracy.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two .dlpk models (e.g. float and int8) on the same inputs, per output and per layer.",
        discussion: """
            Prints, per output and per intermediate float tensor both models name alike, the largest and \
            mean absolute difference, the relative RMS error and (for class scores) how often the argmax agrees.

            Examples:
              dlpack compare model.dlpk model_int8.dlpk --data calib.npy
              dlpack compare digits.dlpk digits_int8.dlpk --data Tests/Data/digits.csv --no-layers

            --data takes .npy inputs (or a directory), or a CSV of raw rows to which the reference \
            model's stored preprocessing is applied (a label column beyond the input width is ignored).

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The reference model (usually float).")
    var reference: String

    @Argument(help: "The model to compare with it (usually the int8 or fp16 conversion).")
    var candidate: String

    @Option(help: "Inputs: a .npy file (first axis = samples) or a directory of .npy files, as for --calibrate.")
    var data: String

    @Option(help: "Samples per run.")
    var batch: Int = 64

    @Flag(inversion: .prefixedNo, help: "Also compare intermediate layers.")
    var layers = true

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) { try compare() }
    }

    private func compare() throws {
        let a = try DLPKModel.open(path: reference)
        let b = try DLPKModel.open(path: candidate)
        guard a.graph.inputs.count == b.graph.inputs.count else {
            throw DLError(.invalidArgument, "\(reference) has \(a.graph.inputs.count) input(s), \(candidate) has \(b.graph.inputs.count): not comparable")
        }
        let inputs = try ModelInputs.load(path: data, graph: a.graph, metadata: a.metadata).data
        let outputNames = a.graph.outputs.map { a.graph.tensors[$0].name }
        // Layer pairs: a float activation of the reference and its namesake (or int8 twin) in the candidate.
        var pairs: [(name: String, a: Int, b: Int)] = []
        for (k, o) in a.graph.outputs.enumerated() {
            guard k < b.graph.outputs.count else { break }
            pairs.append((outputNames[k], o, b.graph.outputs[k]))
        }
        if layers {
            let bIndex = Dictionary(b.graph.tensors.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { x, _ in x })
            for node in a.graph.nodes {
                for o in node.outputs where a.graph.tensors[o].dtype == .float32 && !a.graph.outputs.contains(o) {
                    let name = a.graph.tensors[o].name
                    if let j = bIndex[name], b.graph.tensors[j].kind == .activation, !b.graph.inputs.contains(j) { pairs.append((name, o, j)) }
                    else if let j = bIndex[name + "_int8"], b.graph.tensors[j].quant != nil { pairs.append((name, o, j)) }
                }
            }
        }
        let resultA = try ModelRunner.run(a, observing: pairs.map(\.a), data: inputs, batchSize: batch)
        let resultB = try ModelRunner.run(b, observing: pairs.map(\.b), data: inputs, batchSize: batch)
        print("\(inputs.sampleCount) samples; error of \(candidate) against \(reference)")
        func row(_ cells: [String]) -> String {
            let widths = [48, 12, 12, 12, 10]
            return cells.enumerated().map { k, c in
                k == 0 ? c.padding(toLength: max(widths[0], c.count), withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: max(0, widths[k] - c.count)) + c
            }.joined(separator: " ")
        }
        print(row(["tensor", "max |err|", "mean |err|", "rel. RMS", "argmax"]))
        for (k, pair) in pairs.enumerated() {
            let x = resultA[k], y = resultB[k]
            guard x.count == y.count, !x.isEmpty else {
                print("\(pair.name): \(x.count) vs \(y.count) values, not comparable")
                continue
            }
            var maxErr: Float = 0, sumErr: Double = 0, sumSq: Double = 0, refSq: Double = 0
            for i in x.indices {
                let e = abs(x[i] - y[i])
                maxErr = max(maxErr, e)
                sumErr += Double(e)
                sumSq += Double(e) * Double(e)
                refSq += Double(x[i]) * Double(x[i])
            }
            var agreement = "-"
            let isOutput = k < a.graph.outputs.count
            if isOutput, let classes = a.graph.tensors[pair.a].shape.dims.last, classes > 1, x.count % classes == 0 {
                var same = 0
                let rows = x.count / classes
                for r in 0..<rows {
                    let xs = x[r * classes ..< (r + 1) * classes], ys = y[r * classes ..< (r + 1) * classes]
                    if xs.firstIndex(of: xs.max()!) == ys.firstIndex(of: ys.max()!) { same += 1 }
                }
                agreement = String(format: "%.2f%%", 100 * Double(same) / Double(rows))
            }
            let label = (isOutput ? "output " : "") + pair.name
            print(row([label, String(format: "%.4g", maxErr), String(format: "%.4g", sumErr / Double(x.count)),
                       String(format: "%.4g", refSq > 0 ? (sumSq / refSq).squareRoot() : 0), agreement]))
        }
    }
}

/// Runs a model on batches of inputs with DLRuntime and collects chosen tensors as floats
/// (int8 tensors dequantized with their parameters). Used by `compare` and calibration.
enum ModelRunner {
    static func run(_ file: DLPKModel, observing tensors: [Int], data: CalibrationData, batchSize: Int) throws -> [[Float]] {
        var constants: [Int: [UInt8]] = [:]
        for (i, t) in file.graph.tensors.enumerated() where t.kind == .constant { constants[i] = file.constantArray(i) }
        return try run(graph: file.graph, metadata: file.metadata, constants: constants, observing: tensors, data: data, batchSize: batchSize)
    }

    /// - Returns: per observed tensor, its values over all samples, in sample order.
    static func run(graph: Graph, metadata: ModelMetadata, constants: [Int: [UInt8]], observing tensors: [Int],
                    data: CalibrationData, batchSize: Int, collect: Bool = true,
                    onBatch: (([[Float]]) -> Void)? = nil) throws -> [[Float]] {
        var g = graph
        g.outputs = tensors
        let model = try Model(graph: g, metadata: metadata, constants: constants)
        let session = try Session(model: model, options: SessionOptions(threads: 1, batchSize: min(batchSize, max(1, data.sampleCount))))
        var collected = [[Float]](repeating: [], count: tensors.count)
        var start = 0
        while start < data.sampleCount {
            let end = min(start + max(1, batchSize), data.sampleCount)
            let batch = data.batch(start..<end)
            var inputBuffers: [UnsafeMutableRawPointer] = []
            var dimsBuffers: [UnsafeMutablePointer<Int64>] = []
            defer {
                for p in inputBuffers { p.deallocate() }
                for p in dimsBuffers { p.deallocate() }
            }
            for (i, t) in batch.enumerated() {
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(t.bytes.count, 1), alignment: 64)
                t.bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                let d = UnsafeMutablePointer<Int64>.allocate(capacity: max(t.dims.count, 1))
                for (j, v) in t.dims.enumerated() { d[j] = Int64(v) }
                inputBuffers.append(p)
                dimsBuffers.append(d)
                try session.setInput(i, data: p, byteCount: t.bytes.count, dtype: .float32, rank: t.dims.count, dims: d)
            }
            try session.prepareForBoundInputs()
            var buffers: [UnsafeMutableRawPointer] = []
            defer { for p in buffers { p.deallocate() } }
            var types: [TensorType] = []
            for k in tensors.indices {
                let t = session.outputType(k)
                let bytes = max(t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0, 1)
                let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                buffers.append(p)
                types.append(t)
                try session.setOutput(k, data: p, byteCount: bytes)
            }
            try session.run()
            var batchValues: [[Float]] = []
            for k in tensors.indices {
                let values = floats(buffers[k], types[k], quant: g.tensors[tensors[k]].quant)
                batchValues.append(values)
                if collect { collected[k] += values }
            }
            onBatch?(batchValues)
            start = end
        }
        return collected
    }

    static func floats(_ p: UnsafeMutableRawPointer, _ t: TensorType, quant: QuantParams?) -> [Float] {
        let n = t.shape.elementCount ?? 0
        switch t.dtype {
        case .float32: return Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: n))
        case .int8, .uint8, .int32:
            let q = quant ?? QuantParams(scale: 1, zeroPoint: 0)
            let inner = q.axis.map { t.shape.dims[($0 + 1)...].reduce(1, *) } ?? n
            return (0..<n).map { i in
                let c = q.scales.count == 1 ? 0 : (i / max(inner, 1)) % q.scales.count
                let v: Int32 = t.dtype == .int8 ? Int32(p.load(fromByteOffset: i, as: Int8.self))
                    : t.dtype == .uint8 ? Int32(p.load(fromByteOffset: i, as: UInt8.self)) : p.load(fromByteOffset: i * 4, as: Int32.self)
                return Float(v - q.zeroPoints[c]) * q.scales[c]
            }
        default: return []
        }
    }

    /// One run on host tensors of any element type the model takes; outputs come back in
    /// their own element types.
    static func runOnce(_ model: Model, inputs: [HostTensor], threads: Int = 1) throws -> [HostTensor] {
        let batch = inputs.first?.dims.first ?? 1
        let session = try Session(model: model, options: SessionOptions(threads: threads, batchSize: max(batch, 1)))
        var buffers: [UnsafeMutableRawPointer] = []
        var dimsBuffers: [UnsafeMutablePointer<Int64>] = []
        defer {
            for p in buffers { p.deallocate() }
            for p in dimsBuffers { p.deallocate() }
        }
        for (i, t) in inputs.enumerated() {
            let want = model.inputTypes[i].dtype
            // numpy writes what the test has; convert to the model's element type when they differ.
            var host = t
            if t.type.storageType != want || t.type != onnxType(want) { host = t.converted(to: onnxType(want)) }
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(host.bytes.count, 1), alignment: 64)
            host.bytes.withUnsafeBytes { if $0.count > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            let d = UnsafeMutablePointer<Int64>.allocate(capacity: max(host.dims.count, 1))
            for (j, v) in host.dims.enumerated() { d[j] = Int64(v) }
            buffers.append(p)
            dimsBuffers.append(d)
            try session.setInput(i, data: p, byteCount: host.bytes.count, dtype: want, rank: host.dims.count, dims: d)
        }
        try session.prepareForBoundInputs()
        var outputs: [(UnsafeMutableRawPointer, TensorType)] = []
        for k in 0..<model.graph.outputs.count {
            let t = session.outputType(k)
            let bytes = t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
            buffers.append(p)
            outputs.append((p, t))
            try session.setOutput(k, data: p, byteCount: bytes)
        }
        try session.run()
        return outputs.map { p, t in
            let bytes = t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0
            return HostTensor(type: onnxType(t.dtype), dims: t.shape.dims, bytes: Array(UnsafeRawBufferPointer(start: p, count: bytes)))
        }
    }

    static func onnxType(_ d: DType) -> OnnxElementType {
        switch d {
        case .float32: return .float
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int8, .int4: return .int8
        case .uint8: return .uint8
        case .int32: return .int32
        case .int64: return .int64
        }
    }
}
