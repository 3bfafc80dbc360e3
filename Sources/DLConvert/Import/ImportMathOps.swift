import DLCore

/// Element-wise arithmetic, activations and softmax.
extension ImportContext {
    mutating func importBinary(_ node: OnnxNode) throws(DLError) {
        let ops: [String: OpCode] = ["Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div]
        let a = try tensor(node, 0), b = try tensor(node, 1)
        try emitSimple(node, ops[node.opType]!, inputs: [a, b])
    }

    mutating func importUnary(_ node: OnnxNode, _ op: OpCode, _ attributes: [Attribute] = []) throws(DLError) {
        try emitSimple(node, op, inputs: [try tensor(node, 0)], attributes: attributes)
    }

    mutating func importGelu(_ node: OnnxNode) throws(DLError) {
        let approximate: Int64
        switch node.string("approximate") ?? "none" {
        case "none": approximate = 0
        case "tanh": approximate = 1
        case let other: throw DLError(.unsupported, "\(node.label): approximate '\(other)'")
        }
        try importUnary(node, .gelu, [Attribute("approximate", .int(approximate))])
    }

    /// Clip's bounds are attributes before opset 11 and optional inputs after; they must be constants.
    mutating func importClip(_ node: OnnxNode) throws(DLError) {
        var low = -Float.infinity, high = Float.infinity
        if opset < 11 {
            low = node.float("min", default: low)
            high = node.float("max", default: high)
        } else {
            for (i, isMin) in [(1, true), (2, false)] where hasInput(node, i) {
                guard let bound = constant(node, i), bound.count == 1 else {
                    throw DLError(.unsupported, "\(node.label): the \(isMin ? "min" : "max") bound must be a constant scalar")
                }
                if isMin { low = Float(bound.double(at: 0)) } else { high = Float(bound.double(at: 0)) }
            }
        }
        // ONNX: when min exceeds max, every output is max.
        if low > high { low = high }
        try importUnary(node, .clip, [Attribute("min", .float(low)), Attribute("max", .float(high))])
    }

    /// Before opset 13, Softmax and LogSoftmax flatten the input to 2-D at `axis`
    /// (default 1) and normalize over everything after it; from 13 on, over one axis
    /// (default -1). The old form becomes Flatten → op over the last axis → Reshape back.
    mutating func importSoftmax(_ node: OnnxNode) throws(DLError) {
        let op: OpCode = node.opType == "Softmax" ? .softmax : .logSoftmax
        let x = try tensor(node, 0)
        if opset >= 13 {
            try emitSimple(node, op, inputs: [x], attributes: [Attribute("axis", .int(node.int("axis", default: -1)))])
            return
        }
        guard let inShape = shape(x) else {
            throw DLError(.unsupported, "\(node.label): opset \(opset) \(node.opType) needs the input's rank")
        }
        let axis = try normalizeAxis(node.int("axis", default: 1), rank: inShape.rank, node)
        if axis == inShape.rank - 1 {
            try emitSimple(node, op, inputs: [x], attributes: [Attribute("axis", .int(-1))])
            return
        }
        guard inShape.dims.filter({ $0 < 0 }).count <= 1 else {
            throw DLError(.unsupported, "\(node.label): opset \(opset) \(node.opType) over several axes needs at most one dynamic dimension")
        }
        let dtype = graph.tensors[x].dtype
        let flat = addIntermediate(node.outputs[0] + "_2d", dtype: dtype)
        try emit(node.name + "_flatten", .flatten, [x], [flat], [Attribute("axis", .int(Int64(axis)))])
        let normalized = addIntermediate(node.outputs[0] + "_2d_out", dtype: dtype)
        try emit(node.name, op, [flat], [normalized], [Attribute("axis", .int(-1))])
        let out = addActivation(node.outputs[0], dtype: dtype, shape: inShape)
        try emit(node.name + "_reshape", .reshape, [normalized], [out], [Attribute("shape", .ints(inShape.dims.map { Int64($0) }))])
    }
}
