import DLConvert
import DLCore
import DLRuntime
import Testing
import _TestSupport

/// Imported models run by DLRuntime give onnxruntime's outputs (Fixtures/*_expected.npy,
/// written by make_fixtures.py with onnxruntime on the same inputs).
@Suite struct ImportThenRunTests {
    @Test(arguments: ["gemm_transb", "conv_bn_relu", "shape_subgraph", "softmax_opset11", "tensor_storage", "mlp2", "conv1d", "lstm_zero_state", "qdq_gemm", "qdq_cnn", "qdq_cnn_rescaled"])
    func float_models_match_onnxruntime(_ name: String) throws {
        let model = try Fixture.importModel(name + ".onnx")
        let input = try NpyFile.read(path: Fixture.path(name + "_input.npy"))
        let expected = try NpyFile.read(path: Fixture.path(name + "_expected.npy"))
        let runtime = try Model(graph: model.graph, metadata: model.metadata, constants: model.constants)
        let session = try Session(model: runtime)
        let outputs = try session.run([input.floatValues], shapes: [Shape(input.dims)])
        #expect(session.outputType(0).shape == Shape(expected.dims))
        #expect(maxAbsDifference(outputs[0], expected.floatValues) <= 1e-5)
    }

    /// Post-training int8 of a float model, calibrated on the inputs it then runs on: every
    /// output within four output quantization steps of the float model's (the rounding of
    /// the input, the hidden layer and the output add up; about 1.5% of the output range).
    @Test func int8_quantization_stays_within_four_output_steps() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let input = try NpyFile.read(path: Fixture.path("mlp2_input.npy"))
        func run(_ m: ImportedModel, outputs: [Int]? = nil) throws -> [[Float]] {
            var g = m.graph
            if let outputs { g.outputs = outputs }
            let session = try Session(model: try Model(graph: g, metadata: m.metadata, constants: m.constants))
            return try session.run([input.floatValues], shapes: [Shape(input.dims)])
        }
        let calibration = PostTrainingQuantizer.calibrationModel(model)
        let observed = try run(calibration, outputs: calibration.graph.outputs)
        var observer = ActivationObserver(method: .minMax)
        observer.observe("x", input.floatValues)
        for (k, t) in calibration.graph.outputs.enumerated() { observer.observe(calibration.graph.tensors[t].name, observed[k]) }
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: observer.ranges())
        #expect(q.graph.nodes.map(\.op) == [.quantize, .dense, .dense, .dequantize])
        let reference = try run(model)[0], int8 = try run(q)[0]
        let step = try #require(q.graph.tensors[q.graph.nodes[2].outputs[0]].quant?.scales.first)
        #expect(maxAbsDifference(int8, reference) <= 4 * step)
        #expect(maxAbsDifference(int8, reference) > 0)   // it did run in int8
    }
}
