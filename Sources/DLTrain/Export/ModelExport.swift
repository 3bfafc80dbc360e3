import DLCore
import DLFormat
import DLKernels
import Foundation

/// How weights (and, for int8, activations) are stored in the exported model.
public enum ExportPrecision: Sendable, Equatable {
    /// Everything in fp32: the runtime reproduces training's outputs within rounding.
    case float32
    /// Weights in fp16 (half the size); the runtime computes in fp32.
    case float16
    /// Post-training quantization: dense and conv weights int8 per output channel (symmetric),
    /// biases int32, activations int8 per tensor from ranges calibrated on sample inputs;
    /// layers without an int8 kernel run in fp32 between dequantize/quantize nodes.
    case int8
}

extension Sequential {
    /// The model as a `.dlpk` graph with its weights, ready to be written.
    ///
    /// - Parameters:
    ///   - labels: class names, stored in the metadata (index = class).
    ///   - preprocessing: how raw inputs were scaled for training (see `FeatureScaler.metadata`),
    ///     so that deployment can reproduce it.
    ///   - calibration: samples (already preprocessed) whose activation ranges set the int8
    ///     parameters; required for `.int8`. At most `calibrationSamples` are used.
    public func exportModel(precision: ExportPrecision = .float32, labels: [String] = [],
                            preprocessing: [Preprocessing] = [], calibration: Dataset? = nil,
                            calibrationSamples: Int = 512, properties: [KeyValue] = []) throws(DLError) -> DLPKModel {
        let builder = GraphBuilder()
        let input = builder.input("input", shape: inputShape)
        var v = input
        var layerOutputs: [Int] = []
        for layer in layers {
            v = try layer.export(v, into: builder)
            layerOutputs.append(v.index)
        }
        builder.markOutput(v)
        builder.fuseActivations()
        switch precision {
        case .float32: break
        case .float16: builder.storeConstantsAsFloat16()
        case .int8:
            guard let calibration else {
                throw DLError(.invalidArgument, "int8 export needs calibration samples (a few hundred training inputs)")
            }
            let ranges = try calibrationRanges(calibration, samples: calibrationSamples, input: input.index, layerOutputs: layerOutputs)
            try builder.quantizeInt8(ranges: ranges)
        }
        builder.removeUnusedTensors()
        let metadata = ModelMetadata(producer: "dlpack-train", producerVersion: "1",
                                     createdAt: Int64(Date().timeIntervalSince1970), labels: labels,
                                     preprocessing: preprocessing, properties: properties)
        return try DLPKModel(graph: builder.graph, metadata: metadata, constants: builder.constantBytes())
    }

    /// Writes the model to `path` (through a temporary file and a rename).
    public func export(to path: String, precision: ExportPrecision = .float32, labels: [String] = [],
                       preprocessing: [Preprocessing] = [], calibration: Dataset? = nil) throws(DLError) {
        try exportModel(precision: precision, labels: labels, preprocessing: preprocessing, calibration: calibration)
            .write(to: path)
    }

    /// min/max of the model input and of every layer's output over the calibration samples,
    /// keyed by the graph tensor that holds them.
    private func calibrationRanges(_ data: Dataset, samples: Int, input: Int, layerOutputs: [Int]) throws(DLError) -> [Int: (Float, Float)] {
        guard data.sampleShape == inputShape else {
            throw DLError(.shapeMismatch, "calibration samples have shape \(data.sampleShape), \(name) expects \(inputShape)")
        }
        var ranges: [Int: (Float, Float)] = [:]
        func record(_ index: Int, _ values: [Float]) {
            var (lo, hi) = ranges[index] ?? (Float.infinity, -Float.infinity)
            for v in values { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
            ranges[index] = (lo, hi)
        }
        let n = Swift.min(samples, data.count)
        withoutGradients {
            for start in stride(from: 0, to: n, by: 128) {
                var h = data.batch(rows: Array(start..<Swift.min(start + 128, n)))
                record(input, h.data)
                for (layer, index) in zip(layers, layerOutputs) {
                    h = layer.forward(h, training: false)
                    record(index, h.data)
                }
            }
        }
        for (index, (lo, hi)) in ranges where !(lo.isFinite && hi.isFinite) {
            throw DLError(.numericalError, "calibration: tensor \(index) has a non-finite range [\(lo), \(hi)]")
        }
        return ranges
    }
}
