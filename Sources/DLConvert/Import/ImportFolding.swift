import DLCore

/// Conversion-time evaluation: nodes whose inputs are all known become constants,
/// and shape values (Shape → Gather → Concat …) are tracked symbolically so that
/// a Reshape fed by them gets a constant shape even with a dynamic batch.
extension ImportContext {
    /// Ops evaluated here when every input is known.
    static let foldable: Set<String> = [
        "Constant", "Shape", "Gather", "Concat", "Cast", "Unsqueeze", "Squeeze", "Identity", "Slice",
        "Reshape", "Transpose", "Flatten", "Add", "Sub", "Mul", "Div", "ConstantOfShape", "Dropout", "Expand",
    ]

    /// Largest constant folding may create (a ConstantOfShape could ask for billions).
    static let maxFoldedElements = 1 << 26

    /// Evaluates `node` if it can be; returns whether it did.
    mutating func foldIfConstant(_ node: OnnxNode) throws(DLError) -> Bool {
        guard Self.foldable.contains(node.opType) else { return false }
        if node.opType == "Constant" { values[node.outputs[0]] = .constant(try constantValue(node)); return true }
        if node.opType == "Shape" { return try foldShape(node) }
        if case .filled(let fill, let dims)? = value(node, 0) { return try foldFilled(node, fill, dims) }
        if node.opType == "Expand", let x = constant(node, 0), x.count == 1, case .shape(let dims, _)? = value(node, 1),
           constant(node, 1) == nil {
            values[node.outputs[0]] = .filled(x, dims: dims)   // a constant broadcast to a run-time shape
            return true
        }
        let present = (0..<node.inputs.count).filter { hasInput(node, $0) }
        // Symbolic shape arithmetic: some inputs are shape values, the rest known.
        let symbolic = present.contains { if case .shape? = value(node, $0) { return true }; return false }
        let allKnown = present.allSatisfy { i in
            switch value(node, i) { case .constant?, .shape?: return true; default: return false }
        }
        guard allKnown, !present.isEmpty || node.opType == "ConstantOfShape" else { return false }
        if symbolic, present.contains(where: { constant(node, $0) == nil }) {
            return try foldSymbolic(node)
        }
        var inputs: [HostTensor] = []
        for i in 0..<node.inputs.count {
            inputs.append(constant(node, i) ?? HostTensor(type: .float, dims: [0], bytes: []))
        }
        guard let result = try evaluate(node, inputs) else { return false }
        values[node.outputs[0]] = .constant(result)
        return true
    }

    func constantValue(_ node: OnnxNode) throws(DLError) -> HostTensor {
        switch (node.attributes["value"], node.attributes["value_float"], node.attributes["value_floats"],
                node.attributes["value_int"], node.attributes["value_ints"]) {
        case (.tensor(let t)?, _, _, _, _): return t
        case (_, .float(let f)?, _, _, _): return HostTensor(floats: [f], dims: [])
        case (_, _, .floats(let f)?, _, _): return HostTensor(floats: f, dims: [f.count])
        case (_, _, _, .int(let i)?, _): return HostTensor(int64s: [i], dims: [])
        case (_, _, _, _, .ints(let i)?): return HostTensor(int64s: i, dims: [i.count])
        default: throw DLError(.unsupported, "\(node.label): only tensor, float(s) and int(s) values are supported")
        }
    }

    /// Shape of a tensor whose rank is known: known dims become numbers, dynamic ones symbols.
    mutating func foldShape(_ node: OnnxNode) throws(DLError) -> Bool {
        var dims: [SymbolicDim]
        switch value(node, 0) {
        case .constant(let h)?: dims = h.dims.map { .known(Int64($0)) }
        case .shape(let d, let scalar)?: dims = scalar ? [] : [.known(Int64(d.count))]
        case .filled(_, let d)?: dims = d
        case .tensor(let t)?:
            guard let s = shape(t) else {
                throw DLError(.unsupported, "\(node.label): the shape of '\(node.inputs[0])' is not known at conversion time (run onnx shape inference on the model first)")
            }
            dims = s.dims.enumerated().map { $0.element >= 0 ? .known(Int64($0.element)) : .dimension(tensor: t, axis: $0.offset) }
        case nil: throw DLError(.invalidModel, "\(node.label) has no input")
        }
        let rank = Int64(dims.count)
        func clampIndex(_ v: Int64) -> Int { Int(min(max(v < 0 ? v + rank : v, 0), rank)) }
        let start = clampIndex(node.int("start", default: 0))
        let end = node.int("end").map(clampIndex) ?? dims.count
        values[node.outputs[0]] = .shape(start < end ? Array(dims[start..<end]) : [], scalar: false)
        return true
    }

    /// Reshaping ops on a constant fill whose shape is known only at run time: the fill
    /// stays a fill of the new shape (Slice needs the sliced dimensions to be known).
    mutating func foldFilled(_ node: OnnxNode, _ fill: HostTensor, _ dims: [SymbolicDim]) throws(DLError) -> Bool {
        var out = dims
        switch node.opType {
        case "Identity", "Dropout": break
        case "Cast":
            guard let to = node.int("to"), let type = OnnxElementType(rawValue: Int32(truncatingIfNeeded: to)) else { return false }
            values[node.outputs[0]] = .filled(HostOps.cast(fill, to: type), dims: dims)
            return true
        case "Unsqueeze", "Squeeze":
            guard let axes = node.ints("axes") ?? constant(node, 1)?.int64Values else { return false }
            let rank = node.opType == "Unsqueeze" ? dims.count + axes.count : dims.count
            var normalized: Set<Int> = []
            for a in axes { normalized.insert(try normalizeAxis(a, rank: rank, node)) }
            if node.opType == "Unsqueeze" {
                out = []
                var source = dims.makeIterator()
                for k in 0..<rank { out.append(normalized.contains(k) ? .known(1) : source.next() ?? .known(1)) }
            } else {
                guard normalized.allSatisfy({ dims[$0] == .known(1) }) else { return false }
                out = dims.indices.filter { !normalized.contains($0) }.map { dims[$0] }
            }
        case "Slice":
            guard let starts = constant(node, 1)?.int64Values, let ends = constant(node, 2)?.int64Values else { return false }
            let axes = hasInput(node, 3) ? (constant(node, 3)?.int64Values ?? []) : (0..<Int64(starts.count)).map { $0 }
            let steps = hasInput(node, 4) ? (constant(node, 4)?.int64Values ?? []) : [Int64](repeating: 1, count: starts.count)
            guard axes.count == starts.count, ends.count == starts.count, steps.count == starts.count else { return false }
            for (k, rawAxis) in axes.enumerated() {
                let axis = try normalizeAxis(rawAxis, rank: dims.count, node)
                guard case .known(let n) = dims[axis], steps[k] == 1 else {
                    // A full slice of a dynamic dimension keeps it.
                    if starts[k] == 0 && ends[k] >= Int64(Int32.max) && steps[k] == 1 { continue }
                    return false
                }
                let s = min(max(starts[k] < 0 ? starts[k] + n : starts[k], 0), n)
                let e = min(max(ends[k] < 0 ? ends[k] + n : ends[k], 0), n)
                out[axis] = .known(max(e - s, 0))
            }
        default: return false
        }
        values[node.outputs[0]] = .filled(fill, dims: out)
        return true
    }

    /// Gather, Concat, Unsqueeze, Squeeze, Cast, Identity, Slice and arithmetic on shape values.
    mutating func foldSymbolic(_ node: OnnxNode) throws(DLError) -> Bool {
        func dims(_ i: Int) -> ([SymbolicDim], Bool)? {
            switch value(node, i) {
            case .shape(let d, let s)?: return (d, s)
            case .constant(let h)? where !h.type.isFloatingPoint && h.dims.count <= 1:
                return (h.int64Values.map { .known($0) }, h.dims.isEmpty)
            default: return nil
            }
        }
        guard let (first, firstScalar) = dims(0) else { return false }
        var result: ([SymbolicDim], Bool)
        switch node.opType {
        case "Identity", "Cast": result = (first, firstScalar)
        case "Unsqueeze" where firstScalar: result = (first, false)
        case "Squeeze" where !firstScalar && first.count == 1: result = (first, true)
        case "Gather":
            guard let idx = constant(node, 1) else { return false }
            var picked: [SymbolicDim] = []
            for raw in idx.int64Values {
                let i = raw < 0 ? Int(raw) + first.count : Int(raw)
                guard i >= 0, i < first.count else { throw DLError(.invalidModel, "\(node.label): index \(raw) outside a shape of rank \(first.count)") }
                picked.append(first[i])
            }
            result = (picked, idx.dims.isEmpty)
        case "Concat":
            var all: [SymbolicDim] = []
            for i in 0..<node.inputs.count { guard let (d, _) = dims(i) else { return false }; all += d }
            result = (all, false)
        case "Slice":
            guard let starts = constant(node, 1)?.int64Values, let ends = constant(node, 2)?.int64Values else { return false }
            let steps = constant(node, 4)?.int64Values ?? [1]
            let n = Int64(first.count)
            var s = starts[0] < 0 ? starts[0] + n : starts[0], e = ends[0] < 0 ? ends[0] + n : ends[0]
            guard steps == [1] else { return false }
            s = min(max(s, 0), n); e = min(max(e, 0), n)
            result = (s < e ? Array(first[Int(s)..<Int(e)]) : [], false)
        case "ConstantOfShape":
            var fill = HostTensor(floats: [0], dims: [1])
            if case .tensor(let t)? = node.attributes["value"] { fill = t }
            values[node.outputs[0]] = .filled(fill, dims: first)
            return true
        case "Add", "Sub", "Mul", "Div":
            guard let (second, secondScalar) = dims(1) else { return false }
            let n = max(first.count, second.count)
            guard first.count == n || first.count == 1, second.count == n || second.count == 1 else {
                throw DLError(.shapeMismatch, "\(node.label): shape values of lengths \(first.count) and \(second.count) do not broadcast")
            }
            var out: [SymbolicDim] = []
            for k in 0..<n {
                let a = first.count == 1 ? first[0] : first[k], b = second.count == 1 ? second[0] : second[k]
                if case .known(let x) = a, case .known(let y) = b, !(node.opType == "Div" && y == 0) {
                    out.append(.known(node.opType == "Add" ? x + y : node.opType == "Sub" ? x - y : node.opType == "Mul" ? x * y : x / y))
                } else if node.opType == "Mul", case .known(1) = b { out.append(a) }
                else if node.opType == "Mul", case .known(1) = a { out.append(b) }
                else { out.append(.unknown) }
            }
            result = (out, firstScalar && secondScalar)
        default: return false
        }
        values[node.outputs[0]] = .shape(result.0, scalar: result.1)
        return true
    }

    /// Evaluates a node on known inputs; nil when this op is not evaluated here.
    func evaluate(_ node: OnnxNode, _ inputs: [HostTensor]) throws(DLError) -> HostTensor? {
        let x = inputs[0]
        switch node.opType {
        case "Identity", "Dropout": return x
        case "Add", "Sub", "Mul", "Div": return try HostOps.binary(x, inputs[1], node.opType, node)
        case "Cast":
            guard let to = node.int("to"), let type = OnnxElementType(rawValue: Int32(truncatingIfNeeded: to)) else {
                throw DLError(.unsupportedDType, "\(node.label): cannot cast to ONNX type \(node.int("to") ?? 0)")
            }
            return HostOps.cast(x, to: type)
        case "Concat":
            let axis = try normalizeAxis(node.int("axis", default: 0), rank: x.dims.count, node)
            let parts = inputs.filter { $0.count > 0 }
            guard let first = parts.first else { return x }
            for p in parts {
                guard p.dims.count == first.dims.count, p.type == first.type,
                      p.dims.indices.allSatisfy({ $0 == axis || p.dims[$0] == first.dims[$0] }) else {
                    throw DLError(.shapeMismatch, "\(node.label): inputs \(parts.map(\.dims)) do not concatenate on axis \(axis)")
                }
            }
            return HostOps.concat(parts, axis: axis)
        case "Gather":
            let axis = try normalizeAxis(node.int("axis", default: 0), rank: x.dims.count, node)
            return try HostOps.gather(x, indices: inputs[1].int64Values, indexDims: inputs[1].dims, axis: axis, node)
        case "Transpose":
            let perm = node.ints("perm")?.map { Int($0) } ?? Array((0..<x.dims.count).reversed())
            guard perm.sorted() == Array(0..<x.dims.count) else { throw DLError(.invalidModel, "\(node.label): perm \(perm) is not a permutation") }
            return HostOps.transpose(x, perm: perm)
        case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
            var y = x
            y.dims = try reshapedDims(node, input: x.dims, inputs: inputs)
            return y
        case "Slice":
            let rank = x.dims.count
            let starts = inputs.count > 1 ? inputs[1].int64Values : (node.ints("starts") ?? [])
            let ends = inputs.count > 2 ? inputs[2].int64Values : (node.ints("ends") ?? [])
            let rawAxes = inputs.count > 3 && inputs[3].count > 0 ? inputs[3].int64Values : (node.ints("axes") ?? (0..<Int64(starts.count)).map { $0 })
            let steps = inputs.count > 4 && inputs[4].count > 0 ? inputs[4].int64Values : [Int64](repeating: 1, count: starts.count)
            var axes: [Int] = []
            for a in rawAxes { axes.append(try normalizeAxis(a, rank: rank, node)) }
            guard starts.count == ends.count, starts.count == axes.count, steps.count == axes.count, !steps.contains(0) else {
                throw DLError(.invalidModel, "\(node.label): starts, ends, axes and steps disagree")
            }
            return HostOps.slice(x, starts: starts, ends: ends, axes: axes, steps: steps)
        case "Expand":
            let target = inputs[1].int64Values.map { Int(truncatingIfNeeded: $0) }
            guard target.allSatisfy({ $0 >= 0 }), let dims = HostOps.broadcast(x.dims, target),
                  let n = Shape(dims).elementCount, n <= ImportContext.maxFoldedElements else {
                throw DLError(.invalidModel, "\(node.label): cannot expand \(x.dims) to \(target)")
            }
            let zeros = HostOps.cast(HostTensor(floats: [Float](repeating: 0, count: n), dims: dims), to: x.type)
            return HostOps.cast(try HostOps.binary(x, zeros, "Add", node), to: x.type)
        case "ConstantOfShape":
            let dims = x.int64Values.map { Int(truncatingIfNeeded: $0) }
            guard dims.allSatisfy({ $0 >= 0 }), let n = Shape(dims).elementCount, n <= ImportContext.maxFoldedElements else {
                throw DLError(.invalidModel, "\(node.label): bad shape \(dims)")
            }
            var fill = HostTensor(floats: [0], dims: [1])
            if case .tensor(let t)? = node.attributes["value"] { fill = t }
            var bytes = [UInt8]()
            bytes.reserveCapacity(n * fill.type.byteSize)
            for _ in 0..<n { bytes.append(contentsOf: fill.bytes.prefix(fill.type.byteSize)) }
            return HostTensor(type: fill.type, dims: dims, bytes: bytes)
        default: return nil
        }
    }

    /// Output dims of Reshape/Flatten/Squeeze/Unsqueeze for a known input shape.
    func reshapedDims(_ node: OnnxNode, input dims: [Int], inputs: [HostTensor]) throws(DLError) -> [Int] {
        let count = dims.reduce(1, *)
        switch node.opType {
        case "Flatten":
            let axis = try normalizeAxis(node.int("axis", default: 1), rank: dims.count + 1, node)
            return [dims[..<axis].reduce(1, *), dims[axis...].reduce(1, *)]
        case "Squeeze", "Unsqueeze":
            let rawAxes = inputs.count > 1 && inputs[1].count > 0 ? inputs[1].int64Values : node.ints("axes")
            if node.opType == "Squeeze" {
                var axes: Set<Int> = []
                for a in rawAxes ?? [] { axes.insert(try normalizeAxis(a, rank: dims.count, node)) }
                if rawAxes == nil { axes = Set(dims.indices.filter { dims[$0] == 1 }) }
                return dims.indices.filter { !axes.contains($0) }.map { dims[$0] }
            }
            let outRank = dims.count + (rawAxes?.count ?? 0)
            var axes: Set<Int> = []
            for a in rawAxes ?? [] { axes.insert(try normalizeAxis(a, rank: outRank, node)) }
            var out: [Int] = [], source = dims.makeIterator()
            for k in 0..<outRank { out.append(axes.contains(k) ? 1 : source.next() ?? 1) }
            return out
        default:
            let target = inputs[1].int64Values
            let allowZero = node.int("allowzero", default: 0) != 0
            var out: [Int] = []
            var inferred: Int? = nil
            for (k, v) in target.enumerated() {
                if v == -1 { guard inferred == nil else { throw DLError(.invalidModel, "\(node.label): two -1 in shape") }; inferred = k; out.append(1) }
                else if v == 0 && !allowZero { guard k < dims.count else { throw DLError(.invalidModel, "\(node.label): 0 copies a missing dimension") }; out.append(dims[k]) }
                else if v >= 0 { out.append(Int(v)) }
                else { throw DLError(.invalidModel, "\(node.label): bad dimension \(v)") }
            }
            let known = out.reduce(1, *)
            if let k = inferred {
                guard known > 0, count % known == 0 else { throw DLError(.shapeMismatch, "\(node.label): cannot reshape \(dims) to \(target)") }
                out[k] = count / known
            }
            guard out.reduce(1, *) == count else { throw DLError(.shapeMismatch, "\(node.label): cannot reshape \(dims) to \(target)") }
            return out
        }
    }
}
