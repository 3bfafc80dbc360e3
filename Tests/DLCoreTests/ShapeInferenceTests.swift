import Testing
@testable import DLCore

/// Expected shapes are worked out by hand from the ONNX operator definitions.
@Suite struct ShapeInferenceTests {
    func f32(_ dims: Int...) -> TensorType { TensorType(.float32, Shape(dims)) }

    func infer(_ op: OpCode, _ inputs: [TensorType?], _ attributes: [Attribute] = [], outputs: Int = 1) throws -> [TensorType] {
        let node = Node(name: "n", op: op, inputs: Array(0..<inputs.count), outputs: Array(0..<outputs), attributes: attributes)
        return try ShapeInference.outputTypes(of: node, inputs: inputs)
    }

    func expectInvalid(_ op: OpCode, _ inputs: [TensorType?], _ attributes: [Attribute] = [], mentioning text: String) {
        let error = #expect(throws: DLError.self) { _ = try infer(op, inputs, attributes) }
        #expect(error?.code == .invalidModel)
        #expect(error?.message.contains(text) == true, "message: \(error?.message ?? "none")")
    }

    @Test func denseKeepsLeadingDimsAndDynamicBatch() throws {
        #expect(try infer(.dense, [f32(-1, 784), f32(512, 784), f32(512)]) == [f32(-1, 512)])
        #expect(try infer(.dense, [f32(2, 3, 8), f32(4, 8)]) == [f32(2, 3, 4)])
        expectInvalid(.dense, [f32(2, 7), f32(4, 8)], mentioning: "7 features")
        expectInvalid(.dense, [f32(2, 8), f32(4, 8), f32(5)], mentioning: "bias has shape [5]")
    }

    @Test func matMulBroadcastsBatchAndPromotesVectors() throws {
        #expect(try infer(.matMul, [f32(2, 1, 3, 4), f32(5, 4, 6)]) == [f32(2, 5, 3, 6)])
        #expect(try infer(.matMul, [f32(4), f32(4, 6)]) == [f32(6)])
        #expect(try infer(.matMul, [f32(3, 4), f32(4)]) == [f32(3)])
        expectInvalid(.matMul, [f32(3, 4), f32(5, 6)], mentioning: "inner dimension")
    }

    @Test func convOutputSize() throws {
        // (32 + 1 + 1 - 3) / 2 + 1 = 16; group 2 needs W [8, 2, ...] for 4 channels.
        let attrs = [Attribute("strides", .ints([2, 2])), Attribute("pads", .ints([1, 1, 1, 1])), Attribute("group", .int(2))]
        #expect(try infer(.conv2d, [f32(-1, 4, 32, 30), f32(8, 2, 3, 3), f32(8)], attrs) == [f32(-1, 8, 16, 15)])
        // Dilation 2 makes a 3x3 kernel span 5: 7 - 5 + 1 = 3.
        #expect(try infer(.conv2d, [f32(1, 1, 7, 7), f32(1, 1, 3, 3)], [Attribute("dilations", .ints([2, 2]))]) == [f32(1, 1, 3, 3)])
        expectInvalid(.conv2d, [f32(1, 3, 8, 8), f32(4, 2, 3, 3)], mentioning: "3 channels")
        expectInvalid(.conv2d, [f32(1, 1, 2, 2), f32(1, 1, 3, 3)], mentioning: "does not fit")
    }

    @Test func poolingFloorAndCeilMode() throws {
        let k = [Attribute("kernel", .ints([3, 3])), Attribute("strides", .ints([2, 2]))]
        // floor((6 - 3) / 2) + 1 = 2, ceil: ceil(3 / 2) + 1 = 3.
        #expect(try infer(.maxPool2d, [f32(1, 2, 6, 6)], k) == [f32(1, 2, 2, 2)])
        #expect(try infer(.maxPool2d, [f32(1, 2, 6, 6)], k + [Attribute("ceil_mode", .int(1))]) == [f32(1, 2, 3, 3)])
        #expect(try infer(.globalAvgPool, [f32(-1, 16, 7, 7)]) == [f32(-1, 16, 1, 1)])
        expectInvalid(.avgPool2d, [f32(1, 2, 6, 6)], mentioning: "kernel")
    }

    @Test func broadcastingElementwise() throws {
        #expect(try infer(.add, [f32(-1, 3, 1), f32(4)]) == [f32(-1, 3, 4)])
        #expect(try infer(.mul, [f32(2, 1), f32(1, 5)]) == [f32(2, 5)])
        expectInvalid(.sub, [f32(2, 3), f32(4)], mentioning: "do not broadcast")
    }

    @Test func reshapeFlattenSqueezeUnsqueeze() throws {
        #expect(try infer(.reshape, [f32(2, 3, 4)], [Attribute("shape", .ints([0, -1]))]) == [f32(2, 12)])
        #expect(try infer(.reshape, [f32(-1, 3, 4)], [Attribute("shape", .ints([0, -1]))]) == [f32(-1, 12)])
        #expect(try infer(.reshape, [f32(-1, 3, 4)], [Attribute("shape", .ints([-1, 6]))]) == [f32(-1, 6)])
        expectInvalid(.reshape, [f32(2, 3, 4)], [Attribute("shape", .ints([5, -1]))], mentioning: "cannot reshape")
        #expect(try infer(.flatten, [f32(-1, 2, 3, 4)]) == [f32(-1, 24)])
        #expect(try infer(.flatten, [f32(2, 3, 4)], [Attribute("axis", .int(0))]) == [f32(1, 24)])
        #expect(try infer(.squeeze, [f32(1, 3, 1, 2)], [Attribute("axes", .ints([0, -2]))]) == [f32(3, 2)])
        #expect(try infer(.unsqueeze, [f32(3, 2)], [Attribute("axes", .ints([0, 3]))]) == [f32(1, 3, 2, 1)])
        expectInvalid(.squeeze, [f32(2, 3)], [Attribute("axes", .ints([0]))], mentioning: "size 2")
    }

    @Test func concatTransposeGather() throws {
        #expect(try infer(.concat, [f32(-1, 3), f32(-1, 5)], [Attribute("axis", .int(1))]) == [f32(-1, 8)])
        #expect(try infer(.transpose, [f32(2, 3, 4)], [Attribute("perm", .ints([2, 0, 1]))]) == [f32(4, 2, 3)])
        #expect(try infer(.transpose, [f32(2, 3, 4)]) == [f32(4, 3, 2)])
        expectInvalid(.transpose, [f32(2, 3)], [Attribute("perm", .ints([0, 0]))], mentioning: "not a permutation")
        #expect(try infer(.gather, [f32(100, 16), TensorType(.int64, Shape([-1, 7]))]) == [f32(-1, 7, 16)])
        expectInvalid(.gather, [f32(100, 16), f32(3)], mentioning: "indices")
    }

    @Test func recurrentOutputs() throws {
        // X [seq 5, batch ?, input 10], hidden 20, bidirectional.
        let attrs = [Attribute("hidden_size", .int(20)), Attribute("direction", .int(2))]
        let lstm = try infer(.lstm, [f32(5, -1, 10), f32(2, 80, 10), f32(2, 80, 20), f32(2, 160)], attrs, outputs: 3)
        #expect(lstm == [f32(5, 2, -1, 20), f32(2, -1, 20), f32(2, -1, 20)])
        let gru = try infer(.gru, [f32(-1, 5, 10), f32(1, 60, 10), f32(1, 60, 20)],
                            [Attribute("hidden_size", .int(20)), Attribute("layout", .int(1))], outputs: 2)
        #expect(gru == [f32(-1, 5, 1, 20), f32(-1, 1, 20)])
        expectInvalid(.rnn, [f32(5, 1, 10), f32(1, 20, 9), f32(1, 20, 20)], [Attribute("hidden_size", .int(20))], mentioning: "W has shape")
    }

    @Test func quantizeDequantizeAndNorms() throws {
        let q = Node(name: "q", op: .quantize, inputs: [0], outputs: [1])
        #expect(try ShapeInference.outputTypes(of: q, inputs: [f32(2, 3)], declared: [TensorType(.uint8, Shape([2, 3]))])
                == [TensorType(.uint8, Shape([2, 3]))])
        #expect(try infer(.dequantize, [TensorType(.int8, Shape([4]))]) == [f32(4)])
        #expect(try infer(.batchNorm, [f32(-1, 3, 8, 8), f32(3), f32(3), f32(3), f32(3)]) == [f32(-1, 3, 8, 8)])
        #expect(try infer(.layerNorm, [f32(2, 5, 8), f32(8), f32(8)]) == [f32(2, 5, 8)])
        expectInvalid(.layerNorm, [f32(2, 5, 8), f32(5)], mentioning: "scale has shape [5]")
        expectInvalid(.softmax, [f32(2, 5)], [Attribute("axis", .int(2))], mentioning: "axis 2")
    }

    @Test func graphInferenceResolvesBatchAndChecksDeclarations() throws {
        var g = Graph()
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, 4])))
        let w = g.addTensor(TensorDesc(name: "w", dtype: .float32, shape: Shape([3, 4]), kind: .constant))
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, 3])))
        g.nodes = [Node(name: "fc", op: .dense, inputs: [x, w], outputs: [y])]
        g.inputs = [x]; g.outputs = [y]
        #expect(try g.inferTypes()[y] == f32(-1, 3))
        #expect(try g.inferTypes(inputShapes: [Shape([7, 4])])[y] == f32(7, 3))
        let mismatch = #expect(throws: DLError.self) { _ = try g.inferTypes(inputShapes: [Shape([7, 5])]) }
        #expect(mismatch?.code == .shapeMismatch)
        g.tensors[y].shape = Shape([-1, 2])
        let declared = #expect(throws: DLError.self) { _ = try g.inferTypes() }
        #expect(declared?.message.contains("declared [?, 2]") == true)
        g.tensors[y].shape = Shape([-1, 3])
        g.nodes[0].outputs = [x]
        #expect(throws: DLError.self) { _ = try g.inferTypes() }
    }
}
