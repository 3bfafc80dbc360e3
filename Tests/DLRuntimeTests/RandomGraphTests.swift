import Testing
import DLCore
@testable import DLRuntime
import _TestSupport

/// Model files are untrusted: random graphs (random ops, wiring, shapes and attribute values,
/// many of them nonsense) must load and run or fail with an error, never trap. A trap here
/// kills the test process, so this test fails loudly if any path is unchecked.
@Suite struct RandomGraphTests {
    static let interestingInts: [Int64] = [-3, -2, -1, 0, 1, 2, 3, 4, 7, 1 << 20, Int64(Int32.max), Int64.max, Int64.min]

    func randomAttribute(_ g: inout SeededGenerator) -> Attribute {
        let names = ["axis", "axes", "perm", "shape", "strides", "pads", "dilations", "kernel", "group", "activation",
                     "hidden_size", "direction", "layout", "ceil_mode", "min", "max", "alpha", "epsilon", "approximate"]
        let name = names.randomElement(using: &g)!
        let int = { (g: inout SeededGenerator) in Self.interestingInts.randomElement(using: &g)! }
        switch Int.random(in: 0..<4, using: &g) {
        case 0: return Attribute(name, .int(int(&g)))
        case 1: return Attribute(name, .ints((0..<Int.random(in: 0...5, using: &g)).map { _ in
            Bool.random(using: &g) ? int(&g) : Int64.random(in: -1...3, using: &g) }))
        case 2: return Attribute(name, .float([Float.nan, -1, 0, 0.5, 6, .infinity].randomElement(using: &g)!))
        default: return Attribute(name, .floats([1, 2]))
        }
    }

    func randomShape(_ g: inout SeededGenerator, dynamic: Bool) -> Shape {
        let rank = Int.random(in: 0...4, using: &g)
        return Shape((0..<rank).map { i in dynamic && i == 0 && Bool.random(using: &g) ? -1 : Int.random(in: 0...4, using: &g) })
    }

    @Test func randomGraphsNeverTrap() {
        var g = SeededGenerator(seed: 2026)
        var loaded = 0, ran = 0, ranInt8 = 0
        for _ in 0..<10000 {
            var graph = Graph()
            var constants = [Int: [UInt8]]()
            let dtypes: [DType] = [.float32, .float32, .float32, .int32, .int64, .int8, .float16]
            // A third of the graphs take int8 input (quantized activations), the rest f32.
            let int8Input = Int.random(in: 0..<3, using: &g) == 0
            let x = graph.addTensor(TensorDesc(name: "x", dtype: int8Input ? .int8 : .float32, shape: randomShape(&g, dynamic: true),
                                               quant: int8Input ? QuantParams(scale: 0.05, zeroPoint: Int32.random(in: -128...127, using: &g)) : nil))
            graph.inputs = [x]
            var available = [x]
            for n in 0..<Int.random(in: 1...3, using: &g) {
                let op = OpCode.allCases.randomElement(using: &g)!
                var inputs = [Int]()
                for _ in 0..<Int.random(in: 1...4, using: &g) {
                    if Bool.random(using: &g) {
                        inputs.append(available.randomElement(using: &g)!)
                    } else {
                        let dtype = dtypes.randomElement(using: &g)!
                        // Often shaped like the input (broadcastable, matching features), else anything.
                        let xShape = graph.tensors[x].shape
                        let shape = Bool.random(using: &g) ? randomShape(&g, dynamic: false)
                            : Bool.random(using: &g) ? xShape.resolvingDynamic(with: 1) : Shape(Array(xShape.dims.suffix(1)))
                        let quant: QuantParams? = dtype == .int8 ? QuantParams(scale: 0.1, zeroPoint: 0) : nil
                        _ = quant
                        let c = graph.addTensor(TensorDesc(name: "c\(graph.tensors.count)", dtype: dtype, shape: shape,
                                                           quant: quant, kind: .constant))
                        let count = dtype.storageBytes(count: shape.elementCount ?? 0) ?? 0
                        constants[c] = (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) & 0x3F }
                        inputs.append(c)
                    }
                }
                if Int.random(in: 0..<8, using: &g) == 0 { inputs.append(Node.absent) }
                var outputs = [Int]()
                for k in 0..<Int.random(in: 1...2, using: &g) {
                    outputs.append(graph.addTensor(TensorDesc(name: "n\(n)o\(k)", dtype: .float32,
                                                              shape: randomShape(&g, dynamic: true))))
                }
                let attributes = (0..<Int.random(in: 0...3, using: &g)).map { _ in randomAttribute(&g) }
                graph.nodes.append(Node(name: "n\(n)", op: op, inputs: inputs, outputs: outputs, attributes: attributes))
                available += outputs
            }
            graph.outputs = [available.last!]
            // Declared output shapes rarely match random ops: fill them in from the rules when they can.
            if let types = try? graph.inferTypes() {
                _ = types
            } else {
                for i in graph.tensors.indices where graph.tensors[i].kind == .activation && i != x {
                    graph.tensors[i].shape = Shape([])
                }
                var inferred = graph
                for (k, node) in graph.nodes.enumerated() {
                    let inputTypes = node.inputs.map { $0 == Node.absent ? nil : TensorType(inferred.tensors[$0].dtype, inferred.tensors[$0].shape) }
                    guard let outs = try? ShapeInference.outputTypes(of: node, inputs: inputTypes) else { break }
                    for (j, t) in node.outputs.enumerated() where j < outs.count {
                        inferred.tensors[t].dtype = outs[j].dtype
                        inferred.tensors[t].shape = outs[j].shape
                    }
                    _ = k
                }
                graph = inferred
            }
            // int8 activations carry quantization parameters (kernels without them are refused).
            for i in graph.tensors.indices where graph.tensors[i].dtype == .int8 && graph.tensors[i].quant == nil {
                graph.tensors[i].quant = QuantParams(scale: [0.02, 0.1, 0.5].randomElement(using: &g)!,
                                                     zeroPoint: Int32.random(in: -128...127, using: &g))
            }
            guard let model = try? Model(graph: graph, constants: constants) else { continue }
            loaded += 1
            for batch in [1, 3] {
                guard let session = try? Session(model: model, options: SessionOptions(batchSize: batch)) else { continue }
                let shape = graph.tensors[x].shape.resolvingDynamic(with: batch)
                let count = shape.elementCount ?? 0
                if int8Input {
                    let input = (0..<count).map { _ in Int8.random(in: -128...127, using: &g) }
                    let dims = shape.dims.map { Int64($0) }
                    var outputs = [[UInt8]]()
                    guard (try? session.prepareForBoundInputs()) != nil else { continue }
                    let ok: Bool = input.withUnsafeBytes { xb in
                        dims.withUnsafeBufferPointer { d in
                            guard (try? session.setInput(0, data: xb.baseAddress ?? UnsafeRawPointer(bitPattern: 64), byteCount: xb.count,
                                                         dtype: .int8, rank: dims.count, dims: d.baseAddress)) != nil,
                                  (try? session.prepareForBoundInputs()) != nil else { return false }
                            let t = session.outputType(0)
                            outputs = [[UInt8](repeating: 0, count: max(t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0, 8))]
                            return outputs[0].withUnsafeMutableBytes { yb in
                                (try? session.setOutput(0, data: yb.baseAddress, byteCount: yb.count)) != nil && (try? session.run()) != nil
                            }
                        }
                    }
                    if ok { ran += 1; ranInt8 += 1 }
                } else {
                    let input = (0..<count).map { _ in Float.random(in: -2...2, using: &g) }
                    if (try? session.run([input], shapes: [shape])) != nil { ran += 1 }
                }
            }
        }
        // The generator must reach the executor often enough to mean something.
        #expect(loaded > 100)
        #expect(ran > 150)
        #expect(ranInt8 > 20)
    }
}
