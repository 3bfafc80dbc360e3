import Testing
import Foundation
import DLCore
import DLFormat
@testable import DLRuntime
import _TestSupport

/// The benchmark's models (bindings/python/benchmarks/bench_vs_onnxruntime.py) as .dlpk
/// graphs. With DLPK_BENCH_DIR set, the weights come from the raw f32 files the benchmark
/// wrote from numpy (DIR/<model>/<tensor>.f32) and the models are written to DIR/<model>.dlpk,
/// so that both runtimes hold the same weights; without it, seeded weights check that the
/// graphs load and run.
@Suite struct BenchmarkModelTests {
    struct Builder {
        var graph = Graph()
        var constants = [Int: [UInt8]]()
        let weights: (String, Int) throws -> [Float]

        mutating func constant(_ name: String, _ dims: [Int]) throws -> Int {
            let t = graph.addTensor(TensorDesc(name: name, dtype: .float32, shape: Shape(dims), kind: .constant))
            constants[t] = TestModels.bytes(try weights(name, dims.reduce(1, *)))
            return t
        }

        mutating func activation(_ name: String, _ dims: [Int]) -> Int {
            graph.addTensor(TensorDesc(name: name, dtype: .float32, shape: Shape(dims)))
        }

        mutating func node(_ op: OpCode, _ inputs: [Int], _ outputs: [Int], _ attributes: [Attribute] = []) {
            graph.nodes.append(Node(name: "n\(graph.nodes.count)", op: op, inputs: inputs, outputs: outputs, attributes: attributes))
        }
    }

    static func mlp(_ sizes: [Int], _ b: inout Builder) throws {
        var x = b.activation("x", [-1, sizes[0]])
        b.graph.inputs = [x]
        for l in 0..<(sizes.count - 1) {
            let last = l == sizes.count - 2
            let w = try b.constant("w\(l)", [sizes[l + 1], sizes[l]]), bias = try b.constant("b\(l)", [sizes[l + 1]])
            let y = b.activation(last ? "y" : "h\(l)", [-1, sizes[l + 1]])
            b.node(.dense, [x, w, bias], [y], last ? [] : [Attribute("activation", .int(1))])
            x = y
        }
        b.graph.outputs = [x]
    }

    static func cnn(_ b: inout Builder) throws {
        let x = b.activation("x", [-1, 1, 28, 28])
        let pad = Attribute("pads", .ints([1, 1, 1, 1])), relu = Attribute("activation", .int(1))
        let pool = [Attribute("kernel", .ints([2, 2])), Attribute("strides", .ints([2, 2]))]
        let c1 = b.activation("c1", [-1, 16, 28, 28]), p1 = b.activation("p1", [-1, 16, 14, 14])
        let c2 = b.activation("c2", [-1, 32, 14, 14]), p2 = b.activation("p2", [-1, 32, 7, 7])
        let f = b.activation("f", [-1, 1568]), y = b.activation("y", [-1, 10])
        b.node(.conv2d, [x, try b.constant("c1w", [16, 1, 3, 3]), try b.constant("c1b", [16])], [c1], [pad, relu])
        b.node(.maxPool2d, [c1], [p1], pool)
        b.node(.conv2d, [p1, try b.constant("c2w", [32, 16, 3, 3]), try b.constant("c2b", [32])], [c2], [pad, relu])
        b.node(.maxPool2d, [c2], [p2], pool)
        b.node(.flatten, [p2], [f])
        b.node(.dense, [f, try b.constant("fw", [10, 1568]), try b.constant("fb", [10])], [y])
        b.graph.inputs = [x]; b.graph.outputs = [y]
    }

    static func lstm(_ b: inout Builder, seq: Int = 20, features: Int = 32, hidden: Int = 64) throws {
        let x = b.activation("x", [seq, -1, features])
        // Every node output is a tensor in the .dlpk IR (absent outputs are not stored): Y is unused.
        let all = b.activation("all", [seq, 1, -1, hidden])
        let h = b.activation("h", [1, -1, hidden]), hf = b.activation("hf", [-1, hidden]), y = b.activation("y", [-1, 10])
        b.node(.lstm, [x, try b.constant("W", [1, 4 * hidden, features]), try b.constant("R", [1, 4 * hidden, hidden]),
                       try b.constant("B", [1, 8 * hidden])], [all, h], [Attribute("hidden_size", .int(Int64(hidden)))])
        b.node(.reshape, [h], [hf], [Attribute("shape", .ints([-1, Int64(hidden)]))])
        b.node(.dense, [hf, try b.constant("fw", [10, hidden]), try b.constant("fb", [10])], [y])
        b.graph.inputs = [x]; b.graph.outputs = [y]
    }

    static var models: [(name: String, build: (inout Builder) throws -> Void, input: (Int) -> [Int])] { [
        ("mlp_small", { try mlp([64, 128, 64, 10], &$0) }, { [$0, 64] }),
        ("mlp_large", { try mlp([784, 512, 512, 10], &$0) }, { [$0, 784] }),
        ("cnn", { try cnn(&$0) }, { [$0, 1, 28, 28] }),
        ("lstm", { try lstm(&$0) }, { [20, $0, 32] }),
    ] }

    @Test func benchmarkModelsBuildLoadAndRun() throws {
        let dir = ProcessInfo.processInfo.environment["DLPK_BENCH_DIR"]
        for (name, build, input) in Self.models {
            if let dir, !FileManager.default.fileExists(atPath: "\(dir)/\(name)") { continue }
            var seed: UInt64 = 1
            var builder = Builder { tensor, count in
                if let dir {
                    let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)/\(tensor).f32"))
                    guard data.count == 4 * count else {
                        throw DLError(.invalidArgument, "\(name)/\(tensor).f32 has \(data.count) bytes, expected \(4 * count)")
                    }
                    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                }
                seed += 1
                return TestModels.randomFloats(count, seed: seed, scale: 0.1)
            }
            try build(&builder)
            let model = try Model(graph: builder.graph, constants: builder.constants)
            let shape = Shape(input(2))
            let y = try Session(model: model).run([TestModels.randomFloats(shape.elementCount!, seed: 5)], shapes: [shape])
            #expect(y[0].count == 20 && y[0].allSatisfy { $0.isFinite })
            if let dir {
                try DLPKModel(graph: builder.graph, constants: builder.constants)
                    .write(to: "\(dir)/\(name).dlpk", options: WriteOptions(encoding: .raw))
            }
        }
    }

    /// One quantized dense layer as onnxruntime's QDQ quantizer made it.
    struct Int8Layer {
        var inScale: Float, inZeroPoint: Int32, outScale: Float, outZeroPoint: Int32
        var n: Int, k: Int
        var weights: [Int8], weightScales: [Float], bias: [Int32]
    }

    /// x f32 → Quantize → int8 dense layers → Dequantize → y f32. A ReLU that the quantizer
    /// absorbed is the clamp at an output zero point of -128.
    static func int8MLP(_ layers: [Int8Layer]) -> (Graph, [Int: [UInt8]]) {
        var g = Graph()
        var constants = [Int: [UInt8]]()
        let first = layers[0]
        let x = g.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, first.k])))
        var h = g.addTensor(TensorDesc(name: "xq", dtype: .int8, shape: Shape([-1, first.k]),
                                       quant: QuantParams(scale: first.inScale, zeroPoint: first.inZeroPoint)))
        g.nodes.append(Node(name: "quantize", op: .quantize, inputs: [x], outputs: [h]))
        for (l, layer) in layers.enumerated() {
            let w = g.addTensor(TensorDesc(name: "w\(l)", dtype: .int8, shape: Shape([layer.n, layer.k]),
                                           quant: QuantParams(scales: layer.weightScales,
                                                              zeroPoints: [Int32](repeating: 0, count: layer.n), axis: 0),
                                           kind: .constant))
            let b = g.addTensor(TensorDesc(name: "b\(l)", dtype: .int32, shape: Shape([layer.n]), kind: .constant))
            constants[w] = layer.weights.map { UInt8(bitPattern: $0) }
            constants[b] = layer.bias.withUnsafeBytes { Array($0) }
            let y = g.addTensor(TensorDesc(name: "h\(l)", dtype: .int8, shape: Shape([-1, layer.n]),
                                           quant: QuantParams(scale: layer.outScale, zeroPoint: layer.outZeroPoint)))
            g.nodes.append(Node(name: "dense\(l)", op: .dense, inputs: [h, w, b], outputs: [y]))
            h = y
        }
        let y = g.addTensor(TensorDesc(name: "y", dtype: .float32, shape: Shape([-1, layers.last!.n])))
        g.nodes.append(Node(name: "dequantize", op: .dequantize, inputs: [h], outputs: [y]))
        g.inputs = [x]; g.outputs = [y]
        return (g, constants)
    }

    static func readInt8Layers(_ dir: String) throws -> [Int8Layer] {
        var layers = [Int8Layer]()
        func raw<T>(_ name: String, _ type: T.Type) throws -> [T] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)"))
            return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        var l = 0
        while FileManager.default.fileExists(atPath: "\(dir)/layer\(l).txt") {
            let fields = try String(contentsOfFile: "\(dir)/layer\(l).txt", encoding: .utf8).split(separator: " ")
                .map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            guard fields.count == 6, let inScale = Float(fields[0]), let inZp = Int32(fields[1]), let outScale = Float(fields[2]),
                  let outZp = Int32(fields[3]), let n = Int(fields[4]), let k = Int(fields[5]) else {
                throw DLError(.invalidData, "\(dir)/layer\(l).txt: cannot parse \(fields)")
            }
            layers.append(Int8Layer(inScale: inScale, inZeroPoint: inZp, outScale: outScale, outZeroPoint: outZp, n: n, k: k,
                                    weights: try raw("w\(l).i8", Int8.self), weightScales: try raw("ws\(l).f32", Float.self),
                                    bias: try raw("b\(l).i32", Int32.self)))
            l += 1
        }
        return layers
    }

    @Test func int8MLPsBuildLoadAndRun() throws {
        if let dir = ProcessInfo.processInfo.environment["DLPK_BENCH_DIR"] {
            for name in ["mlp_small", "mlp_large"] where FileManager.default.fileExists(atPath: "\(dir)/\(name)_int8/layer0.txt") {
                let (graph, constants) = Self.int8MLP(try Self.readInt8Layers("\(dir)/\(name)_int8"))
                _ = try Model(graph: graph, constants: constants)
                try DLPKModel(graph: graph, constants: constants).write(to: "\(dir)/\(name)_int8.dlpk", options: WriteOptions(encoding: .raw))
            }
            return
        }
        var g = SeededGenerator(seed: 4)
        let layers = [(8, 16), (16, 4)].map { (k, n) in
            Int8Layer(inScale: 0.05, inZeroPoint: -128, outScale: 0.1, outZeroPoint: -128, n: n, k: k,
                      weights: (0..<(n * k)).map { _ in Int8.random(in: -127...127, using: &g) },
                      weightScales: [Float](repeating: 0.01, count: n), bias: [Int32](repeating: 7, count: n))
        }
        let (graph, constants) = Self.int8MLP(layers)
        let y = try Session(model: try Model(graph: graph, constants: constants))
            .run([TestModels.randomFloats(16, seed: 3, scale: 5)], shapes: [Shape([2, 8])])
        // Outputs are dequantized int8 values ≥ the zero point: multiples of 0.1 in [0, 25.5].
        #expect(y[0].count == 8 && y[0].allSatisfy { $0 >= 0 && $0 <= 25.5 && abs(($0 / 0.1).rounded() * 0.1 - $0) < 1e-4 })
    }
}
