import DLCore

/// Rewrites on the imported graph that make it cheaper to run without changing
/// its results: BatchNorm folded into the Conv/Dense before it, a constant Add
/// folded into a Dense bias, Relu/Relu6 fused into Conv/Dense, then dead tensors
/// dropped and indices compacted (GraphCleanup).
enum GraphOptimizer {
    static func run(_ context: inout ImportContext) throws(DLError) {
        foldBatchNorms(&context)
        foldDenseBias(&context)
        fuseActivations(&context)
        fuseQuantizedOps(&context)
        compact(&context)
    }

    /// How many nodes read each tensor; graph outputs count as readers.
    static func readers(_ graph: Graph) -> [Int: Int] {
        var count: [Int: Int] = [:]
        for n in graph.nodes { for i in n.inputs where i >= 0 { count[i, default: 0] += 1 } }
        for o in graph.outputs { count[o, default: 0] += 1 }
        return count
    }

    /// The node producing each tensor.
    static func producers(_ graph: Graph) -> [Int: Int] {
        var p: [Int: Int] = [:]
        for (k, n) in graph.nodes.enumerated() { for o in n.outputs where o >= 0 { p[o] = k } }
        return p
    }

    static func floats(_ context: ImportContext, _ t: Int) -> [Float]? {
        guard t >= 0, context.graph.tensors[t].kind == .constant, context.graph.tensors[t].dtype == .float32,
              context.graph.tensors[t].quant == nil, let bytes = context.constants[t] else { return nil }
        return bytes.withUnsafeBytes { raw in (0..<bytes.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    /// The producer of `node`'s first input when it is a float Conv2D/Dense read only by `node`.
    static func foldableProducer(_ context: ImportContext, _ k: Int, ops: Set<OpCode>) -> Int? {
        let graph = context.graph, node = graph.nodes[k]
        guard let x = node.inputs.first, x >= 0, let p = producers(graph)[x], ops.contains(graph.nodes[p].op),
              readers(graph)[x] == 1, graph.nodes[p].outputs == [x], graph.tensors[x].quant == nil,
              graph.nodes[p].int("activation", default: 0) == 0 else { return nil }
        return p
    }

    /// y = (conv(x) - mean) · scale / sqrt(var + eps) + b  →  conv with W·s and (B - mean)·s + b.
    static func foldBatchNorms(_ context: inout ImportContext) {
        var k = 0
        while k < context.graph.nodes.count {
            let bn = context.graph.nodes[k]
            guard bn.op == .batchNorm, let p = foldableProducer(context, k, ops: [.conv2d, .dense]),
                  let gamma = floats(context, bn.inputs[1]), let beta = floats(context, bn.inputs[2]),
                  let mean = floats(context, bn.inputs[3]), let variance = floats(context, bn.inputs[4]) else { k += 1; continue }
            let producer = context.graph.nodes[p]
            // BatchNorm normalizes axis 1: a Dense's output channels only when it is [batch, N].
            if producer.op == .dense && context.shape(producer.inputs[0])?.rank != 2 { k += 1; continue }
            let wIndex = producer.inputs[1]
            guard let w = floats(context, wIndex) else { k += 1; continue }
            let channels = gamma.count
            guard channels > 0, beta.count == channels, mean.count == channels, variance.count == channels,
                  w.count % channels == 0, context.graph.tensors[wIndex].shape.dims.first == channels else { k += 1; continue }
            let bias = producer.inputs.count > 2 ? floats(context, producer.inputs[2]) : nil
            if producer.inputs.count > 2 && producer.inputs[2] >= 0 && bias == nil { k += 1; continue }
            let epsilon = bn.float("epsilon", default: 1e-5)
            let perChannel = w.count / channels
            var newW = w, newB = [Float](repeating: 0, count: channels)
            for c in 0..<channels {
                let s = gamma[c] / (variance[c] + epsilon).squareRoot()
                for j in 0..<perChannel { newW[c * perChannel + j] *= s }
                newB[c] = ((bias?[c] ?? 0) - mean[c]) * s + beta[c]
            }
            let wName = context.graph.tensors[wIndex].name + "_bn"
            let newWIndex = context.addConstant(HostTensor(floats: newW, dims: context.graph.tensors[wIndex].shape.dims), name: wName)
            let newBIndex = context.addConstant(HostTensor(floats: newB, dims: [channels]), name: bn.name + "_bias")
            var fused = producer
            fused.inputs = [producer.inputs[0], newWIndex, newBIndex]
            fused.outputs = bn.outputs
            context.graph.nodes[p] = fused
            context.graph.nodes.remove(at: k)
        }
    }

    /// Dense(x, W) followed by Add(·, c) with a constant c of shape [N] or [1, N] → Dense(x, W, c).
    static func foldDenseBias(_ context: inout ImportContext) {
        var k = 0
        while k < context.graph.nodes.count {
            let add = context.graph.nodes[k]
            guard add.op == .add, let p = foldableProducer(context, k, ops: [.dense]),
                  context.graph.nodes[p].inputs.count < 3 || context.graph.nodes[p].inputs[2] < 0,
                  let c = floats(context, add.inputs[1]) else { k += 1; continue }
            let n = context.graph.tensors[context.graph.nodes[p].inputs[1]].shape.dims.first ?? -1
            let dims = context.graph.tensors[add.inputs[1]].shape.dims
            guard c.count == n, dims == [n] || dims == [1, n] else { k += 1; continue }
            let bias = context.addConstant(HostTensor(floats: c, dims: [n]), name: context.graph.tensors[add.inputs[1]].name)
            var fused = context.graph.nodes[p]
            fused.inputs = [fused.inputs[0], fused.inputs[1], bias]
            fused.outputs = add.outputs
            context.graph.nodes[p] = fused
            context.graph.nodes.remove(at: k)
        }
    }

    /// Relu, or Clip(0, 6), right after a float Conv2D/Dense → its `activation` attribute.
    static func fuseActivations(_ context: inout ImportContext) {
        var k = 0
        while k < context.graph.nodes.count {
            let act = context.graph.nodes[k]
            var fused: FusedActivation? = nil
            if act.op == .relu { fused = .relu }
            if act.op == .clip, act.float("min", default: -1) == 0, act.float("max", default: 0) == 6 { fused = .relu6 }
            guard let fused, let p = foldableProducer(context, k, ops: [.conv2d, .dense]),
                  context.graph.tensors[act.outputs[0]].quant == nil else { k += 1; continue }
            var producer = context.graph.nodes[p]
            producer.attributes.removeAll { $0.name == "activation" }
            producer.attributes.append(Attribute("activation", .int(Int64(fused.rawValue))))
            producer.outputs = act.outputs
            context.graph.nodes[p] = producer
            context.graph.nodes.remove(at: k)
        }
    }

    /// QDQ models (DequantizeLinear → Conv/Gemm → QuantizeLinear) onto the int8 kernels, after
    /// MaxPool/Flatten/Reshape between equal Dequantize/Quantize parameters moved onto int8:
    /// Dequantize(xq) → op(x, W, B) → Quantize → yq becomes op(xq, Wq, Bq) → yq, using the
    /// integers the weights were dequantized from. Internal uint8 activations become int8
    /// with the zero point shifted by 128 (the same real values; the int8 kernels' type).
    static func fuseQuantizedOps(_ context: inout ImportContext) {
        var g = context.graph
        for node in g.nodes where node.op == .quantize {
            let out = node.outputs[0]
            guard g.tensors[out].dtype == .uint8, !g.outputs.contains(out), var q = g.tensors[out].quant else { continue }
            q.zeroPoints = q.zeroPoints.map { $0 - 128 }
            g.tensors[out].dtype = .int8
            g.tensors[out].quant = q
        }
        fuseInt8DataMovement(&g)
        let producer = producers(g)
        let readerCount = readers(g)
        var removed: Set<Int> = []
        for k in g.nodes.indices where g.nodes[k].op == .dense || g.nodes[k].op == .conv2d {
            let node = g.nodes[k]
            guard node.inputs.count >= 2, let px = producer[node.inputs[0]], g.nodes[px].op == .dequantize else { continue }
            let xq = g.nodes[px].inputs[0]
            guard g.tensors[xq].dtype == .int8, let xParams = g.tensors[xq].quant, xParams.scales.count == 1,
                  let wq = context.int8Twin[node.inputs[1]], g.tensors[wq].dtype == .int8,
                  var wParams = g.tensors[wq].quant, wParams.zeroPoints.allSatisfy({ $0 == 0 }) else { continue }
            let y = node.outputs[0]
            guard readerCount[y] == 1, let qk = g.nodes.firstIndex(where: { $0.op == .quantize && $0.inputs[0] == y }) else { continue }
            let yq = g.nodes[qk].outputs[0]
            guard g.tensors[yq].dtype == .int8, g.tensors[yq].quant?.scales.count == 1 else { continue }
            let channels = g.tensors[wq].shape[0]
            if wParams.axis == nil {   // the int8 kernels take one weight scale per output channel
                wParams = QuantParams(scales: [Float](repeating: wParams.scales[0], count: channels),
                                      zeroPoints: [Int32](repeating: 0, count: channels), axis: 0)
                g.tensors[wq].quant = wParams
            }
            guard wParams.axis == 0, wParams.scales.count == channels else { continue }
            var bq = Node.absent
            if node.inputs.count > 2, node.inputs[2] >= 0 {
                let expected = wParams.scales.map { $0 * xParams.scales[0] }
                guard let twin = context.int8Twin[node.inputs[2]], g.tensors[twin].dtype == .int32,
                      let bParams = g.tensors[twin].quant, bParams.zeroPoints.allSatisfy({ $0 == 0 }),
                      zip(bParams.scales.count == 1 ? [Float](repeating: bParams.scales[0], count: channels) : bParams.scales, expected)
                        .allSatisfy({ abs($0 - $1) <= 1e-6 * max(abs($1), 1e-30) + 1e-12 }) else { continue }
                g.tensors[twin].quant = QuantParams(scales: expected, zeroPoints: [Int32](repeating: 0, count: channels), axis: 0)
                bq = twin
            }
            g.nodes[k].inputs = [xq, wq, bq]
            g.nodes[k].outputs = [yq]
            removed.insert(qk)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        context.graph = GraphCleanup.removeUnusedDequantizes(g)
    }

    static func compact(_ context: inout ImportContext) {
        let remap = GraphCleanup.compact(&context.graph, &context.constants)
        context.knownShape = Set(context.knownShape.compactMap { remap[$0] })
    }
}
