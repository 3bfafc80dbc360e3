import DLCore

extension Conv2D {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        let p = pads(height: input.shape[1], width: input.shape[2])
        let w = builder.constant(name + ".weight", shape: weight.shape, values: weight.data, channelAxis: 0)
        var ins = [input.index, w]
        if let bias { ins.append(builder.constant(name + ".bias", shape: [filters], values: bias.data)) }
        return builder.node(.conv2d, name: name, inputs: ins, shape: try outputShape(for: input.shape), attributes: [
            Attribute("strides", .ints([Int64(strides.0), Int64(strides.1)])),
            Attribute("pads", .ints([Int64(p.0), Int64(p.1), Int64(p.2), Int64(p.3)])),
            Attribute("dilations", .ints([1, 1])), Attribute("group", .int(1)),
        ])
    }
}

extension Pool2D {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        var attributes = [Attribute("kernel", .ints([Int64(size.0), Int64(size.1)])),
                          Attribute("strides", .ints([Int64(strides.0), Int64(strides.1)])),
                          Attribute("pads", .ints([0, 0, 0, 0])), Attribute("ceil_mode", .int(0))]
        if kind == .max { attributes.append(Attribute("dilations", .ints([1, 1]))) }
        else { attributes.append(Attribute("count_include_pad", .int(0))) }
        return builder.node(kind == .max ? .maxPool2d : .avgPool2d, name: name, inputs: [input.index],
                            shape: try outputShape(for: input.shape), attributes: attributes)
    }
}

extension GlobalAvgPool {
    /// OpCode.globalAvgPool gives [N, C, 1, 1]; a flatten makes it [N, C] as in training.
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        let pooled = builder.node(.globalAvgPool, name: name, inputs: [input.index], shape: [input.shape[0], 1, 1])
        return builder.node(.flatten, name: name + "_flat", inputs: [pooled.index], shape: [input.shape[0]],
                            attributes: [Attribute("axis", .int(1))])
    }
}

extension BatchNorm {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        let ins = [input.index,
                   builder.constant(name + ".scale", shape: [channels], values: scale.data),
                   builder.constant(name + ".bias", shape: [channels], values: bias.data),
                   builder.constant(name + ".mean", shape: [channels], values: runningMean.data),
                   builder.constant(name + ".var", shape: [channels], values: runningVariance.data)]
        return builder.node(.batchNorm, name: name, inputs: ins, shape: input.shape,
                            attributes: [Attribute("epsilon", .float(epsilon))])
    }
}

extension LayerNorm {
    public func export(_ input: GraphBuilder.Value, into builder: GraphBuilder) throws(DLError) -> GraphBuilder.Value {
        let ins = [input.index,
                   builder.constant(name + ".scale", shape: [size], values: scale.data),
                   builder.constant(name + ".bias", shape: [size], values: bias.data)]
        return builder.node(.layerNorm, name: name, inputs: ins, shape: input.shape,
                            attributes: [Attribute("axis", .int(-1)), Attribute("epsilon", .float(epsilon))])
    }
}
