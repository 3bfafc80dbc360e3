import DLConvert
import DLCore
import DLRuntime
import Testing
import _TestSupport

@Suite struct PostTrainingQuantizerTests {
    @Test func a_dense_layer_becomes_quantize_int8_dense_dequantize() throws {
        let model = try Fixture.importModel("gemm_transb.onnx")
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: ["x": -2...3, "y": -4...5])
        #expect(q.graph.nodes.map(\.op) == [.quantize, .dense, .dequantize])
        let dense = q.graph.nodes[1]
        let w = q.graph.tensors[dense.inputs[1]], b = q.graph.tensors[dense.inputs[2]]
        let x = q.graph.tensors[dense.inputs[0]], y = q.graph.tensors[dense.outputs[0]]
        #expect(x.dtype == .int8 && y.dtype == .int8 && w.dtype == .int8 && b.dtype == .int32)
        // Weights: symmetric per output channel, within half a step of the float weights.
        let wq = try #require(w.quant)
        #expect(wq.axis == 0 && wq.scales.count == 4 && wq.zeroPoints.allSatisfy { $0 == 0 })
        let floatW = try #require(model.floatConstant(model.graph.nodes[0].inputs[1]))
        let bytes = try #require(q.constants[dense.inputs[1]])
        for i in floatW.indices {
            let c = i / 3
            let real = Float(Int8(bitPattern: bytes[i])) * wq.scales[c]
            #expect(abs(real - floatW[i]) <= wq.scales[c] / 2 + 1e-7)
            #expect(Int8(bitPattern: bytes[i]) != -128)
        }
        // Bias: int32 with scale input scale × weight scale.
        let xScale = try #require(x.quant?.scales.first)
        #expect(b.quant?.scales == wq.scales.map { $0 * xScale })
        // Activations: the calibrated ranges, with zero exactly representable.
        let xq = try #require(x.quant)
        let (s, z) = (xq.scales[0], Float(xq.zeroPoints[0]))
        #expect(abs(s * 255 - 5) < 1e-3)
        #expect((-128 - z) * s <= -2 + s && (127 - z) * s >= 3 - s)
        #expect(q.graph.tensors[q.graph.outputs[0]].name == "y" && q.graph.tensors[q.graph.outputs[0]].dtype == .float32)
    }

    @Test func consecutive_int8_layers_pass_int8_between_them() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        #expect(model.graph.nodes.map(\.op) == [.dense, .dense])   // Relu fused into fc1
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: ["x": -3...3, "r": 0...4, "y": -6...6])
        #expect(q.graph.nodes.map(\.op) == [.quantize, .dense, .dense, .dequantize])
        #expect(q.graph.nodes[2].inputs[0] == q.graph.nodes[1].outputs[0])
    }

    @Test func excluded_layers_stay_float() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: ["x": -3...3, "r": 0...4, "y": -6...6], exclude: ["fc2"])
        #expect(q.graph.nodes.map(\.op) == [.quantize, .dense, .dequantize, .dense])
        #expect(q.graph.tensors[q.graph.nodes[3].inputs[1]].dtype == .float32)
        #expect(throws: DLError.self) {
            _ = try PostTrainingQuantizer.quantizeInt8(model, ranges: [:], exclude: ["no_such_layer"])
        }
    }

    @Test func layers_without_calibrated_ranges_stay_float() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: [:])
        #expect(q.graph.nodes.map(\.op) == [.dense, .dense])
    }

    @Test func calibration_model_exposes_every_float_activation() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let c = PostTrainingQuantizer.calibrationModel(model)
        #expect(Set(c.graph.outputs.map { c.graph.tensors[$0].name }) == ["y", "r"])
        #expect(c.graph.outputs.first == model.graph.outputs.first)
    }

    @Test func float16_weights_round_to_the_nearest_half() throws {
        let model = try Fixture.importModel("mlp2.onnx")
        let h = PostTrainingQuantizer.convertWeightsToFloat16(model)
        for (old, new) in zip(model.graph.nodes, h.graph.nodes) {
            let w = h.graph.tensors[new.inputs[1]]
            #expect(w.dtype == .float16)
            let original = try #require(model.floatConstant(old.inputs[1]))
            let half = try NpyFile.decode(NpyFile.encode(HostTensor(type: .float16, dims: w.shape.dims, bytes: h.constants[new.inputs[1]]!))).floatValues
            for i in original.indices { #expect(abs(half[i] - original[i]) <= abs(original[i]) * 0x1p-11 + 1e-7) }
            #expect(h.graph.tensors[new.inputs[2]].dtype == .float32)   // biases stay float32
        }
    }
}

/// LSTM/GRU/RNN weights stored int8 (weights only): the converter's side and the runtime's
/// widening at load, against the float model run with the same dequantized weights.
@Suite struct RecurrentWeightQuantizationTests {
    @Test func lstm_weights_become_int8_per_output_row_and_the_bias_stays_float() throws {
        let model = try Fixture.importModel("lstm_zero_state.onnx")
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: [:])
        #expect(q.graph.nodes.map(\.op) == [.lstm])
        let before = model.graph.nodes[0], after = q.graph.nodes[0]
        for slot in 1...2 {
            let t = q.graph.tensors[after.inputs[slot]]
            let params = try #require(t.quant)
            #expect(t.dtype == .int8 && t.kind == .constant)
            #expect(params.axis == 1 && params.scales.count == t.shape[1] && params.zeroPoints.allSatisfy { $0 == 0 })
            let original = try #require(model.floatConstant(before.inputs[slot]))
            let bytes = try #require(q.constants[after.inputs[slot]])
            let inner = t.shape[2]
            for i in original.indices {
                let row = (i / inner) % t.shape[1]
                let v = Int8(bitPattern: bytes[i])
                #expect(v != -128)
                #expect(abs(Float(v) * params.scales[row] - original[i]) <= params.scales[row] / 2 + 1e-7)
            }
            // Each row's largest weight maps to ±127 (scale = max|w| / 127).
            for row in 0..<t.shape[1] {
                #expect((0..<inner).map { abs(Int(Int8(bitPattern: bytes[row * inner + $0]))) }.max() == 127)
            }
        }
        #expect(q.graph.tensors[after.inputs[3]].dtype == .float32)
        let excluded = try PostTrainingQuantizer.quantizeInt8(model, ranges: [:], exclude: [before.name])
        #expect(excluded.graph.tensors[excluded.graph.nodes[0].inputs[1]].dtype == .float32)
    }

    @Test func the_runtime_widens_int8_recurrent_weights_at_load() throws {
        let model = try Fixture.importModel("lstm_zero_state.onnx")
        let q = try PostTrainingQuantizer.quantizeInt8(model, ranges: [:])
        let input = try NpyFile.read(path: Fixture.path("lstm_zero_state_input.npy"))
        let expected = try NpyFile.read(path: Fixture.path("lstm_zero_state_expected.npy"))
        func run(_ m: ImportedModel) throws -> [Float] {
            let session = try Session(model: try Model(graph: m.graph, metadata: m.metadata, constants: m.constants))
            return try session.run([input.floatValues], shapes: [Shape(input.dims)])[0]
        }
        // The reference: the float model whose W and R are the int8 values times their scales.
        var dequantized = model
        let node = q.graph.nodes[0]
        for slot in 1...2 {
            let t = q.graph.tensors[node.inputs[slot]], params = try #require(t.quant)
            let bytes = try #require(q.constants[node.inputs[slot]])
            let inner = t.shape[2]
            let values = bytes.indices.map { Float(Int8(bitPattern: bytes[$0])) * params.scales[($0 / inner) % t.shape[1]] }
            dequantized.constants[model.graph.nodes[0].inputs[slot]] = values.withUnsafeBytes { Array($0) }
        }
        let int8 = try run(q)
        #expect(maxAbsDifference(int8, try run(dequantized)) <= 1e-6)
        // And close to onnxruntime's float result (hidden states in (-1, 1)).
        #expect(maxAbsDifference(int8, expected.floatValues) <= 0.02)
        #expect(maxAbsDifference(int8, expected.floatValues) > 0)
    }
}

@Suite struct CalibrationTests {
    @Test func minmax_is_the_extremes_and_always_contains_zero() {
        var o = ActivationObserver(method: .minMax)
        o.observe("a", [1, 2, 3])
        o.observe("a", [5, 1.5])
        o.observe("b", [-4, -1])
        #expect(o.ranges()["a"] == 0...5)
        #expect(o.ranges()["b"] == -4...0)
    }

    @Test func percentile_ignores_rare_outliers() {
        var o = ActivationObserver(method: .percentile(99.9))
        var values = (0..<10_000).map { Float($0) / 10_000 }
        values[1234] = 1e6
        o.observe("a", values)
        let r = o.ranges()["a"]!
        #expect(r.upperBound < 1.01 && r.upperBound > 0.99)
        var m = ActivationObserver(method: .minMax)
        m.observe("a", values)
        #expect(m.ranges()["a"]!.upperBound == 1e6)
    }

    @Test func method_names() {
        #expect(CalibrationMethod(name: "minmax") == .minMax)
        #expect(CalibrationMethod(name: "percentile", percentile: 99.9) == .percentile(99.9))
        #expect(CalibrationMethod(name: "entropy") == nil)
        #expect(CalibrationMethod(name: "percentile", percentile: 20) == nil)
    }
}
