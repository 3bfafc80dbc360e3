import DLCore

/// How each layer appears in the exported graph (OpCode semantics, DLCore/OpCode.swift).

extension Sequential {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        var v = input
        for layer in layers { v = try layer.export(v, into: builder) }
        return v
    }
}

extension Dense {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        let w = builder.constant(name + ".weight", shape: [outputs, inputs], values: weight.data, channelAxis: 0)
        var ins = [input.index, w]
        if let bias { ins.append(builder.constant(name + ".bias", shape: [outputs], values: bias.data)) }
        return builder.node(.dense, name: name, inputs: ins, shape: Array(input.shape.dropLast()) + [outputs])
    }
}

extension ActivationLayer {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        let (op, attributes): (OpCode, [Attribute]) = switch kind {
        case .relu: (.relu, [])
        case .leakyRelu(let alpha): (.leakyRelu, [Attribute("alpha", .float(alpha))])
        case .sigmoid: (.sigmoid, [])
        case .tanh: (.tanh, [])
        case .gelu: (.gelu, [Attribute("approximate", .int(0))])
        case .softmax: (.softmax, [Attribute("axis", .int(-1))])
        }
        return builder.node(op, name: name, inputs: [input.index], shape: input.shape, attributes: attributes)
    }
}

extension Flatten {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        builder.node(.flatten, name: name, inputs: [input.index], shape: [input.shape.reduce(1, *)],
                     attributes: [Attribute("axis", .int(1))])
    }
}

extension Dropout {
    /// Inference is the identity: no node.
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value { input }
}

extension RecurrentLayer {
    /// One ONNX recurrent node, batch first (layout 1): Y [batch, steps, 1, hidden] and
    /// Y_h [batch, 1, hidden], then a reshape to what the layer returns.
    func exportRecurrent(_ op: OpCode, _ input: GraphBuilder.Value, into builder: GraphBuilder, gates: Int,
                         weight: Tensor, recurrentWeight: Tensor, biases: [Float],
                         extra: [Attribute] = []) -> GraphBuilder.Value {
        let h = hiddenSize, steps = input.shape[0]
        let w = builder.constant(name + ".W", shape: [1, gates * h, inputSize], values: weight.data, channelAxis: 1)
        let r = builder.constant(name + ".R", shape: [1, gates * h, h], values: recurrentWeight.data, channelAxis: 1)
        let b = builder.constant(name + ".B", shape: [1, 2 * gates * h], values: biases)
        let outs = builder.node(op, name: name, inputs: [input.index, w, r, b], shapes: [[steps, 1, h], [1, h]],
                                attributes: [Attribute("hidden_size", .int(Int64(h))), Attribute("direction", .int(0)),
                                             Attribute("layout", .int(1))] + extra)
        switch output {
        case .lastState:
            return builder.node(.flatten, name: name + "_last", inputs: [outs[1].index], shape: [h],
                                attributes: [Attribute("axis", .int(1))])
        case .sequence:
            return builder.node(.reshape, name: name + "_sequence", inputs: [outs[0].index], shape: [steps, h],
                                attributes: [Attribute("shape", .ints([0, 0, -1]))])
        }
    }
}

extension SimpleRNN {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        exportRecurrent(.rnn, input, into: builder, gates: 1, weight: weight, recurrentWeight: recurrentWeight,
                        biases: bias.data + [Float](repeating: 0, count: hiddenSize))
    }
}

extension LSTM {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        exportRecurrent(.lstm, input, into: builder, gates: 4, weight: weight, recurrentWeight: recurrentWeight,
                        biases: bias.data + [Float](repeating: 0, count: 4 * hiddenSize))
    }
}

extension GRU {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        exportRecurrent(.gru, input, into: builder, gates: 3, weight: weight, recurrentWeight: recurrentWeight,
                        biases: inputBias.data + recurrentBias.data, extra: [Attribute("linear_before_reset", .int(1))])
    }
}
