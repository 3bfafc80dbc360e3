import DLCore
import DLKernels

/// Weights packed once per model for the GEMM microkernels (shared by every session, read
/// only): the constant W of f32 dense and of int8 dense nodes, and the constant B of 2-D f32
/// MatMuls. Keyed by node index, since one constant may feed products of both orientations.
struct PackedWeights {
    var float: [Int: Gemm.PackedMatrix] = [:]
    var int8: [Int: GemmInt8.PackedWeights] = [:]

    init() {}

    init(graph: Graph, types: [TensorType], constants: [UnsafeRawPointer?]) {
        for (n, node) in graph.nodes.enumerated() where node.inputs.count >= 2 {
            let (x, w) = (node.inputs[0], node.inputs[1])
            guard x >= 0, w >= 0, let weights = constants[w] else { continue }
            let xType = types[x], wType = types[w]
            guard wType.shape.rank == 2, let count = wType.shape.elementCount, count > 0 else { continue }
            switch node.op {
            case .dense:
                let (rows, k) = (wType.shape[0], wType.shape[1])
                if xType.dtype == .float32, wType.dtype == .float32 {
                    float[n] = Gemm.PackedMatrix(transposed: true, k: k, n: rows,
                                                 b: weights.assumingMemoryBound(to: Float.self), ldb: k)
                } else if xType.dtype == .int8, wType.dtype == .int8 {
                    int8[n] = GemmInt8.PackedWeights(transposed: true, k: k, n: rows,
                                                     weights: weights.assumingMemoryBound(to: Int8.self), ldw: k)
                }
            case .matMul where xType.dtype == .float32 && wType.dtype == .float32:
                let (k, cols) = (wType.shape[0], wType.shape[1])
                float[n] = Gemm.PackedMatrix(transposed: false, k: k, n: cols,
                                             b: weights.assumingMemoryBound(to: Float.self), ldb: cols)
            default:
                continue
            }
        }
    }
}
