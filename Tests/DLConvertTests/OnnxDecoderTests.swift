import DLConvert
import DLCore
import Testing
import _TestSupport

@Suite struct OnnxDecoderTests {
    @Test func raw_typed_and_external_storage_decode_to_the_same_values() throws {
        let model = try OnnxDecoder.read(path: Fixture.path("tensor_storage.onnx"))
        let expected = try Fixture.floats("tensor_storage_values.npy")
        #expect(model.graph.initializers.map(\.name) == ["raw", "typed", "external"])
        for t in model.graph.initializers {
            #expect(t.dims == [3, 5])
            #expect(t.floatValues == expected, "tensor \(t.name)")
        }
    }

    @Test func dynamic_dimensions_are_named_parameters() throws {
        let model = try OnnxDecoder.read(path: Fixture.path("gemm_transb.onnx"))
        #expect(model.graph.inputs[0].dims == [.param("batch"), .value(3)])
        #expect(model.graph.inputs[0].shape == Shape([-1, 3]))
        #expect(model.defaultOpset == 13)
    }

    @Test func external_data_outside_the_model_directory_is_refused() throws {
        #expect {
            _ = try OnnxDecoder.read(path: Fixture.path("external_escape.onnx"))
        } throws: { ($0 as? DLError)?.message.contains("relative path inside") == true }
    }

    @Test func external_data_needs_a_base_directory() throws {
        let bytes = try #require(readBytes(Fixture.path("tensor_storage.onnx")))
        #expect(throws: DLError.self) { _ = try OnnxDecoder.decode(bytes, baseDirectory: nil) }
    }

    /// Every prefix of a valid model and a few corrupted copies: errors, never a crash.
    @Test(arguments: ["conv_bn_relu.onnx", "shape_subgraph.onnx", "qdq_gemm.onnx", "softmax_opset11.onnx", "conv1d.onnx", "gemm_transb.onnx", "mlp2.onnx"])
    func truncated_and_corrupted_files_give_errors(_ name: String) throws {
        let bytes = try #require(readBytes(Fixture.path(name)))
        for length in stride(from: 0, to: bytes.count - 1, by: 7) {
            do { _ = try OnnxImporter.importModel(try OnnxDecoder.decode(Array(bytes[0..<length]), baseDirectory: nil)) }
            catch { #expect(!error.message.isEmpty) }
        }
        var random = SeededGenerator(seed: 3)
        for _ in 0..<1500 {
            var copy = bytes
            for _ in 0..<3 { copy[Int.random(in: 0..<copy.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            do { _ = try OnnxImporter.importModel(try OnnxDecoder.decode(copy, baseDirectory: nil)) }
            catch { #expect(!error.message.isEmpty) }
        }
    }

    @Test func a_tensor_whose_data_disagrees_with_its_dims_is_refused() throws {
        // TensorProto{dims: [4], data_type: FLOAT, raw_data: 8 bytes}
        let tensor: [UInt8] = [0x08, 0x04, 0x10, 0x01, 0x4a, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]
        #expect { _ = try OnnxDecoder.decodeTensor(tensor) } throws: {
            ($0 as? DLError)?.message.contains("raw_data has 8 bytes") == true
        }
        let good: [UInt8] = [0x08, 0x02, 0x10, 0x01, 0x4a, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]
        #expect(try OnnxDecoder.decodeTensor(good).floatValues == [1, 2])
    }
}

func readBytes(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n == 0 { break }
        out += buffer[0..<n]
    }
    return out
}

#if canImport(Glibc)
import Glibc
#endif
