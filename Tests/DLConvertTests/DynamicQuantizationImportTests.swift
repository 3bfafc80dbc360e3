@testable import DLConvert
import DLCore
import DLRuntime
import Testing
import _TestSupport

/// onnxruntime's quantize_dynamic MatMul, built here node by node, against its ONNX
/// definition written out: DynamicQuantizeLinear to uint8, MatMulInteger, Cast, Mul.
@Suite struct DynamicQuantizationImportTests {
    static let (k, n) = (6, 4)
    static let weights: [Int8] = (0..<(k * n)).map { Int8(($0 * 37) % 255 - 127) }   // [K, N]
    static let scales: [Float] = [0.011, 0.02, 0.0075, 0.016]

    static func model(extraReader: Bool = false, weightZeroPoint: Int8 = 0) -> OnnxModel {
        func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [String: OnnxAttribute] = [:]) -> OnnxNode {
            OnnxNode(name: "", opType: op, domain: "", inputs: inputs, outputs: outputs, attributes: attributes)
        }
        var nodes = [
            node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"]),
            node("Mul", ["xs", "ws"], ["s"]),
            node("MatMulInteger", ["xq", "w", "xzp", "wzp"], ["acc"]),
            node("Cast", ["acc"], ["accf"], ["to": .int(1)]),
            node("Mul", ["accf", "s"], ["y"]),
        ]
        var outputs = [OnnxValueInfo(name: "y", elementType: 1, dims: [.param("batch"), .value(n)])]
        if extraReader {
            nodes.append(node("Cast", ["xs"], ["xs_copy"], ["to": .int(1)]))
            outputs.append(OnnxValueInfo(name: "xs_copy", elementType: 1, dims: []))
        }
        let initializers = [
            HostTensor(name: "w", type: .int8, dims: [k, n], bytes: weights.map { UInt8(bitPattern: $0) }),
            HostTensor(name: "ws", floats: scales, dims: [n]),
            HostTensor(name: "wzp", type: .int8, dims: [n], bytes: [UInt8](repeating: UInt8(bitPattern: weightZeroPoint), count: n)),
        ]
        let graph = OnnxGraph(name: "dq", nodes: nodes, initializers: initializers,
                              inputs: [OnnxValueInfo(name: "x", elementType: 1, dims: [.param("batch"), .value(k)])],
                              outputs: outputs, valueInfo: [])
        return OnnxModel(irVersion: 8, producerName: "test", producerVersion: "1", opsets: ["": 17], graph: graph, metadata: [])
    }

    @Test func becomesOneDynamicDenseThatComputesTheOnnxDefinition() throws {
        let imported = try OnnxImporter.importModel(Self.model())
        #expect(imported.graph.nodes.map(\.op) == [.dense])
        let dense = imported.graph.nodes[0]
        #expect(dense.computesDynamicRange)
        let w = imported.graph.tensors[dense.inputs[1]]
        #expect(w.dtype == .int8 && w.shape.dims == [Self.n, Self.k] && w.quant?.scales == Self.scales && w.quant?.axis == 0)

        let x: [Float] = [0.3, -1.7, 2.25, 0.0, 5.5, -0.01, 1.0, 1.0, -3.0, 0.4, 0.6, 2.0]   // [2, K]
        let session = try Session(model: try Model(graph: imported.graph, metadata: imported.metadata, constants: imported.constants))
        let got = try session.run([x], shapes: [Shape([2, Self.k])])[0]
        // DynamicQuantizeLinear: uint8 over [min(x, 0), max(x, 0)], zero point saturate(round(−min / scale)).
        let lo = min(x.min()!, 0), hi = max(x.max()!, 0)
        let xs = (hi - lo) / 255
        let xzp = min(max((-lo / xs).rounded(.toNearestOrEven), 0), 255)
        let xq = x.map { min(max(($0 / xs).rounded(.toNearestOrEven) + xzp, 0), 255) }
        for r in 0..<2 {
            for j in 0..<Self.n {
                var acc: Int32 = 0
                for p in 0..<Self.k { acc += (Int32(xq[r * Self.k + p]) - Int32(xzp)) * Int32(Self.weights[p * Self.n + j]) }
                #expect(got[r * Self.n + j] == Float(acc) * (xs * Self.scales[j]), "row \(r) column \(j)")
            }
        }
    }

    @Test func otherUsesOfDynamicQuantizeLinearAreRefusedByName() {
        let error = #expect(throws: DLError.self) { _ = try OnnxImporter.importModel(Self.model(extraReader: true)) }
        #expect(error?.code == .unsupportedOp)
        #expect(error?.message.contains("quantize_dynamic") == true)
    }

    @Test func asymmetricWeightsAreRefused() {
        let error = #expect(throws: DLError.self) { _ = try OnnxImporter.importModel(Self.model(weightZeroPoint: 3)) }
        #expect(error?.message.contains("symmetric") == true)
    }
}
