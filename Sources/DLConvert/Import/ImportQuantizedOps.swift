import DLCore
import DLKernels

/// QuantizeLinear, DequantizeLinear, QLinearMatMul, QLinearConv, MatMulInteger.
/// In the `.dlpk` graph quantization is a property of tensors: an int8/uint8 tensor
/// carries its scale and zero point, and an op on such tensors runs the int8 kernel.
extension ImportContext {
    /// Scale and zero point from constant inputs `scaleInput` and `zeroInput` (per tensor,
    /// or per channel along `axis` of a tensor of rank `rank`).
    func quantParams(_ node: OnnxNode, scale scaleInput: Int, zeroPoint zeroInput: Int, axis: Int64?, rank: Int?) throws(DLError) -> (QuantParams, OnnxElementType?) {
        guard let scale = constant(node, scaleInput), scale.type.isFloatingPoint else {
            throw DLError(.unsupported, "\(node.label): the scale must be a constant")
        }
        var zeroType: OnnxElementType? = nil
        var zeros = [Int32](repeating: 0, count: scale.count)
        if hasInput(node, zeroInput) {
            guard let zp = constant(node, zeroInput), zp.count == scale.count else {
                throw DLError(.unsupported, "\(node.label): the zero point must be a constant with one value per scale")
            }
            zeroType = zp.type
            zeros = zp.int64Values.map { Int32(truncatingIfNeeded: $0) }
        }
        if node.int("block_size", default: 0) != 0 { throw DLError(.unsupported, "\(node.label): blocked quantization") }
        var params = QuantParams(scales: scale.floatValues, zeroPoints: zeros)
        if scale.count > 1 {
            guard let rank else { throw DLError(.unsupported, "\(node.label): per-channel parameters need the tensor's rank") }
            params.axis = try normalizeAxis(axis ?? 1, rank: rank, node)
        }
        for s in params.scales where !(s > 0 && s.isFinite) {
            throw DLError(.invalidModel, "\(node.label): scale \(s) is not a finite positive number")
        }
        return (params, zeroType)
    }

    /// Attaches quantization parameters to a tensor; a tensor can have only one set.
    mutating func attachQuant(_ tensor: Int, _ params: QuantParams, _ node: OnnxNode) throws(DLError) {
        if let existing = graph.tensors[tensor].quant, existing != params {
            throw DLError(.unsupported, "\(node.label): '\(graph.tensors[tensor].name)' is used with two different quantizations")
        }
        guard graph.tensors[tensor].dtype.isQuantizedInteger || graph.tensors[tensor].dtype == .int32 else {
            throw DLError(.dtypeMismatch, "\(node.label): '\(graph.tensors[tensor].name)' is \(graph.tensors[tensor].dtype.name), not a quantized integer")
        }
        graph.tensors[tensor].quant = params
    }

    mutating func importQuantizeLinear(_ node: OnnxNode) throws(DLError) {
        let x = try tensor(node, 0)
        let (params, zeroType) = try quantParams(node, scale: 1, zeroPoint: 2, axis: node.int("axis"), rank: rank(x))
        var type = zeroType ?? .uint8
        if let requested = node.int("output_dtype"), requested != 0, let t = OnnxElementType(rawValue: Int32(requested)) { type = t }
        guard type == .int8 || type == .uint8 else { throw DLError(.unsupportedDType, "\(node.label): quantizing to \(type.name)") }
        if node.int("saturate", default: 1) == 0 { throw DLError(.unsupported, "\(node.label): saturate = 0") }
        let out = addActivation(node.outputs[0], dtype: type.storageType, shape: shape(x))
        graph.tensors[out].dtype = type.storageType
        graph.tensors[out].quant = params
        try emit(node.name, .quantize, [x], [out])
    }

    mutating func importDequantizeLinear(_ node: OnnxNode) throws(DLError) {
        if let host = constant(node, 0) {
            // A QDQ weight or bias: dequantized here, so that Gemm/MatMul/Conv see float
            // constants (exact), with the integers kept for fusing the op onto int8 kernels.
            let (params, _) = try quantParams(node, scale: 1, zeroPoint: 2, axis: node.int("axis"), rank: host.dims.count)
            values[node.outputs[0]] = .constant(dequantize(host, params))
            quantizedOrigin[node.outputs[0]] = (host, params)
            return
        }
        let x = try tensor(node, 0)
        let (params, _) = try quantParams(node, scale: 1, zeroPoint: 2, axis: node.int("axis"), rank: rank(x))
        try attachQuant(x, params, node)
        try emitSimple(node, .dequantize, inputs: [x], dtypeFrom: nil)
        if let out = graph.nodes.last?.outputs.first { graph.tensors[out].dtype = .float32 }
    }

    /// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) and
    /// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?) are rewritten as
    /// their QDQ form, DequantizeLinear → MatMul/Conv → QuantizeLinear, which the optimizer
    /// then fuses onto the int8 kernels wherever their contract holds (constant symmetric
    /// int8 weights, int8 activations); elsewhere the float op computes the same result.
    mutating func importQLinearMatMul(_ node: OnnxNode) throws(DLError) {
        try importAsQDQ(node, op: "MatMul", weightBias: nil)
    }

    mutating func importQLinearConv(_ node: OnnxNode) throws(DLError) {
        try importAsQDQ(node, op: "Conv", weightBias: hasInput(node, 8) ? 8 : nil)
    }

    private mutating func importAsQDQ(_ node: OnnxNode, op: String, weightBias: Int?) throws(DLError) {
        func input(_ i: Int) -> String { i < node.inputs.count ? node.inputs[i] : "" }
        let prefix = node.name + "__"
        var dqAttributes: [String: OnnxAttribute] = [:]
        if op == "Conv" { dqAttributes["axis"] = .int(0) }
        var parts = [
            OnnxNode(name: prefix + "dq_a", opType: "DequantizeLinear", domain: "", inputs: [input(0), input(1), input(2)],
                     outputs: [prefix + "a"], attributes: [:]),
            OnnxNode(name: prefix + "dq_b", opType: "DequantizeLinear", domain: "", inputs: [input(3), input(4), input(5)],
                     outputs: [prefix + "b"], attributes: op == "Conv" ? dqAttributes : ["axis": .int(-1)]),
        ]
        var opInputs = [prefix + "a", prefix + "b"]
        if let bias = weightBias {
            // The int32 bias has scale x_scale · w_scale (per output channel) and zero point 0.
            guard let xs = constant(node, 1), let ws = constant(node, 4) else {
                throw DLError(.unsupported, "\(node.label): scales must be constants")
            }
            let x = Float(xs.double(at: 0))
            values[prefix + "bias_scale"] = .constant(HostTensor(floats: ws.floatValues.map { $0 * x }, dims: ws.count == 1 ? [] : [ws.count]))
            parts.append(OnnxNode(name: prefix + "dq_bias", opType: "DequantizeLinear", domain: "",
                                  inputs: [input(bias), prefix + "bias_scale"], outputs: [prefix + "bias"], attributes: dqAttributes))
            opInputs.append(prefix + "bias")
        }
        var opAttributes = node.attributes
        if op == "MatMul" { opAttributes = [:] }
        parts.append(OnnxNode(name: node.name, opType: op, domain: "", inputs: opInputs, outputs: [prefix + "y"], attributes: opAttributes))
        parts.append(OnnxNode(name: prefix + "q_y", opType: "QuantizeLinear", domain: "", inputs: [prefix + "y", input(6), input(7)],
                              outputs: node.outputs, attributes: [:]))
        for part in parts { try importNode(part) }
    }

    /// MatMulInteger(A, B, a_zp?, b_zp?) -> int32 (A - a_zp)(B - b_zp): the `.dlpk` op of the
    /// same name; the zero points travel as the operands' quantization parameters (scale 1).
    mutating func importMatMulInteger(_ node: OnnxNode) throws(DLError) {
        let a = try tensor(node, 0), b = try tensor(node, 1)
        for (t, zpInput) in [(a, 2), (b, 3)] {
            var zero: Int32 = 0
            if hasInput(node, zpInput) {
                guard let zp = constant(node, zpInput), zp.count == 1 else {
                    throw DLError(.unsupported, "\(node.label): zero points must be constant scalars (per-row/column zero points are not imported)")
                }
                zero = Int32(zp.int64(at: 0))
            }
            try attachQuant(t, QuantParams(scale: 1, zeroPoint: zero), node)
        }
        let out = addActivation(node.outputs[0], dtype: .int32)
        graph.tensors[out].dtype = .int32
        try emit(node.name, .matMulInteger, [a, b], [out])
    }

    /// real = (q − zero point) × scale, per tensor or per channel along `params.axis`.
    func dequantize(_ q: HostTensor, _ params: QuantParams) -> HostTensor {
        let inner = params.axis.map { q.dims[($0 + 1)...].reduce(1, *) } ?? q.count
        let channels = params.scales.count
        var out = [Float]()
        out.reserveCapacity(q.count)
        for i in 0..<q.count {
            let c = channels == 1 ? 0 : (i / inner) % channels
            out.append(Quantize.dequantize(Int32(truncatingIfNeeded: q.int64(at: i)), scale: params.scales[c], zeroPoint: params.zeroPoints[c]))
        }
        return HostTensor(floats: out, dims: q.dims)
    }
}
