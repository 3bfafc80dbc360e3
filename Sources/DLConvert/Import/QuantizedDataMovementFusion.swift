import DLCore

extension GraphOptimizer {
    /// Ops that give the same result on the integers as on the real values they stand for,
    /// when the output keeps the input's scale and zero point: MaxPool (max commutes with the
    /// increasing map q ↦ (q − zero point) · scale) and the pure data movement ops.
    static let int8ExactOps: Set<OpCode> = [.maxPool2d, .flatten, .reshape, .squeeze, .unsqueeze, .identity]

    /// Dequantize(xq) → op → Quantize → yq, with yq of xq's dtype, scale and zero point,
    /// becomes op(xq) → yq: the op runs on the int8 tensor, with the same results, since
    /// Quantize(Dequantize(q)) = q. With any other parameters the graph is left as it is.
    /// Runs after internal uint8 activations became int8, before the Conv/Dense fusion (which
    /// then finds the Dequantize it looks for in front of the next Conv/Dense).
    static func fuseInt8DataMovement(_ g: inout Graph) {
        let producer = producers(g)
        let readerCount = readers(g)
        var removed: Set<Int> = []
        for k in g.nodes.indices where int8ExactOps.contains(g.nodes[k].op) {
            let node = g.nodes[k]
            guard let x = node.inputs.first, x >= 0, let px = producer[x], g.nodes[px].op == .dequantize,
                  node.outputs.count == 1, node.inputs.dropFirst().allSatisfy({ $0 < 0 || g.tensors[$0].kind == .constant }) else { continue }
            let xq = g.nodes[px].inputs[0], y = node.outputs[0]
            guard g.tensors[xq].dtype == .int8, let xParams = g.tensors[xq].quant, xParams.axis == nil,
                  readerCount[y] == 1, !g.outputs.contains(y),
                  let qk = g.nodes.firstIndex(where: { $0.op == .quantize && $0.inputs[0] == y }) else { continue }
            let yq = g.nodes[qk].outputs[0]
            guard g.tensors[yq].dtype == .int8, g.tensors[yq].quant == xParams else { continue }
            g.nodes[k].inputs[0] = xq
            g.nodes[k].outputs = [yq]
            removed.insert(qk)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
