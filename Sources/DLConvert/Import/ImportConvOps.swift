import DLCore

/// Conv, MaxPool, AveragePool and BatchNormalization (2-D, NCHW).
extension ImportContext {
    /// Explicit pads (top, left, bottom, right) from `pads` or `auto_pad`.
    func resolvePads(_ node: OnnxNode, input: Int, kernel: [Int], strides: [Int], dilations: [Int]) throws(DLError) -> [Int64] {
        let autoPad = node.string("auto_pad") ?? "NOTSET"
        switch autoPad {
        case "NOTSET":
            let pads = node.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw DLError(.invalidModel, "\(node.label): pads \(pads) must be 4 non-negative values") }
            return pads
        case "VALID": return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            guard let s = shape(input), s.rank == 4, s[2] >= 0, s[3] >= 0 else {
                throw DLError(.unsupported, "\(node.label): auto_pad \(autoPad) needs the input's height and width")
            }
            var begin: [Int64] = [], end: [Int64] = []
            for k in 0..<2 {
                let size = s[2 + k], out = (size + strides[k] - 1) / strides[k]
                let total = max((out - 1) * strides[k] + (kernel[k] - 1) * dilations[k] + 1 - size, 0)
                let small = total / 2, large = total - small
                begin.append(Int64(autoPad == "SAME_UPPER" ? small : large))
                end.append(Int64(autoPad == "SAME_UPPER" ? large : small))
            }
            return begin + end
        default: throw DLError(.invalidModel, "\(node.label): auto_pad '\(autoPad)'")
        }
    }

    func pair(_ node: OnnxNode, _ name: String) throws(DLError) -> [Int] {
        let v = node.ints(name) ?? [1, 1]
        guard v.count == 2, v.allSatisfy({ $0 >= 1 && $0 <= 1 << 20 }) else {
            throw DLError(.unsupported, "\(node.label): \(name) \(v) (dlpack imports 2-D \(node.opType) only)")
        }
        return v.map { Int($0) }
    }

    /// 1-D convolution and pooling ([N, C, L]) run as their 2-D forms over [N, C, 1, L]:
    /// Unsqueeze → 2-D op with a kernel of height 1 → Squeeze.
    mutating func importAs2D(_ node: OnnxNode) throws(DLError) -> Bool {
        guard rank(node, 0) == 3 else { return false }
        let prefix = node.name + "__2d_"
        var lifted = node
        func widen(_ name: String, _ fill: Int64) {
            if let v = node.ints(name), v.count == 1 { lifted.attributes[name] = .ints([fill, v[0]]) }
        }
        widen("kernel_shape", 1)
        widen("strides", 1)
        widen("dilations", 1)
        if let p = node.ints("pads"), p.count == 2 { lifted.attributes["pads"] = .ints([0, p[0], 0, p[1]]) }
        let axes = HostTensor(int64s: [2], dims: [1])
        values[prefix + "axes"] = .constant(axes)
        try importNode(OnnxNode(name: prefix + "unsqueeze_x", opType: "Unsqueeze", domain: "", inputs: [node.inputs[0], prefix + "axes"],
                                outputs: [prefix + "x"], attributes: [:]))
        lifted.inputs[0] = prefix + "x"
        if node.opType == "Conv" {
            if var w = constant(node, 1), w.dims.count == 3 {
                w.dims.insert(1, at: 2)
                values[prefix + "w"] = .constant(w)
            } else {
                try importNode(OnnxNode(name: prefix + "unsqueeze_w", opType: "Unsqueeze", domain: "", inputs: [node.inputs[1], prefix + "axes"],
                                        outputs: [prefix + "w"], attributes: [:]))
            }
            lifted.inputs[1] = prefix + "w"
        }
        lifted.outputs = [prefix + "y"] + node.outputs.dropFirst()
        try importNode(lifted)
        try importNode(OnnxNode(name: prefix + "squeeze_y", opType: "Squeeze", domain: "", inputs: [prefix + "y", prefix + "axes"],
                                outputs: [node.outputs[0]], attributes: [:]))
        return true
    }

    mutating func importConv(_ node: OnnxNode) throws(DLError) {
        if rank(node, 0) == 3, try importAs2D(node) { return }
        let x = try tensor(node, 0), w = try tensor(node, 1)
        guard let wShape = shape(w), wShape.rank == 4 else {
            throw DLError(.unsupported, "\(node.label): only 2-D convolution (4-D weights) is imported")
        }
        let strides = try pair(node, "strides"), dilations = try pair(node, "dilations")
        let kernel = [wShape[2], wShape[3]]
        let pads = try resolvePads(node, input: x, kernel: kernel, strides: strides, dilations: dilations)
        let bias = hasInput(node, 2) ? try tensor(node, 2) : Node.absent
        try emitSimple(node, .conv2d, inputs: [x, w, bias], attributes: [
            Attribute("strides", .ints(strides.map { Int64($0) })), Attribute("pads", .ints(pads)),
            Attribute("dilations", .ints(dilations.map { Int64($0) })), Attribute("group", .int(node.int("group", default: 1))),
            Attribute("activation", .int(Int64(FusedActivation.none.rawValue))),
        ], dtypeFrom: x)
    }

    mutating func importPool(_ node: OnnxNode) throws(DLError) {
        if rank(node, 0) == 3, try importAs2D(node) { return }
        let x = try tensor(node, 0)
        if node.outputs.count > 1 && !node.outputs[1].isEmpty {
            throw DLError(.unsupported, "\(node.label): the Indices output")
        }
        let kernel = try pair(node, "kernel_shape"), strides = try pair(node, "strides"), dilations = try pair(node, "dilations")
        guard node.ints("kernel_shape") != nil else { throw DLError(.invalidModel, "\(node.label) has no kernel_shape") }
        let pads = try resolvePads(node, input: x, kernel: kernel, strides: strides, dilations: dilations)
        var attributes = [Attribute("kernel", .ints(kernel.map { Int64($0) })), Attribute("strides", .ints(strides.map { Int64($0) })),
                          Attribute("pads", .ints(pads)), Attribute("ceil_mode", .int(node.int("ceil_mode", default: 0)))]
        if node.opType == "MaxPool" {
            attributes.append(Attribute("dilations", .ints(dilations.map { Int64($0) })))
            try emitSimple(node, .maxPool2d, inputs: [x], attributes: attributes)
        } else {
            guard dilations == [1, 1] else { throw DLError(.unsupported, "\(node.label): dilated average pooling") }
            attributes.append(Attribute("count_include_pad", .int(node.int("count_include_pad", default: 0))))
            try emitSimple(node, .avgPool2d, inputs: [x], attributes: attributes)
        }
    }

    /// Inference BatchNormalization; GraphOptimizer folds it into a Conv or Dense before it.
    mutating func importBatchNorm(_ node: OnnxNode) throws(DLError) {
        if node.int("training_mode", default: 0) != 0 || node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw DLError(.unsupported, "\(node.label): training mode (running statistics outputs)")
        }
        if node.int("spatial", default: 1) == 0 { throw DLError(.unsupported, "\(node.label): spatial = 0") }
        var inputs: [Int] = []
        for i in 0..<5 { inputs.append(try tensor(node, i)) }
        try emitSimple(node, .batchNorm, inputs: inputs, attributes: [Attribute("epsilon", .float(node.float("epsilon", default: 1e-5)))],
                   dtypeFrom: inputs[0])
    }

    /// Inference LayerNormalization (opset 17): the Mean and InvStdDev outputs are training-only.
    mutating func importLayerNorm(_ node: OnnxNode) throws(DLError) {
        if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw DLError(.unsupported, "\(node.label): the Mean/InvStdDev outputs (training)")
        }
        if node.int("stash_type", default: 1) != 1 { throw DLError(.unsupported, "\(node.label): stash_type other than float") }
        let x = try tensor(node, 0)
        var axis = node.int("axis", default: -1)
        if axis < 0, let r = rank(x) { axis += Int64(r) }
        try emitSimple(node, .layerNorm, inputs: [x, try tensor(node, 1), hasInput(node, 2) ? try tensor(node, 2) : Node.absent],
                       attributes: [Attribute("axis", .int(axis)), Attribute("epsilon", .float(node.float("epsilon", default: 1e-5)))],
                       dtypeFrom: x)
    }
}
