import Testing
import DLCore
import DLKernels
@testable import DLRuntime
import _TestSupport

/// Stride-1 "same" convolutions run on the direct kernel with weights packed at model load;
/// through the runtime they equal DLKernels' reference convolution.
@Suite struct DirectConvGraphTests {
    /// int8 conv 3×3, pad 1, fused relu, 5 -> 10 channels: packed for the direct kernel at load, bit-exact.
    @Test(arguments: [1, 3])
    func int8ConvOnTheDirectKernel(batch: Int) throws {
        var g = SeededGenerator(seed: 31)
        let (cin, cout, side) = (5, 10, 9)
        let xq = QuantParams(scale: 0.04, zeroPoint: -3), yq = QuantParams(scale: 0.05, zeroPoint: -128)
        let scales: [Float] = (0..<cout).map { _ in Float.random(in: 0.005...0.02, using: &g) }
        var graph = Graph()
        let x = graph.addTensor(TensorDesc(name: "x", dtype: .int8, shape: Shape([-1, cin, side, side]), quant: xq))
        let w = graph.addTensor(TensorDesc(name: "w", dtype: .int8, shape: Shape([cout, cin, 3, 3]),
                                           quant: QuantParams(scales: scales, zeroPoints: [Int32](repeating: 0, count: cout), axis: 0),
                                           kind: .constant))
        let b = graph.addTensor(TensorDesc(name: "b", dtype: .int32, shape: Shape([cout]), kind: .constant))
        let y = graph.addTensor(TensorDesc(name: "y", dtype: .int8, shape: Shape([-1, cout, side, side]), quant: yq))
        graph.nodes = [Node(name: "conv", op: .conv2d, inputs: [x, w, b], outputs: [y], attributes: [
            Attribute("pads", .ints([1, 1, 1, 1])), Attribute("activation", .int(1))])]
        graph.inputs = [x]; graph.outputs = [y]
        let weights = (0..<(cout * cin * 9)).map { _ in Int8.random(in: -127...127, using: &g) }
        let bias = (0..<cout).map { _ in Int32.random(in: -300...300, using: &g) }
        let model = try Model(graph: graph, constants: [w: weights.map { UInt8(bitPattern: $0) }, b: bias.withUnsafeBytes { Array($0) }])
        #expect(model.packed.conv[0] != nil)
        let plane = side * side
        let input = (0..<(batch * cin * plane)).map { _ in Int8.random(in: -128...127, using: &g) }
        var output = [Int8](repeating: 0, count: batch * cout * plane)
        let session = try Session(model: model)
        let dims: [Int64] = [Int64(batch), Int64(cin), Int64(side), Int64(side)]
        try input.withUnsafeBytes { xb in try output.withUnsafeMutableBytes { yb in try dims.withUnsafeBufferPointer { d in
            try session.setInput(0, data: xb.baseAddress, byteCount: xb.count, dtype: .int8, rank: 4, dims: d.baseAddress)
            try session.setOutput(0, data: yb.baseAddress, byteCount: yb.count)
            try session.run()
        } } }

        let params = Conv2DParams(batch: batch, inChannels: cin, inHeight: side, inWidth: side, outChannels: cout,
                                  kernelHeight: 3, kernelWidth: 3, pads: (1, 1, 1, 1))
        let q = Conv2DInt8Quantization(inputZeroPoint: -3, outputZeroPoint: -128, outputMin: -128, outputMax: 127)
        let multipliers = Conv2DInt8Quantization.multipliers(inputScale: 0.04, weightScales: scales, outputScale: 0.05)
        var expected = [Int8](repeating: 0, count: output.count)
        expected.withUnsafeMutableBufferPointer { e in
            Conv2DInt8.reference(params, q, input: input, weight: weights, bias: bias, multipliers: multipliers, output: e.baseAddress!)
        }
        #expect(output == expected)
    }
}
