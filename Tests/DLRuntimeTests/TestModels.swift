import DLCore
import DLRuntime
import _TestSupport

/// Graphs built in memory with seeded weights, and plain-loop references to check them against.
enum TestModels {
    static func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -scale...scale, using: &g) }
    }

    static func bytes(_ floats: [Float]) -> [UInt8] {
        floats.withUnsafeBytes { Array($0) }
    }

    /// x [?, sizes[0]] → dense+relu → ... → dense → y [?, sizes.last], weights seeded.
    struct MLP {
        var graph = Graph()
        var constants = [Int: [UInt8]]()
        var weights = [[Float]]()
        var biases = [[Float]]()
        var sizes: [Int]

        init(_ sizes: [Int], seed: UInt64 = 1) {
            self.sizes = sizes
            var x = graph.addTensor(TensorDesc(name: "x", dtype: .float32, shape: Shape([-1, sizes[0]])))
            graph.inputs = [x]
            for l in 0..<(sizes.count - 1) {
                let (k, n) = (sizes[l], sizes[l + 1])
                let w = TestModels.randomFloats(n * k, seed: seed &+ UInt64(2 * l), scale: 1 / Float(k).squareRoot())
                let b = TestModels.randomFloats(n, seed: seed &+ UInt64(2 * l + 1), scale: 0.1)
                weights.append(w); biases.append(b)
                let wi = graph.addTensor(TensorDesc(name: "w\(l)", dtype: .float32, shape: Shape([n, k]), kind: .constant))
                let bi = graph.addTensor(TensorDesc(name: "b\(l)", dtype: .float32, shape: Shape([n]), kind: .constant))
                constants[wi] = TestModels.bytes(w)
                constants[bi] = TestModels.bytes(b)
                let last = l == sizes.count - 2
                let y = graph.addTensor(TensorDesc(name: last ? "y" : "h\(l)", dtype: .float32, shape: Shape([-1, n])))
                graph.nodes.append(Node(name: "dense\(l)", op: .dense, inputs: [x, wi, bi], outputs: [y],
                                        attributes: last ? [] : [Attribute("activation", .int(1))]))
                x = y
            }
            graph.outputs = [x]
        }

        func model(_ options: ModelOptions = ModelOptions()) throws -> Model {
            try Model(graph: graph, constants: constants, options: options)
        }

        /// The same network with plain loops.
        func reference(_ input: [Float], batch: Int) -> [Float] {
            var x = input
            for l in 0..<weights.count {
                let (k, n) = (sizes[l], sizes[l + 1])
                var y = [Float](repeating: 0, count: batch * n)
                for r in 0..<batch {
                    for j in 0..<n {
                        var acc: Float = biases[l][j]
                        for p in 0..<k { acc += x[r * k + p] * weights[l][j * k + p] }
                        y[r * n + j] = l == weights.count - 1 ? acc : max(acc, 0)
                    }
                }
                x = y
            }
            return x
        }
    }
}
