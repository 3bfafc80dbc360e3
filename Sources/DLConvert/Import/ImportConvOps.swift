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

    mutating func importConv(_ node: OnnxNode) throws(DLError) {
        let x = try tensor(node, 0), w = try tensor(node, 1)
        guard let wShape = shape(w), wShape.rank == 4 else {
            throw DLError(.unsupported, "\(node.label): only 2-D convolution (4-D weights) is imported")
        }
        let strides = try pair(node, "strides"), dilations = try pair(node, "dilations")
        let kernel = [wShape[2], wShape[3]]
        let pads = try resolvePads(node, input: x, kernel: kernel, strides: strides, dilations: dilations)
        let bias = hasInput(node, 2) ? try tensor(node, 2) : Node.absent
        emitSimple(node, .conv2d, inputs: [x, w, bias], attributes: [
            Attribute("strides", .ints(strides.map { Int64($0) })), Attribute("pads", .ints(pads)),
            Attribute("dilations", .ints(dilations.map { Int64($0) })), Attribute("group", .int(node.int("group", default: 1))),
            Attribute("activation", .int(Int64(FusedActivation.none.rawValue))),
        ], dtypeFrom: x)
    }

    mutating func importPool(_ node: OnnxNode) throws(DLError) {
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
            emitSimple(node, .maxPool2d, inputs: [x], attributes: attributes)
        } else {
            guard dilations == [1, 1] else { throw DLError(.unsupported, "\(node.label): dilated average pooling") }
            attributes.append(Attribute("count_include_pad", .int(node.int("count_include_pad", default: 0))))
            emitSimple(node, .avgPool2d, inputs: [x], attributes: attributes)
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
        emitSimple(node, .batchNorm, inputs: inputs, attributes: [Attribute("epsilon", .float(node.float("epsilon", default: 1e-5)))],
                   dtypeFrom: inputs[0])
    }
}
