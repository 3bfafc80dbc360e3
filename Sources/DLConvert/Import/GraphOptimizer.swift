import DLCore

/// Rewrites on the imported graph that make it cheaper to run without changing
/// its results: BatchNorm folded into the Conv/Dense before it, a constant Add
/// folded into a Dense bias, Relu/Relu6 fused into Conv/Dense, then dead tensors
/// dropped and indices compacted.
enum GraphOptimizer {
    static func run(_ context: inout ImportContext) throws(DLError) {
        foldBatchNorms(&context)
        foldDenseBias(&context)
        fuseActivations(&context)
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

    /// Drops tensors nothing refers to and renumbers the rest, keeping their order.
    static func compact(_ context: inout ImportContext) {
        var used = Set(context.graph.inputs + context.graph.outputs)
        for n in context.graph.nodes { for i in n.inputs + n.outputs where i >= 0 { used.insert(i) } }
        var remap: [Int: Int] = [:]
        var tensors: [TensorDesc] = []
        var constants: [Int: [UInt8]] = [:]
        for (old, t) in context.graph.tensors.enumerated() where used.contains(old) {
            remap[old] = tensors.count
            if let bytes = context.constants[old] { constants[tensors.count] = bytes }
            tensors.append(t)
        }
        func map(_ i: Int) -> Int { i < 0 ? i : remap[i]! }
        context.graph.tensors = tensors
        context.graph.nodes = context.graph.nodes.map { n in
            var m = n
            m.inputs = n.inputs.map(map)
            m.outputs = n.outputs.map(map)
            return m
        }
        context.graph.inputs = context.graph.inputs.map(map)
        context.graph.outputs = context.graph.outputs.map(map)
        context.constants = constants
        context.knownShape = Set(context.knownShape.compactMap { remap[$0] })
    }
}
