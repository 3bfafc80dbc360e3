import ArgumentParser
import DLConvert
import DLCore
import DLFormat
import DLRuntime
import Foundation

/// `dlpack convert IN.onnx OUT.dlpk`: imports an ONNX model, optionally quantizes it, writes a .dlpk.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert an ONNX model to .dlpk (optionally quantized to int8, dynamic int8 or fp16).",
        discussion: """
            Examples:
              dlpack convert model.onnx model.dlpk
              dlpack convert model.onnx model_int8.dlpk --quantize int8 --calibrate calib.npy --method percentile
              dlpack convert model.onnx model_fp16.dlpk --quantize fp16 --compress 19
              dlpack convert model.onnx model_dyn.dlpk --quantize dynamic

            A float .dlpk can also be quantized afterwards: `dlpack quantize`.

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The ONNX model to read (external data is looked up next to it).")
    var input: String

    @Argument(help: "The .dlpk file to write.")
    var output: String?

    @Option(help: "Quantize: int8 (weights and activations, needs --calibrate), dynamic (int8 weights, Dense inputs quantized per run, no calibration) or fp16 (weights only).")
    var quantize: String?

    @Option(help: "Calibration inputs for int8: a .npy file (first axis = samples) or a directory of .npy files.")
    var calibrate: String?

    @OptionGroup var quantization: QuantizationOptions

    @Flag(help: "Print the imported graph.")
    var dump = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let quantize, !["int8", "dynamic", "fp16"].contains(quantize) { throw ValidationError("--quantize must be int8, dynamic or fp16") }
        if quantize == "int8" && calibrate == nil { throw ValidationError("--quantize int8 needs --calibrate DATA.npy|DIR") }
        if output == nil && !dump { throw ValidationError("give an output .dlpk path (or --dump to only print the graph)") }
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) { try convert() }
    }

    private func convert() throws {
        let progress = ProgressLine()
        progress.update("converting: reading \(input)")
        let onnx = try OnnxDecoder.read(path: input)
        progress.update("converting: importing \(onnx.graph.nodes.count) ONNX nodes")
        var model = try OnnxImporter.importModel(onnx)
        if let quantize {
            switch quantize {
            case "int8":
                let m = quantization.calibrationMethod!
                let data = try CalibrationData.load(path: calibrate!, model: model)
                let excluded = quantization.excludedNodes
                try PostTrainingQuantizer.checkExclusions(excluded, in: model)
                let ranges = try Self.calibrate(model, data: data, method: m)
                model = try PostTrainingQuantizer.quantizeInt8(model, ranges: ranges, exclude: excluded)
            case "dynamic":
                model = try PostTrainingQuantizer.quantizeDynamic(model, exclude: quantization.excludedNodes)
            default:
                model = PostTrainingQuantizer.convertWeightsToFloat16(model)
            }
        }
        progress.finish()
        common.log("imported: \(model.graph.nodes.count) nodes, \(model.constants.count) constants")
        if dump { print(model.summary) }
        guard let output else { return }
        let file = try DLPKModel(graph: model.graph, metadata: model.metadata, constants: model.constants)
        let options = quantization.writeOptions
        try file.write(to: output, options: options)
        let inSize = (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0
        let outSize = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("\(input) (\(inSize) bytes, opset \(onnx.defaultOpset)) -> \(output) (\(outSize) bytes, \(model.graph.nodes.count) nodes)")
        // The file is valid either way; say so now if this build's runtime cannot run it yet.
        do {
            _ = try Model(graph: model.graph, metadata: model.metadata, constants: model.constants)
        } catch {
            FileHandle.standardError.write("warning: this build of the runtime cannot load the model: \(error.message)\n".data(using: .utf8)!)
        }
    }

    /// Runs the float model on the calibration data and returns every activation's range.
    static func calibrate(_ model: ImportedModel, data: CalibrationData, method: CalibrationMethod) throws -> [String: ClosedRange<Float>] {
        var observer = ActivationObserver(method: method)
        for (k, input) in model.graph.inputs.enumerated() {
            observer.observe(model.graph.tensors[input].name, data.inputs[k].floatValues)
        }
        let observed = PostTrainingQuantizer.calibrationModel(model).graph.outputs
        let names = observed.map { model.graph.tensors[$0].name }
        let batches = (data.sampleCount + 31) / 32
        let progress = ProgressLine()
        var done = 0
        _ = try ModelRunner.run(graph: model.graph, metadata: model.metadata, constants: model.constants,
                                observing: observed, data: data, batchSize: 32, collect: false) { values in
            for (k, v) in values.enumerated() { observer.observe(names[k], v) }
            done += 1
            progress.update("calibrating: batch \(done)/\(batches)")
        }
        progress.finish()
        return observer.ranges()
    }
}
