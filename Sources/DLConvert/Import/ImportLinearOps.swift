import DLCore

/// Gemm and MatMul: constant weights become Dense (Y = X · Wᵀ + B), with Gemm's
/// transB, alpha and beta folded into W and B; the rest stays a MatMul.
extension ImportContext {
    mutating func importGemm(_ node: OnnxNode) throws(DLError) {
        let transA = node.int("transA", default: 0) != 0, transB = node.int("transB", default: 0) != 0
        let alpha = node.float("alpha", default: 1), beta = node.float("beta", default: 1)
        var a = try tensor(node, 0)
        let dtype = graph.tensors[a].dtype
        if transA {
            let t = addIntermediate(node.outputs[0] + "_at", dtype: dtype)
            try emit(node.name + "_transA", .transpose, [a], [t], [Attribute("perm", .ints([1, 0]))])
            a = t
        }
        let c = hasInput(node, 2) ? constant(node, 2) : nil
        if let b = constant(node, 1), b.type.isFloatingPoint, b.dims.count == 2 {
            var w = transB ? b : HostOps.transpose(b, perm: [1, 0])   // [N, K]
            let n = w.dims[0]
            if alpha != 1 { w = HostTensor(floats: w.floatValues.map { $0 * alpha }, dims: w.dims) }
            let weight = addConstant(HostOps.cast(w, to: .float), name: node.inputs[1])
            if alpha == 1 { addTwin(of: weight, from: node.inputs[1], transposed: !transB) }
            var bias = Node.absent
            var foldedC = false
            if let c, c.count == n || c.count == 1, c.dims.count <= 1 || (c.dims.count == 2 && c.dims[0] == 1) {
                let values = c.floatValues
                bias = addConstant(HostTensor(floats: (0..<n).map { beta * values[c.count == 1 ? 0 : $0] }, dims: [n]),
                                   name: node.inputs[2])
                if beta == 1 && c.count == n { addTwin(of: bias, from: node.inputs[2], transposed: false) }
                foldedC = true
            }
            if !hasInput(node, 2) || foldedC || beta == 0 {
                try emitSimple(node, .dense, inputs: [a, weight, bias], dtypeFrom: a)
                return
            }
            let y = addIntermediate(node.outputs[0] + "_ab", dtype: dtype)
            try emit(node.name, .dense, [a, weight, Node.absent], [y])
            try addScaledC(node, to: y, beta: beta, dtype: dtype)
            return
        }
        var b = try tensor(node, 1)
        if transB {
            let t = addIntermediate(node.outputs[0] + "_bt", dtype: dtype)
            try emit(node.name + "_transB", .transpose, [b], [t], [Attribute("perm", .ints([1, 0]))])
            b = t
        }
        let needsMore = alpha != 1 || (hasInput(node, 2) && beta != 0)
        var y = needsMore ? addIntermediate(node.outputs[0] + "_ab", dtype: dtype) : addActivation(node.outputs[0], dtype: dtype)
        try emit(node.name, .matMul, [a, b], [y])
        if alpha != 1 {
            let scale = addConstant(HostTensor(floats: [alpha], dims: []), name: node.name + "_alpha")
            let last = !(hasInput(node, 2) && beta != 0)
            let scaled = last ? addActivation(node.outputs[0], dtype: dtype) : addIntermediate(node.outputs[0] + "_alpha_ab", dtype: dtype)
            try emit(node.name + "_alpha", .mul, [y, scale], [scaled])
            y = scaled
        }
        if hasInput(node, 2) && beta != 0 { try addScaledC(node, to: y, beta: beta, dtype: dtype) }
    }

    /// Y = y + beta · C, as graph nodes, writing the Gemm's output.
    private mutating func addScaledC(_ node: OnnxNode, to y: Int, beta: Float, dtype: DType) throws(DLError) {
        var c: Int
        if let known = constant(node, 2), beta != 1 {
            c = addConstant(HostTensor(floats: known.floatValues.map { $0 * beta }, dims: known.dims), name: node.inputs[2])
        } else {
            c = try tensor(node, 2)
            if beta != 1 {
                let scale = addConstant(HostTensor(floats: [beta], dims: []), name: node.name + "_beta")
                let scaled = addIntermediate(node.outputs[0] + "_beta_c", dtype: dtype)
                try emit(node.name + "_beta", .mul, [c, scale], [scaled])
                c = scaled
            }
        }
        let out = addActivation(node.outputs[0], dtype: dtype)
        try emit(node.name + "_c", .add, [y, c], [out])
    }

    mutating func importMatMul(_ node: OnnxNode) throws(DLError) {
        let a = try tensor(node, 0)
        if let b = constant(node, 1), b.type.isFloatingPoint, b.dims.count == 2, (rank(a) ?? 2) >= 2 {
            let weight = addConstant(HostOps.cast(HostOps.transpose(b, perm: [1, 0]), to: .float), name: node.inputs[1])
            addTwin(of: weight, from: node.inputs[1], transposed: true)
            try emitSimple(node, .dense, inputs: [a, weight, Node.absent], dtypeFrom: a)
            return
        }
        try emitSimple(node, .matMul, inputs: [a, try tensor(node, 1)], dtypeFrom: a)
    }

    /// Records the quantized integers behind a Dense weight or bias made from a
    /// dequantized QDQ constant (transposed as the weight was, channel axis following).
    private mutating func addTwin(of index: Int, from name: String, transposed: Bool) {
        guard let origin = quantizedOrigin[name] else { return }
        var values = origin.values, params = origin.params
        if transposed && values.dims.count == 2 {
            values = HostOps.transpose(values, perm: [1, 0])
            if let axis = params.axis { params.axis = 1 - axis }
        }
        if values.dims.count == 1, params.axis != nil { params.axis = 0 }
        int8Twin[index] = addConstant(values, name: name + "_quantized", quant: params)
    }
}
