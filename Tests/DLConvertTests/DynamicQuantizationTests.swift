import DLConvert
import DLFormat
import DLCore
import DLKernels
import DLRuntime
import Testing
import _TestSupport

@Suite struct DynamicQuantizationTests {
    func run(_ m: ImportedModel, _ input: HostTensor) throws -> [Float] {
        let session = try Session(model: try Model(graph: m.graph, metadata: m.metadata, constants: m.constants))
        return try session.run([input.floatValues], shapes: [Shape(input.dims)])[0]
    }

    @Test func dense_layers_get_int8_weights_and_quantize_their_input_per_run() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let q = try PostTrainingQuantizer.quantizeDynamic(model)
        #expect(q.graph.nodes.map(\.op) == [.dense, .dense])   // no Quantize/Dequantize nodes: X stays f32
        for (before, after) in zip(model.graph.nodes, q.graph.nodes) {
            #expect(after.computesDynamicRange)
            let w = q.graph.tensors[after.inputs[1]], wq = try #require(w.quant)
            #expect(w.dtype == .int8 && wq.axis == 0 && wq.scales.count == w.shape[0] && wq.zeroPoints.allSatisfy { $0 == 0 })
            let original = try #require(model.floatConstant(before.inputs[1]))
            let bytes = try #require(q.constants[after.inputs[1]])
            let k = w.shape[1]
            for i in original.indices {
                #expect(abs(Float(Int8(bitPattern: bytes[i])) * wq.scales[i / k] - original[i]) <= wq.scales[i / k] / 2 + 1e-7)
            }
            #expect(q.graph.tensors[after.inputs[2]].dtype == .float32)   // the bias stays float
        }
        // Against onnxruntime's float result: within the error of 8-bit inputs and weights.
        let input = try NpyFile.read(path: Fixture.path("mlp2_input.npy"))
        let expected = try NpyFile.read(path: Fixture.path("mlp2_expected.npy")).floatValues
        let got = try run(q, input)
        let scale = expected.map(abs).max()!
        #expect(maxAbsDifference(got, expected) <= 0.03 * scale)
        #expect(maxAbsDifference(got, expected) > 0)
        // The file says so, and needs format 1.2.
        let file = try DLPKModel(graph: q.graph, metadata: q.metadata, constants: q.constants)
        #expect(FormatVersion.lowest(for: file.graph) == FormatVersion(major: 1, minor: 2))
    }

    @Test func recurrent_weights_are_the_same_int8_as_static_quantization_writes() throws {
        let model = try Fixture.importModel("lstm_zero_state.onnx")
        let dynamic = try PostTrainingQuantizer.quantizeDynamic(model)
        let calibrated = try PostTrainingQuantizer.quantizeInt8(model, ranges: [:])
        for slot in 1...2 {
            let a = dynamic.graph.nodes[0].inputs[slot], b = calibrated.graph.nodes[0].inputs[slot]
            #expect(dynamic.graph.tensors[a].quant == calibrated.graph.tensors[b].quant)
            #expect(dynamic.constants[a] == calibrated.constants[b])
        }
        #expect(!dynamic.graph.nodes[0].computesDynamicRange)   // LSTM computes in float
    }

    @Test func convolution_weights_are_stored_int8_and_widened_at_load() throws {
        let model = try Fixture.importModel("conv_bn_relu.onnx")
        let q = try PostTrainingQuantizer.quantizeDynamic(model)
        let conv = try #require(q.graph.nodes.first { $0.op == .conv2d })
        let w = q.graph.tensors[conv.inputs[1]], wq = try #require(w.quant)
        #expect(w.dtype == .int8 && wq.axis == 0)
        // The reference: the float model whose W is the int8 values times their scales.
        var widened = q
        let bytes = try #require(q.constants[conv.inputs[1]])
        let inner = w.shape.elementCount! / w.shape[0]
        let values = bytes.indices.map { Float(Int8(bitPattern: bytes[$0])) * wq.scales[$0 / inner] }
        widened.graph.tensors[conv.inputs[1]].dtype = .float32
        widened.graph.tensors[conv.inputs[1]].quant = nil
        widened.constants[conv.inputs[1]] = values.withUnsafeBytes { Array($0) }
        let input = try NpyFile.read(path: Fixture.path("conv_bn_relu_input.npy"))
        #expect(maxAbsDifference(try run(q, input), try run(widened, input)) <= 1e-5)
    }

    @Test func excluded_layers_stay_float() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let q = try PostTrainingQuantizer.quantizeDynamic(model, exclude: ["fc2"])
        #expect(q.graph.nodes[0].computesDynamicRange && !q.graph.nodes[1].computesDynamicRange)
        #expect(q.graph.tensors[q.graph.nodes[1].inputs[1]].dtype == .float32)
        #expect(throws: DLError.self) { _ = try PostTrainingQuantizer.quantizeDynamic(model, exclude: ["no_such_layer"]) }
    }
}
