import DLCore

extension ImportedModel {
    /// One line per input, node and output, for `dlpack convert --dump` and error reports.
    public var summary: String {
        func describe(_ i: Int) -> String {
            guard i >= 0 else { return "-" }
            let t = graph.tensors[i]
            var s = "\(t.name):\(t.dtype.name)\(t.shape)"
            if let q = t.quant { s += q.scales.count == 1 ? " q(s=\(q.scales[0]),z=\(q.zeroPoints[0]))" : " q(\(q.scales.count) ch, axis \(q.axis ?? -1))" }
            return s
        }
        var lines = graph.inputs.map { "input  \(describe($0))" }
        for n in graph.nodes {
            let attrs = n.attributes.map { a -> String in
                switch a.value {
                case .int(let v): return "\(a.name)=\(v)"
                case .float(let v): return "\(a.name)=\(v)"
                case .ints(let v): return "\(a.name)=\(v)"
                case .floats(let v): return "\(a.name)=\(v)"
                case .string(let v): return "\(a.name)=\(v)"
                }
            }.joined(separator: " ")
            lines.append("\(n.op.name) '\(n.name)' (\(n.inputs.map(describe).joined(separator: ", "))) -> (\(n.outputs.map(describe).joined(separator: ", "))) \(attrs)")
        }
        lines += graph.outputs.map { "output \(describe($0))" }
        let weightBytes = constants.values.reduce(0) { $0 + $1.count }
        lines.append("\(graph.nodes.count) nodes, \(constants.count) constants (\(weightBytes) bytes)")
        return lines.joined(separator: "\n")
    }
}
