import DLCore
import DLKernels

/// Weights packed once per model for the GEMM microkernels and the direct convolution
/// (shared by every session, read only): the constant W of f32, int8 and dynamic-range dense nodes,
/// the constant B of 2-D f32 MatMuls, and the constant W of conv2d nodes whose spatial size
/// is fixed. Keyed by node index, since one constant may feed products of both orientations.
struct PackedWeights {
    var float: [Int: Gemm.PackedMatrix] = [:]
    var int8: [Int: GemmInt8.PackedWeights] = [:]
    /// fp32 or int8 convolutions the direct kernel computes (`Conv2DDirect.supports`).
    var conv: [Int: Conv2DDirect] = [:]
    /// Other int8 convolutions: the weights of each group for the int8 GEMM.
    var convInt8: [Int: [GemmInt8.PackedWeights]] = [:]

    init() {}

    init(graph: Graph, types: [TensorType], constants: [UnsafeRawPointer?]) {
        for (n, node) in graph.nodes.enumerated() where node.inputs.count >= 2 {
            let (x, w) = (node.inputs[0], node.inputs[1])
            guard x >= 0, w >= 0, let weights = constants[w] else { continue }
            let xType = types[x], wType = types[w]
            if node.op == .conv2d {
                packConvolution(n, node, xType, wType, weights)
                continue
            }
            guard wType.shape.rank == 2, let count = wType.shape.elementCount, count > 0 else { continue }
            switch node.op {
            case .dense:
                let (rows, k) = (wType.shape[0], wType.shape[1])
                if xType.dtype == .float32, wType.dtype == .float32 {
                    float[n] = Gemm.PackedMatrix(transposed: true, k: k, n: rows,
                                                 b: weights.assumingMemoryBound(to: Float.self), ldb: k)
                } else if wType.dtype == .int8, xType.dtype == .int8 || node.computesDynamicRange {
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

    /// A conv2d node with constant W: its geometry needs X's channels and spatial size fixed.
    private mutating func packConvolution(_ n: Int, _ node: Node, _ xType: TensorType, _ wType: TensorType,
                                          _ weights: UnsafeRawPointer) {
        guard xType.shape.rank == 4, wType.shape.rank == 4, xType.dtype == wType.dtype,
              xType.shape.dims.dropFirst().allSatisfy({ $0 > 0 }), wType.shape.dims.allSatisfy({ $0 > 0 }) else { return }
        let p = Conv2DParams(node: node, x: xType, w: wType, batch: 1, activation: false)
        guard p.groups >= 1, p.inChannels % p.groups == 0, p.outChannels % p.groups == 0,
              wType.shape[1] == p.inChannelsPerGroup, p.outHeight >= 1, p.outWidth >= 1 else { return }
        switch xType.dtype {
        case .float32 where Conv2DDirect.supports(p) && p.kernelHeight * p.kernelWidth > 1:   // 1×1: the GEMM
            conv[n] = Conv2DDirect(p, floatWeights: weights.assumingMemoryBound(to: Float.self))
        case .int8 where Conv2DDirect.supports(p):
            conv[n] = Conv2DDirect(p, int8Weights: weights.assumingMemoryBound(to: Int8.self))
        case .int8:
            convInt8[n] = Conv2DInt8.packWeights(p, weight: weights.assumingMemoryBound(to: Int8.self))
        default:
            return
        }
    }
}
