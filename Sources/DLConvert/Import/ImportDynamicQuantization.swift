import DLCore

/// onnxruntime's `quantize_dynamic` MatMul, five ONNX nodes:
///
///     DynamicQuantizeLinear(x) → xq, xs, xzp
///     Mul(xs, ws) → s                            ws: the weight scales, [N] or one
///     MatMulInteger(xq, Wq, xzp, wzp) → acc      Wq: constant int8 [K, N], wzp: zeros
///     Cast(acc, to: float) → accf
///     Mul(accf, s) → y
///
/// imported as one Dense(x, Wqᵀ) with `dynamic_quantization` = 1 → y. DynamicQuantizeLinear's
/// rule (uint8 over [min(x, 0), max(x, 0)]) is the runtime's (SPEC §6) shifted by 128, so
/// the integers, the scales and y are the same.
struct DynamicQuantizedMatMul {
    var quantize: Int, scaleMul: Int, matMul: Int, cast: Int, mul: Int
}

enum DynamicQuantizationImport {
    /// The patterns in `graph`, keyed by the index of their last node, and every node they
    /// consume. A DynamicQuantizeLinear whose outputs are read by anything else is left alone
    /// (and refused by the importer with a message naming the pattern it reads).
    static func find(_ graph: OnnxGraph) -> (patterns: [Int: DynamicQuantizedMatMul], consumed: Set<Int>) {
        var readers: [String: [Int]] = [:], producer: [String: Int] = [:]
        for (k, node) in graph.nodes.enumerated() {
            for name in node.inputs where !name.isEmpty { readers[name, default: []].append(k) }
            for name in node.outputs where !name.isEmpty { producer[name] = k }
        }
        let outputs = Set(graph.outputs.map(\.name))
        func onlyReader(_ name: String) -> Int? {
            guard !outputs.contains(name), let r = readers[name], r.count == 1 else { return nil }
            return r[0]
        }
        var patterns: [Int: DynamicQuantizedMatMul] = [:]
        var consumed = Set<Int>()
        for (d, node) in graph.nodes.enumerated() where node.opType == "DynamicQuantizeLinear" && node.outputs.count == 3 {
            let (xq, xs, xzp) = (node.outputs[0], node.outputs[1], node.outputs[2])
            guard !outputs.contains(xq), !outputs.contains(xs), !outputs.contains(xzp) else { continue }
            var found: [DynamicQuantizedMatMul] = []
            var complete = true
            for m in readers[xq] ?? [] {
                let mm = graph.nodes[m]
                guard mm.opType == "MatMulInteger", mm.inputs.count >= 3, mm.inputs[0] == xq, mm.inputs[2] == xzp,
                      let c = onlyReader(mm.outputs[0]), graph.nodes[c].opType == "Cast", graph.nodes[c].int("to") == 1,
                      let y = onlyReader(graph.nodes[c].outputs[0]), graph.nodes[y].opType == "Mul" else { complete = false; break }
                let cast = graph.nodes[c].outputs[0], mul = graph.nodes[y]
                let scaleName = mul.inputs[0] == cast ? mul.inputs[1] : mul.inputs[0]
                guard let s = producer[scaleName], graph.nodes[s].opType == "Mul",
                      graph.nodes[s].inputs.contains(xs), onlyReader(scaleName) == y else { complete = false; break }
                found.append(DynamicQuantizedMatMul(quantize: d, scaleMul: s, matMul: m, cast: c, mul: y))
            }
            // xs and xzp go nowhere else.
            let scaleReaders = Set(found.map(\.scaleMul)), matMuls = Set(found.map(\.matMul))
            guard complete, !found.isEmpty, Set(readers[xs] ?? []) == scaleReaders, Set(readers[xzp] ?? []) == matMuls else { continue }
            consumed.insert(d)
            for p in found {
                patterns[p.mul] = p
                consumed.formUnion([p.scaleMul, p.matMul, p.cast, p.mul])
            }
        }
        return (patterns, consumed)
    }
}

extension ImportContext {
    mutating func importDynamicQuantizedMatMul(_ p: DynamicQuantizedMatMul, _ nodes: [OnnxNode]) throws(DLError) {
        let quantize = nodes[p.quantize], matMul = nodes[p.matMul], scaleMul = nodes[p.scaleMul], mul = nodes[p.mul]
        let x = try tensor(quantize, 0)
        guard let w = constant(matMul, 1), w.type == .int8, w.dims.count == 2 else {
            throw DLError(.unsupported, "\(matMul.label): dynamic quantization needs constant int8 weights [K, N] (uint8 weights are not imported)")
        }
        let n = w.dims[1]
        let scaleInput = scaleMul.inputs[0] == quantize.outputs[1] ? 1 : 0
        guard let scales = constant(scaleMul, scaleInput), scales.type.isFloatingPoint, scales.count == 1 || scales.count == n else {
            throw DLError(.unsupported, "\(scaleMul.label): the weight scales must be a constant with 1 or \(n) values")
        }
        if hasInput(matMul, 3) {
            guard let zp = constant(matMul, 3), zp.int64Values.allSatisfy({ $0 == 0 }) else {
                throw DLError(.unsupported, "\(matMul.label): dynamic quantization needs symmetric weights (zero point 0)")
            }
        }
        let scaleValues = scales.floatValues
        for s in scaleValues where !(s > 0 && s.isFinite) {
            throw DLError(.invalidModel, "\(scaleMul.label): weight scale \(s) is not a finite positive number")
        }
        let params = scales.count == 1 ? QuantParams(scale: scaleValues[0], zeroPoint: 0)
            : QuantParams(scales: scaleValues, zeroPoints: [Int32](repeating: 0, count: n), axis: 0)
        let weight = addConstant(HostOps.transpose(w, perm: [1, 0]), name: matMul.inputs[1], quant: params)
        var dense = mul   // y, under the MatMul's name (the layer `--exclude` and `compare` know)
        dense.name = matMul.name
        try emitSimple(dense, .dense, inputs: [x, weight, Node.absent],
                       attributes: [Attribute(Node.dynamicQuantization, .int(1))], dtypeFrom: x)
    }
}
