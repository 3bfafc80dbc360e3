import DLCore

/// Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Gather, Identity, Dropout
/// on tensors computed at run time.
extension ImportContext {
    mutating func importIdentity(_ node: OnnxNode) throws(DLError) {
        try emitSimple(node, .identity, inputs: [try tensor(node, 0)])
    }

    /// Inference Dropout is the identity; the mask output and training mode are not.
    mutating func importDropout(_ node: OnnxNode) throws(DLError) {
        if node.outputs.count > 1 && !node.outputs[1].isEmpty {
            throw DLError(.unsupported, "\(node.label): the mask output is training-only")
        }
        if hasInput(node, 2) {
            guard let training = constant(node, 2), training.count == 1, training.int64(at: 0) == 0 else {
                throw DLError(.unsupported, "\(node.label): training_mode must be a constant false for inference")
            }
        }
        try importIdentity(node)
    }

    mutating func importFlatten(_ node: OnnxNode) throws(DLError) {
        let x = try tensor(node, 0)
        var axis = node.int("axis", default: 1)
        if axis < 0 {
            guard let r = rank(x) else { throw DLError(.unsupported, "\(node.label): a negative axis needs the input's rank") }
            axis += Int64(r)
        }
        try emitSimple(node, .flatten, inputs: [x], attributes: [Attribute("axis", .int(axis))])
    }

    mutating func importReshape(_ node: OnnxNode) throws(DLError) {
        let x = try tensor(node, 0)
        var target: [Int64] = []
        let allowZero = node.int("allowzero", default: 0) != 0
        if let shapeAttr = node.ints("shape"), !hasInput(node, 1) {
            target = shapeAttr  // Reshape-1
        } else if let known = constant(node, 1) {
            target = known.int64Values
        } else if case .shape(let dims, _)? = value(node, 1) {
            var inferred = false
            for (k, d) in dims.enumerated() {
                switch d {
                case .known(let v): target.append(v)
                case .dimension(let t, let axis) where t == x && axis == k && !allowZero: target.append(0)
                default:
                    guard !inferred else {
                        throw DLError(.unsupported, "\(node.label): the target shape has more than one dimension unknown at conversion time")
                    }
                    inferred = true
                    target.append(-1)
                }
            }
        } else {
            throw DLError(.unsupported, "\(node.label): the target shape must be known at conversion time")
        }
        if allowZero && target.contains(0) {
            throw DLError(.unsupported, "\(node.label): allowzero with a zero dimension (an empty tensor)")
        }
        try emitSimple(node, .reshape, inputs: [x], attributes: [Attribute("shape", .ints(target))])
    }

    mutating func importTranspose(_ node: OnnxNode) throws(DLError) {
        let x = try tensor(node, 0)
        var perm = node.ints("perm")
        if perm == nil {
            guard let r = rank(x) else { throw DLError(.unsupported, "\(node.label): a default perm needs the input's rank") }
            perm = (0..<Int64(r)).reversed()
        }
        try emitSimple(node, .transpose, inputs: [x], attributes: [Attribute("perm", .ints(perm!))])
    }

    mutating func importConcat(_ node: OnnxNode) throws(DLError) {
        var inputs: [Int] = []
        for i in node.inputs.indices where hasInput(node, i) { inputs.append(try tensor(node, i)) }
        var axis = node.int("axis", default: 0)
        if axis < 0 {
            guard let r = rank(node, 0) else { throw DLError(.unsupported, "\(node.label): a negative axis needs the input's rank") }
            axis += Int64(r)
        }
        try emitSimple(node, .concat, inputs: inputs, attributes: [Attribute("axis", .int(axis))])
    }

    /// Axes come from the attribute before opset 13 and from input 1 after.
    mutating func importSqueeze(_ node: OnnxNode) throws(DLError) {
        let x = try tensor(node, 0)
        var axes: [Int64]
        if let a = node.ints("axes") { axes = a }
        else if hasInput(node, 1) {
            guard let a = constant(node, 1) else { throw DLError(.unsupported, "\(node.label): axes must be known at conversion time") }
            axes = a.int64Values
        } else if node.opType == "Squeeze", let s = shape(x), s.isStatic {
            axes = s.dims.indices.filter { s[$0] == 1 }.map { Int64($0) }
        } else {
            throw DLError(.unsupported, "\(node.label): without axes, the input's shape must be known")
        }
        let outRank = (rank(x) ?? 0) + (node.opType == "Unsqueeze" ? axes.count : 0)
        if axes.contains(where: { $0 < 0 }) {
            guard rank(x) != nil else { throw DLError(.unsupported, "\(node.label): negative axes need the input's rank") }
            axes = axes.map { $0 < 0 ? $0 + Int64(outRank) : $0 }
        }
        try emitSimple(node, node.opType == "Squeeze" ? .squeeze : .unsqueeze, inputs: [x],
                   attributes: [Attribute("axes", .ints(axes.sorted()))])
    }

    mutating func importGather(_ node: OnnxNode) throws(DLError) {
        let data = try tensor(node, 0), indices = try tensor(node, 1)
        var axis = node.int("axis", default: 0)
        if axis < 0 {
            guard let r = rank(data) else { throw DLError(.unsupported, "\(node.label): a negative axis needs the input's rank") }
            axis += Int64(r)
        }
        try emitSimple(node, .gather, inputs: [data, indices], attributes: [Attribute("axis", .int(axis))], dtypeFrom: data)
    }

    /// Shape of a tensor whose rank is unknown here: nothing to fold it with.
    mutating func importShape(_ node: OnnxNode) throws(DLError) {
        _ = try foldShape(node)
    }
}
