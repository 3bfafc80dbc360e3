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
}
