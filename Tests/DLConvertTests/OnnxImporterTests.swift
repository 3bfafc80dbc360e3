import DLConvert
import DLCore
import Testing
import _TestSupport

@Suite struct OnnxImporterTests {
    @Test func gemm_with_transB_alpha_beta_becomes_one_dense() throws {
        let model = try Fixture.importModel("gemm_transb.onnx")
        #expect(model.graph.nodes.map(\.op) == [.dense])
        let dense = model.graph.nodes[0]
        let weight = try #require(model.floatConstant(dense.inputs[1]))
        let bias = try #require(model.floatConstant(dense.inputs[2]))
        #expect(allClose(weight, try Fixture.floats("gemm_transb_weight.npy"), rtol: 1e-6, atol: 1e-7))
        #expect(allClose(bias, try Fixture.floats("gemm_transb_bias.npy"), rtol: 1e-6, atol: 1e-7))
        #expect(model.graph.tensors[dense.inputs[1]].shape == Shape([4, 3]))
        #expect(model.graph.tensors[model.graph.inputs[0]].shape == Shape([-1, 3]))
    }

    @Test func batchnorm_folds_into_the_conv_and_relu_fuses() throws {
        let model = try Fixture.importModel("conv_bn_relu.onnx")
        #expect(model.graph.nodes.map(\.op) == [.conv2d])
        let conv = model.graph.nodes[0]
        #expect(conv.int("activation", default: -1) == FusedActivation.relu.rawValue)
        #expect(conv.ints("pads") == [1, 1, 1, 1])
        let weight = try #require(model.floatConstant(conv.inputs[1]))
        let bias = try #require(model.floatConstant(conv.inputs[2]))
        #expect(allClose(weight, try Fixture.floats("conv_bn_relu_weight.npy"), rtol: 1e-5, atol: 1e-6))
        #expect(allClose(bias, try Fixture.floats("conv_bn_relu_bias.npy"), rtol: 1e-5, atol: 1e-6))
        #expect(model.graph.tensors[conv.outputs[0]].name == "y")
        // Only the folded weights remain: the original W, BN statistics are gone.
        #expect(model.constants.count == 2)
    }

    @Test func a_shape_subgraph_with_a_dynamic_batch_folds_into_the_reshape() throws {
        let model = try Fixture.importModel("shape_subgraph.onnx")
        #expect(model.graph.nodes.map(\.op) == [.reshape])
        #expect(model.graph.nodes[0].ints("shape") == [0, -1])
        #expect(model.constants.isEmpty)
    }

    /// Shape -> Concat -> Expand -> Slice builds a zero state sized by the batch: it folds
    /// into the LSTM's default (absent) initial state.
    @Test func a_batch_sized_zero_state_becomes_the_default_state() throws {
        let model = try Fixture.importModel("lstm_zero_state.onnx")
        #expect(model.graph.nodes.map(\.op) == [.lstm])
        #expect(model.graph.nodes[0].inputs[5] == Node.absent && model.graph.nodes[0].inputs[6] == Node.absent)
    }

    @Test func every_unsupported_op_is_listed_in_one_error() throws {
        #expect {
            _ = try Fixture.importModel("unsupported.onnx")
        } throws: { error in
            guard let e = error as? DLError, e.code == .unsupportedOp else { return false }
            return e.message.hasPrefix("3 unsupported ops")
                && e.message.contains("Erf (node 'erf1', opset 17)")
                && e.message.contains("Sin (node 'sin1', opset 17)")
                && e.message.contains("com.example.Fancy (node 'custom', opset 1)")
                && !e.message.contains("'ok'")
        }
    }

    /// Opset 11 Softmax(axis=1) on [2,3,4] normalizes over 12 values at once.
    @Test func opset11_softmax_over_two_axes_flattens_first() throws {
        let model = try Fixture.importModel("softmax_opset11.onnx")
        #expect(model.graph.nodes.map(\.op) == [.flatten, .softmax, .reshape])
        #expect(model.graph.nodes[0].int("axis", default: 0) == 1)
        #expect(model.graph.nodes[1].int("axis", default: 0) == -1)
        #expect(model.graph.nodes[2].ints("shape") == [2, 3, 4])
        #expect(model.graph.tensors[model.graph.outputs[0]].name == "y")
    }

    @Test func constants_from_all_three_storages_are_materialized_once_each() throws {
        let model = try Fixture.importModel("tensor_storage.onnx")
        #expect(model.graph.nodes.map(\.op) == [.add, .add, .add])
        let expected = try Fixture.floats("tensor_storage_values.npy")
        for node in model.graph.nodes {
            #expect(model.floatConstant(node.inputs[1]) == expected)
        }
    }
}

@Suite struct QDQImportTests {
    /// Quantize → Dequantize → Gemm(Dequantize(W), Dequantize(b)) → Quantize → Dequantize
    /// becomes Quantize → int8 Dense → Dequantize on the integers the file holds.
    @Test func a_qdq_gemm_fuses_into_one_int8_dense() throws {
        let model = try Fixture.importModel("qdq_gemm.onnx")
        #expect(model.graph.nodes.map(\.op) == [.quantize, .dense, .dequantize])
        let dense = model.graph.nodes[1]
        let x = model.graph.tensors[dense.inputs[0]], w = model.graph.tensors[dense.inputs[1]]
        let b = model.graph.tensors[dense.inputs[2]], y = model.graph.tensors[dense.outputs[0]]
        // uint8 activations become int8 with the zero point moved by 128: the same real values.
        #expect(x.dtype == .int8 && x.quant == QuantParams(scale: 0.02, zeroPoint: 0))
        #expect(y.dtype == .int8 && y.quant == QuantParams(scale: 0.05, zeroPoint: -8))
        #expect(w.dtype == .int8 && w.quant == QuantParams(scales: [0.01, 0.02, 0.03], zeroPoints: [0, 0, 0], axis: 0))
        let expectedW = try NpyFile.read(path: Fixture.path("qdq_gemm_wq.npy"))
        #expect(model.constants[dense.inputs[1]] == expectedW.bytes)
        #expect(b.dtype == .int32 && b.quant?.scales == [Float(0.01) * 0.02, Float(0.02) * 0.02, Float(0.03) * 0.02])
        let expectedB = try NpyFile.read(path: Fixture.path("qdq_gemm_bq.npy"))
        #expect(model.constants[dense.inputs[2]] == expectedB.bytes)
        #expect(model.graph.tensors[model.graph.outputs[0]].name == "y")
        #expect(model.graph.tensors[model.graph.outputs[0]].dtype == .float32)
    }
}

@Suite struct QDQDataMovementTests {
    /// Q → DQ → Conv → Q → DQ → MaxPool → Q → DQ → Flatten → Q → DQ → Gemm → Q → DQ with the
    /// conv output's parameters kept through the pool and the flatten: one int8 chain.
    @Test func a_pool_and_flatten_between_equal_qdq_pairs_run_in_int8() throws {
        let model = try Fixture.importModel("qdq_cnn.onnx")
        #expect(model.graph.nodes.map(\.op) == [.quantize, .conv2d, .maxPool2d, .flatten, .dense, .dequantize])
        let conv = model.graph.nodes[1], pool = model.graph.nodes[2], flatten = model.graph.nodes[3]
        #expect(pool.inputs[0] == conv.outputs[0] && flatten.inputs[0] == pool.outputs[0])
        for t in [conv.outputs[0], pool.outputs[0], flatten.outputs[0]] {
            #expect(model.graph.tensors[t].dtype == .int8)
            #expect(model.graph.tensors[t].quant == QuantParams(scale: 0.05, zeroPoint: 100 - 128))
        }
    }

    /// The pool's output quantized with another scale: the pool stays a float op between a
    /// Dequantize and a Quantize (requantizing is not exact); the flatten after it, whose
    /// parameters match, still runs in int8.
    @Test func a_pool_whose_output_has_other_parameters_stays_float() throws {
        let model = try Fixture.importModel("qdq_cnn_rescaled.onnx")
        #expect(model.graph.nodes.map(\.op) == [.quantize, .conv2d, .dequantize, .maxPool2d, .quantize, .flatten, .dense, .dequantize])
        #expect(model.graph.tensors[model.graph.nodes[3].outputs[0]].dtype == .float32)
    }
}
