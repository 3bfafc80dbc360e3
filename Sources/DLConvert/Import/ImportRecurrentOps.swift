import DLCore

/// LSTM, GRU and RNN with ONNX's default activations (the only ones the runtime has).
extension ImportContext {
    mutating func importRecurrent(_ node: OnnxNode) throws(DLError) {
        let defaults: [String: [String]] = ["LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]]
        if let activations = node.strings("activations") {
            let expected = defaults[node.opType]!
            let perDirection = activations.count == expected.count * 2 ? expected + expected : expected
            guard activations.map({ $0.lowercased() }) == perDirection.map({ $0.lowercased() }) else {
                throw DLError(.unsupported, "\(node.label): activations \(activations) (only \(expected) are imported)")
            }
        }
        if node.attributes["clip"] != nil { throw DLError(.unsupported, "\(node.label): cell clipping") }
        if node.int("input_forget", default: 0) != 0 { throw DLError(.unsupported, "\(node.label): input_forget") }
        if node.opType == "LSTM" && hasInput(node, 7) { throw DLError(.unsupported, "\(node.label): peephole weights (input P)") }
        guard let hidden = node.int("hidden_size"), hidden > 0 else { throw DLError(.invalidModel, "\(node.label) has no hidden_size") }
        let direction: Int64
        switch node.string("direction") ?? "forward" {
        case "forward": direction = 0
        case "reverse": direction = 1
        case "bidirectional": direction = 2
        case let other: throw DLError(.invalidModel, "\(node.label): direction '\(other)'")
        }
        let inputCount = node.opType == "LSTM" ? 7 : 6
        var inputs: [Int] = []
        for i in 0..<inputCount {
            // Zero initial states (often ConstantOfShape sized by the batch) are the default: leave them out.
            if i >= 5, isZeros(node, i) { inputs.append(Node.absent); continue }
            inputs.append(try tensor(node, i))
        }
        var attributes = [Attribute("hidden_size", .int(hidden)), Attribute("direction", .int(direction)),
                          Attribute("layout", .int(node.int("layout", default: 0)))]
        if node.opType == "GRU" { attributes.append(Attribute("linear_before_reset", .int(node.int("linear_before_reset", default: 0)))) }
        let dtype = graph.tensors[inputs[0]].dtype
        // Every .dlpk node output is a tensor: unused ONNX outputs get an unnamed one.
        var outputs: [Int] = []
        for (k, name) in node.outputs.enumerated() {
            outputs.append(name.isEmpty ? addIntermediate("\(node.name)_unused\(k)", dtype: dtype) : addActivation(name, dtype: dtype))
        }
        let op: OpCode = node.opType == "LSTM" ? .lstm : node.opType == "GRU" ? .gru : .rnn
        try emit(node.name, op, inputs, outputs, attributes)
    }

    private func isZeros(_ node: OnnxNode, _ i: Int) -> Bool {
        switch value(node, i) {
        case .filled(let v, _)?: return v.count >= 1 && v.double(at: 0) == 0
        case .constant(let t)?: return (0..<t.count).allSatisfy { t.double(at: $0) == 0 }
        default: return false
        }
    }
}
