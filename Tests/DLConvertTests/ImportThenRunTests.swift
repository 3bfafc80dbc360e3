import DLConvert
import DLCore
import DLRuntime
import Testing
import _TestSupport

/// Imported models run by DLRuntime give onnxruntime's outputs (Fixtures/*_expected.npy,
/// written by make_fixtures.py with onnxruntime on the same inputs).
@Suite struct ImportThenRunTests {
    @Test(arguments: ["gemm_transb", "conv_bn_relu", "shape_subgraph", "softmax_opset11", "tensor_storage", "mlp2", "conv1d", "lstm_zero_state"])
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
}
