import ArgumentParser
import DLConvert
import DLCore
import DLFormat
import Foundation

/// `dlpack quantize IN.dlpk OUT.dlpk --to int8|fp16`: post-training quantization of a float
/// .dlpk with the converter's quantizer (DLConvert.PostTrainingQuantizer), so that a model
/// trained or converted in fp32 can be shrunk afterwards.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a float .dlpk to int8 (calibrated), dynamic int8 or fp16 weights.",
        discussion: """
            int8: weights symmetric per output channel, activations asymmetric per tensor from the \
            ranges the model's activations take on --calibrate data (Dense and Conv2D layers; the \
            rest stays float). dynamic: no calibration; Dense layers compute in int8 on int8 weights \
            (symmetric per output channel), their input quantized on every run over its own range; \
            Conv2D, MatMul and recurrent weights are stored int8 and computed on in float. fp16: the \
            weights stored as float16, no calibration.
            --calibrate reads a .npy file (or a directory of them) holding the model's inputs as the \
            graph takes them, or a CSV of raw rows as `dlpack train` reads them (an extra last column \
            is a label and is ignored); the preprocessing stored in the model is applied to CSV rows.

            Examples:
              dlpack quantize digits.dlpk digits_int8.dlpk --to int8 --calibrate Tests/Data/digits.csv
              dlpack quantize model.dlpk model_int8.dlpk --to int8 --calibrate calib.npy --method percentile --exclude fc_out
              dlpack quantize model.dlpk model_dyn.dlpk --to dynamic
              dlpack quantize model.dlpk model_fp16.dlpk --to fp16

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The float .dlpk model to read.")
    var input: String

    @Argument(help: "The .dlpk file to write.")
    var output: String

    @Option(help: "The target: int8 (weights and activations, needs --calibrate), dynamic (int8 weights, inputs quantized per run) or fp16 (weights only).")
    var to: String

    @Option(help: "Calibration inputs for int8: DATA.npy, a directory of .npy files, or DATA.csv.")
    var calibrate: String?

    @OptionGroup var quantization: QuantizationOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard ["int8", "dynamic", "fp16"].contains(to) else { throw ValidationError("--to must be int8, dynamic or fp16") }
        if to == "int8" && calibrate == nil { throw ValidationError("--to int8 needs --calibrate DATA.npy|DATA.csv|DIR") }
        if to != "int8" && calibrate != nil { throw ValidationError("--calibrate is for --to int8 (\(to) needs no calibration)") }
    }

    func run() throws {
        try reportingErrors(verbose: common.verbose) {
            let file = try DLPKModel.open(path: input)
            var model = try Self.floatModel(file, path: input)
            common.log("\(input): \(model.graph.nodes.count) nodes, \(model.constants.count) constants")
            let excluded = quantization.excludedNodes
            try PostTrainingQuantizer.checkExclusions(excluded, in: model)
            let before = model.graph.nodes.count
            if to == "int8" {
                let inputs = try ModelInputs.load(path: calibrate!, graph: model.graph, metadata: model.metadata)
                common.log("calibrating on \(inputs.data.sampleCount) samples from \(calibrate!) (\(quantization.method))")
                let ranges = try Convert.calibrate(model, data: inputs.data, method: quantization.calibrationMethod!)
                model = try PostTrainingQuantizer.quantizeInt8(model, ranges: ranges, exclude: excluded)
            } else if to == "dynamic" {
                model = try PostTrainingQuantizer.quantizeDynamic(model, exclude: excluded)
            } else {
                guard excluded.isEmpty else { throw DLError(.invalidArgument, "--exclude applies to --to int8 and dynamic") }
                model = PostTrainingQuantizer.convertWeightsToFloat16(model)
            }
            let quantized = model.graph.nodes.filter { node in
                node.inputs.contains { $0 >= 0 && [.int8, .float16].contains(model.graph.tensors[$0].dtype) && model.graph.tensors[$0].kind == .constant }
            }
            guard !quantized.isEmpty else {
                throw DLError(.unsupported, "\(input): no layer was quantized (only Dense, Conv2D, MatMul and recurrent layers with constant weights are\(excluded.isEmpty ? "" : ", and --exclude keeps some in float"))")
            }
            for node in quantized { common.log("  \(to): \(node.op) '\(node.name)'") }
            let out = try DLPKModel(graph: model.graph, metadata: model.metadata, constants: model.constants)
            let options = quantization.writeOptions
            try out.write(to: output, options: options)
            print("\(input) (\(TextFormat.fileSize(input))) -> \(output) (\(TextFormat.fileSize(output)), \(to)): "
                  + "\(quantized.count) layer(s) quantized, \(model.graph.nodes.count) nodes (was \(before))")
        }
    }

    /// The model as the quantizer takes it; a model with quantized weights already is refused.
    static func floatModel(_ file: DLPKModel, path: String) throws(DLError) -> ImportedModel {
        var constants: [Int: [UInt8]] = [:]
        for (i, t) in file.graph.tensors.enumerated() where t.kind == .constant {
            if t.quant != nil || t.dtype == .int8 || t.dtype == .float16 || t.dtype == .int4 {
                throw DLError(.invalidArgument, "\(path) is already quantized ('\(t.name)' is \(t.dtype.name)): quantize its float original")
            }
            constants[i] = file.constantArray(i)
        }
        return ImportedModel(graph: file.graph, constants: constants, metadata: file.metadata)
    }
}
