import DLCore

/// Graph clean-ups shared by the importer's optimizer and the quantizer.
enum GraphCleanup {
    /// Drops Dequantize nodes whose float output nothing reads, and rewires int8 ops that
    /// read a dequantized tensor to read its int8 source.
    static func removeUnusedDequantizes(_ graph: Graph) -> Graph {
        var g = graph
        var source: [Int: Int] = [:]   // float tensor -> int8 tensor it was dequantized from
        for n in g.nodes where n.op == .dequantize { source[n.outputs[0]] = n.inputs[0] }
        // A Quantize of a tensor that was just dequantized with the same parameters is the identity.
        var replaced: [Int: Int] = [:]
        g.nodes = g.nodes.filter { n in
            if n.op == .quantize, let src = source[n.inputs[0]], g.tensors[src].quant == g.tensors[n.outputs[0]].quant,
               g.tensors[src].dtype == g.tensors[n.outputs[0]].dtype, !g.outputs.contains(n.outputs[0]) {
                replaced[n.outputs[0]] = src
                return false
            }
            return true
        }
        for k in g.nodes.indices { g.nodes[k].inputs = g.nodes[k].inputs.map { replaced[$0] ?? $0 } }
        var changed = true
        while changed {
            changed = false
            var readers: [Int: Int] = [:]
            for n in g.nodes { for i in n.inputs where i >= 0 { readers[i, default: 0] += 1 } }
            for o in g.outputs { readers[o, default: 0] += 1 }
            let before = g.nodes.count
            g.nodes.removeAll { ($0.op == .dequantize || $0.op == .quantize) && readers[$0.outputs[0], default: 0] == 0 }
            changed = g.nodes.count != before
        }
        return g
    }

    /// Drops tensors nothing refers to and renumbers the rest, keeping their order.
    /// Returns the old-to-new index map.
    @discardableResult
    static func compact(_ graph: inout Graph, _ constants: inout [Int: [UInt8]]) -> [Int: Int] {
        var used = Set(graph.inputs + graph.outputs)
        for n in graph.nodes { for i in n.inputs + n.outputs where i >= 0 { used.insert(i) } }
        var remap: [Int: Int] = [:]
        var tensors: [TensorDesc] = []
        var kept: [Int: [UInt8]] = [:]
        for (old, t) in graph.tensors.enumerated() where used.contains(old) {
            remap[old] = tensors.count
            if let bytes = constants[old] { kept[tensors.count] = bytes }
            tensors.append(t)
        }
        func map(_ i: Int) -> Int { i < 0 ? i : remap[i]! }
        graph.tensors = tensors
        graph.nodes = graph.nodes.map { n in
            var m = n
            m.inputs = n.inputs.map(map)
            m.outputs = n.outputs.map(map)
            return m
        }
        graph.inputs = graph.inputs.map(map)
        graph.outputs = graph.outputs.map(map)
        constants = kept
        return remap
    }

    static func compact(_ model: inout ImportedModel) {
        compact(&model.graph, &model.constants)
    }
}
