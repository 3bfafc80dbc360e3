/// The one place for shape rules: what each op produces (dtype and shape) from
/// what it receives and its attributes, with errors that name the node and the
/// mismatch. Used by the runtime at load and on every new input shape, and by the
/// converter and the trainer to check the graphs they write.
///
/// Dynamic dimensions (-1) flow through: a rule that cannot decide a dimension
/// without its value leaves it dynamic, and checks only what is known.

/// The dtype and shape of one tensor, as far as they are known.
public struct TensorType: Equatable, Sendable, CustomStringConvertible {
    public var dtype: DType
    public var shape: Shape

    public init(_ dtype: DType, _ shape: Shape) {
        self.dtype = dtype
        self.shape = shape
    }

    public var description: String { "\(dtype.name)\(shape)" }
}

public enum ShapeInference {
    /// The types of `node`'s outputs.
    ///
    /// - Parameters:
    ///   - inputs: one entry per `node.inputs`, nil for an absent optional input.
    ///   - declared: the output tensors' declared types, where the graph has them
    ///     (Quantize takes its integer dtype from there); may be empty.
    /// - Returns: one entry per `node.outputs` (absent outputs get their would-be type).
    public static func outputTypes(of node: Node, inputs: [TensorType?],
                                   declared: [TensorType] = []) throws(DLError) -> [TensorType] {
        let rule = Rule(node: node, inputs: inputs, declared: declared)
        switch node.op {
        case .dense: return try rule.dense()
        case .matMul: return try rule.matMul()
        case .matMulInteger: return try rule.matMulInteger()
        case .conv2d: return try rule.conv2d()
        case .maxPool2d, .avgPool2d: return try rule.pool2d()
        case .globalAvgPool: return try rule.globalAvgPool()
        case .add, .sub, .mul, .div: return try rule.elementwiseBinary()
        case .relu, .sigmoid, .tanh, .identity: return try rule.sameAsInput()
        case .clip: return try rule.clip()
        case .leakyRelu: return try rule.sameAsInput()
        case .gelu: return try rule.gelu()
        case .softmax, .logSoftmax: return try rule.softmax()
        case .batchNorm: return try rule.batchNorm()
        case .layerNorm: return try rule.layerNorm()
        case .lstm: return try rule.recurrent(gates: 4, outputs: 3)
        case .gru: return try rule.recurrent(gates: 3, outputs: 2)
        case .rnn: return try rule.recurrent(gates: 1, outputs: 2)
        case .concat: return try rule.concat()
        case .transpose: return try rule.transpose()
        case .reshape: return try rule.reshape()
        case .flatten: return try rule.flatten()
        case .squeeze: return try rule.squeeze()
        case .unsqueeze: return try rule.unsqueeze()
        case .quantize: return try rule.quantize()
        case .dequantize: return try rule.dequantize()
        case .gather: return try rule.gather()
        }
    }

    /// numpy broadcasting of two shapes; a dynamic dimension against 1 or itself stays dynamic,
    /// against a fixed size takes that size.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        let rank = max(a.rank, b.rank)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.rank ? 1 : a[i - (rank - a.rank)]
            let db = i < rank - b.rank ? 1 : b[i - (rank - b.rank)]
            if da == db { out[i] = da }
            else if da == 1 { out[i] = db }
            else if db == 1 { out[i] = da }
            else if da < 0 { out[i] = db }
            else if db < 0 { out[i] = da }
            else { return nil }
        }
        return Shape(out)
    }

    /// Two dimensions agree when equal or when either is dynamic.
    @inlinable public static func compatible(_ a: Int, _ b: Int) -> Bool { a == b || a < 0 || b < 0 }

    /// Two shapes agree dimension by dimension (see `compatible`).
    public static func compatible(_ a: Shape, _ b: Shape) -> Bool {
        guard a.rank == b.rank else { return false }
        for i in 0..<a.rank where !compatible(a[i], b[i]) { return false }
        return true
    }

    /// The more specific of two compatible shapes (a fixed dimension wins over a dynamic one).
    public static func merge(_ a: Shape, _ b: Shape) -> Shape {
        var out = a
        for i in 0..<a.rank where out[i] < 0 { out[i] = b[i] }
        return out
    }
}

/// How numpy's matmul (ONNX MatMul, MatMulInteger) pairs A and B: a 1-D A is a row [1, K]
/// and a 1-D B a column [K, 1] (the added dimension is dropped from the output); the
/// dimensions before the last two are batch dimensions and broadcast against each other.
/// The one statement of this rule: shape inference and the runtime's kernels both use it.
public struct MatMulLayout: Equatable, Sendable {
    public var m: Int
    public var k: Int
    public var n: Int
    /// The output's batch dimensions (A's and B's broadcast).
    public var batch: [Int]
    /// A's and B's batch dimensions left-padded with 1 to `batch.count`.
    public var aBatch: [Int]
    public var bBatch: [Int]
    /// The output shape: batch + [m] (unless A is 1-D) + [n] (unless B is 1-D).
    public var output: Shape

    /// Throws (a message naming both shapes) when the inner dimensions differ or the batch
    /// dimensions do not broadcast. Dynamic dimensions are allowed (see `ShapeInference.broadcast`).
    public init(_ a: Shape, _ b: Shape) throws(DLError) {
        guard a.rank >= 1, b.rank >= 1 else {
            throw DLError(.invalidModel, "MatMul needs operands of rank 1 or more, found \(a) and \(b)")
        }
        let aDims = a.rank == 1 ? [1, a[0]] : a.dims
        let bDims = b.rank == 1 ? [b[0], 1] : b.dims
        let k = aDims[aDims.count - 1], kb = bDims[bDims.count - 2]
        guard ShapeInference.compatible(k, kb) else {
            throw DLError(.invalidModel, "A \(a) and B \(b) disagree on the inner dimension (\(k) vs \(kb))")
        }
        let aLead = Array(aDims.dropLast(2)), bLead = Array(bDims.dropLast(2))
        guard let batch = ShapeInference.broadcast(Shape(aLead), Shape(bLead)) else {
            throw DLError(.invalidModel, "batch dimensions of A \(a) and B \(b) do not broadcast")
        }
        self.m = aDims[aDims.count - 2]
        self.k = k < 0 ? kb : k
        self.n = bDims[bDims.count - 1]
        self.batch = batch.dims
        self.aBatch = [Int](repeating: 1, count: batch.rank - aLead.count) + aLead
        self.bBatch = [Int](repeating: 1, count: batch.rank - bLead.count) + bLead
        var dims = batch.dims
        if a.rank > 1 { dims.append(m) }
        if b.rank > 1 { dims.append(n) }
        self.output = Shape(dims)
    }

    /// For each output batch entry (row-major over `batch`), the index of the A and the B
    /// matrix it multiplies (a broadcast dimension repeats the same matrix). Needs static dims.
    public func batchOperands() -> (a: [Int], b: [Int]) {
        var total = 1
        for d in batch { total *= Swift.max(d, 0) }
        var aIndex = [Int](repeating: 0, count: total), bIndex = [Int](repeating: 0, count: total)
        var position = [Int](repeating: 0, count: batch.count)
        for i in 0..<total {
            var ia = 0, ib = 0
            for d in 0..<batch.count {
                ia = ia * aBatch[d] + (aBatch[d] == 1 ? 0 : position[d])
                ib = ib * bBatch[d] + (bBatch[d] == 1 ? 0 : position[d])
            }
            aIndex[i] = ia
            bIndex[i] = ib
            var d = batch.count - 1
            while d >= 0 {
                position[d] += 1
                if position[d] < batch[d] { break }
                position[d] = 0
                d -= 1
            }
        }
        return (aIndex, bIndex)
    }
}

/// The rules, one method per op (family); `node` and `inputs` are what is being checked.
private struct Rule {
    let node: Node
    let inputs: [TensorType?]
    let declared: [TensorType]

    // MARK: - Helpers

    func fail(_ message: String) -> DLError {
        DLError(.invalidModel, "\(node.op.name) node '\(node.name)': \(message)")
    }

    /// Input `i`, which must be present.
    func input(_ i: Int, _ role: String) throws(DLError) -> TensorType {
        guard i < inputs.count, let t = inputs[i] else { throw fail("missing input \(i) (\(role))") }
        return t
    }

    /// Input `i` if present.
    func optionalInput(_ i: Int) -> TensorType? { i < inputs.count ? inputs[i] : nil }

    func expectInputs(_ range: ClosedRange<Int>) throws(DLError) {
        guard range.contains(inputs.count) else {
            throw fail("expects \(range.lowerBound)...\(range.upperBound) inputs, found \(inputs.count)")
        }
    }

    func expectOutputs(_ range: ClosedRange<Int>) throws(DLError) {
        guard range.contains(node.outputs.count) else {
            throw fail("expects \(range.lowerBound)...\(range.upperBound) outputs, found \(node.outputs.count)")
        }
    }

    func expectRank(_ t: TensorType, _ role: String, _ ranks: ClosedRange<Int>) throws(DLError) {
        guard ranks.contains(t.shape.rank) else {
            let want = ranks.lowerBound == ranks.upperBound ? "\(ranks.lowerBound)" : "\(ranks.lowerBound)...\(ranks.upperBound)"
            throw fail("\(role) has rank \(t.shape.rank) (shape \(t.shape)), expected rank \(want)")
        }
    }

    func expectFloatOrQuantized(_ t: TensorType, _ role: String) throws(DLError) {
        guard t.dtype.isFloatingPoint || t.dtype == .int8 || t.dtype == .uint8 else {
            throw fail("\(role) has dtype \(t.dtype.name), expected a float or int8/uint8 tensor")
        }
    }

    /// `axis` normalized into 0..<rank (negative counts from the end).
    func normalizedAxis(_ axis: Int, rank: Int, _ what: String = "axis") throws(DLError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw fail("\(what) \(axis) is out of range for rank \(rank)") }
        return a
    }

    func intPair(_ name: String, default value: Int) throws(DLError) -> (Int, Int) {
        guard let v = node.ints(name) else { return (value, value) }
        guard v.count == 2 else { throw fail("attribute '\(name)' needs 2 values, found \(v.count)") }
        return (v[0], v[1])
    }

    func pads4() throws(DLError) -> [Int] {
        guard let v = node.ints("pads") else { return [0, 0, 0, 0] }
        guard v.count == 4 else { throw fail("attribute 'pads' needs 4 values (top, left, bottom, right), found \(v.count)") }
        for p in v where p < 0 || p > 1 << 20 { throw fail("pad \(p) is out of range") }
        return v
    }

    func activationAttribute() throws(DLError) {
        let a = node.int("activation", default: 0)
        guard FusedActivation(rawValue: a) != nil else { throw fail("unknown fused activation \(a)") }
    }

    /// One output of type `t`.
    func one(_ t: TensorType) throws(DLError) -> [TensorType] {
        try expectOutputs(1...1)
        return [t]
    }

    // MARK: - Dense and matrix products

    func dense() throws(DLError) -> [TensorType] {
        try expectInputs(2...3)
        let x = try input(0, "X"), w = try input(1, "W")
        try expectFloatOrQuantized(x, "X")
        try expectRank(x, "X", 1...Shape.maxRank)
        try expectRank(w, "W", 2...2)
        try activationAttribute()
        let k = x.shape[x.shape.rank - 1]
        guard ShapeInference.compatible(k, w.shape[1]) else {
            throw fail("X has \(k) features (shape \(x.shape)) but W \(w.shape) expects \(w.shape[1])")
        }
        let n = w.shape[0]
        if let b = optionalInput(2) {
            guard b.shape.rank == 1, ShapeInference.compatible(b.shape[0], n) else {
                throw fail("bias has shape \(b.shape), expected [\(n)]")
            }
        }
        var dims = x.shape.dims
        dims[dims.count - 1] = n
        return try one(TensorType(x.dtype, Shape(dims)))
    }

    func matMul() throws(DLError) -> [TensorType] {
        try expectInputs(2...2)
        let a = try input(0, "A"), b = try input(1, "B")
        try expectFloatOrQuantized(a, "A")
        return try one(TensorType(a.dtype, try matMulLayout(a, b).output))
    }

    /// MatMulInteger: the MatMul shape rule on int8/uint8 operands, with an int32 output.
    func matMulInteger() throws(DLError) -> [TensorType] {
        try expectInputs(2...2)
        let a = try input(0, "A"), b = try input(1, "B")
        for (t, role) in [(a, "A"), (b, "B")] where t.dtype != .int8 && t.dtype != .uint8 {
            throw fail("\(role) has dtype \(t.dtype.name), expected i8 or u8")
        }
        return try one(TensorType(.int32, try matMulLayout(a, b).output))
    }

    func matMulLayout(_ a: TensorType, _ b: TensorType) throws(DLError) -> MatMulLayout {
        try expectRank(a, "A", 1...Shape.maxRank)
        try expectRank(b, "B", 1...Shape.maxRank)
        do throws(DLError) {
            return try MatMulLayout(a.shape, b.shape)
        } catch {
            throw fail(error.message)
        }
    }

    // MARK: - Convolution and pooling

    /// Output length of a sliding window; nil when the window does not fit.
    func windowOutput(_ size: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int,
                      ceilMode: Bool = false) -> Int? {
        if size < 0 { return Shape.dynamic }
        // Sizes come from files and callers: overflow means the window cannot fit.
        let (stretch, o1) = dilation.multipliedReportingOverflow(by: kernel - 1)
        let (padded1, o2) = size.addingReportingOverflow(padBegin)
        let (padded, o3) = padded1.addingReportingOverflow(padEnd)
        guard !o1, !o2, !o3, stretch < Int.max / 2, padded < Int.max / 2 else { return nil }
        let span = stretch + 1
        guard padded >= span else { return nil }
        var out = ceilMode ? (padded - span + stride - 1) / stride + 1 : (padded - span) / stride + 1
        // ONNX: with ceil_mode the last window must start inside the input or the begin padding.
        if ceilMode, (out - 1) * stride >= size + padBegin { out -= 1 }
        return out
    }

    func conv2d() throws(DLError) -> [TensorType] {
        try expectInputs(2...3)
        let x = try input(0, "X"), w = try input(1, "W")
        try expectFloatOrQuantized(x, "X")
        try expectRank(x, "X", 4...4)
        try expectRank(w, "W", 4...4)
        try activationAttribute()
        let (sh, sw) = try intPair("strides", default: 1)
        let (dh, dw) = try intPair("dilations", default: 1)
        let pads = try pads4()
        let group = node.int("group", default: 1)
        for v in [sh, sw, dh, dw] where v < 1 || v > 1 << 16 { throw fail("stride/dilation \(v) is out of range") }
        guard group >= 1 else { throw fail("group \(group) must be at least 1") }
        let m = w.shape[0], kh = w.shape[2], kw = w.shape[3]
        guard kh >= 1, kw >= 1 else { throw fail("kernel \(w.shape) must be fixed and positive") }
        if m >= 0, m % group != 0 { throw fail("\(m) output channels are not divisible by group \(group)") }
        let (cwProduct, overflow) = w.shape[1].multipliedReportingOverflow(by: group)
        guard !overflow, ShapeInference.compatible(x.shape[1], w.shape[1] < 0 ? -1 : cwProduct) else {
            throw fail("X has \(x.shape[1]) channels but W \(w.shape) with group \(group) expects \(cwProduct)")
        }
        if let b = optionalInput(2) {
            guard b.shape.rank == 1, ShapeInference.compatible(b.shape[0], m) else {
                throw fail("bias has shape \(b.shape), expected [\(m)]")
            }
        }
        guard let oh = windowOutput(x.shape[2], kernel: kh, stride: sh, dilation: dh, padBegin: pads[0], padEnd: pads[2]),
              let ow = windowOutput(x.shape[3], kernel: kw, stride: sw, dilation: dw, padBegin: pads[1], padEnd: pads[3]) else {
            throw fail("kernel \(kh)x\(kw) (dilation \(dh)x\(dw)) does not fit the padded input \(x.shape)")
        }
        return try one(TensorType(x.dtype, Shape([x.shape[0], m, oh, ow])))
    }

    func pool2d() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        try expectFloatOrQuantized(x, "X")
        try expectRank(x, "X", 4...4)
        guard let kernel = node.ints("kernel"), kernel.count == 2 else { throw fail("needs attribute 'kernel' with 2 values") }
        let (sh, sw) = try intPair("strides", default: 1)
        let (dh, dw) = try intPair("dilations", default: 1)
        let pads = try pads4()
        let ceilMode = node.int("ceil_mode", default: 0) != 0
        for v in [kernel[0], kernel[1], sh, sw, dh, dw] where v < 1 || v > 1 << 16 {
            throw fail("kernel/stride/dilation \(v) is out of range")
        }
        guard pads[0] < kernel[0], pads[2] < kernel[0], pads[1] < kernel[1], pads[3] < kernel[1] else {
            throw fail("pads \(pads) must be smaller than the kernel \(kernel)")
        }
        guard let oh = windowOutput(x.shape[2], kernel: kernel[0], stride: sh, dilation: dh,
                                    padBegin: pads[0], padEnd: pads[2], ceilMode: ceilMode),
              let ow = windowOutput(x.shape[3], kernel: kernel[1], stride: sw, dilation: dw,
                                    padBegin: pads[1], padEnd: pads[3], ceilMode: ceilMode) else {
            throw fail("kernel \(kernel) does not fit the padded input \(x.shape)")
        }
        return try one(TensorType(x.dtype, Shape([x.shape[0], x.shape[1], oh, ow])))
    }

    func globalAvgPool() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        try expectFloatOrQuantized(x, "X")
        try expectRank(x, "X", 3...Shape.maxRank)
        var dims = x.shape.dims
        for i in 2..<dims.count { dims[i] = 1 }
        return try one(TensorType(x.dtype, Shape(dims)))
    }

    // MARK: - Element-wise

    func elementwiseBinary() throws(DLError) -> [TensorType] {
        try expectInputs(2...2)
        let a = try input(0, "A"), b = try input(1, "B")
        try expectFloatOrQuantized(a, "A")
        guard a.dtype == b.dtype || (a.dtype.isFloatingPoint && b.dtype.isFloatingPoint) else {
            throw fail("operands have dtypes \(a.dtype.name) and \(b.dtype.name)")
        }
        guard let shape = ShapeInference.broadcast(a.shape, b.shape) else {
            throw fail("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return try one(TensorType(a.dtype, shape))
    }

    func sameAsInput() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        if node.op != .identity { try expectFloatOrQuantized(x, "X") }
        return try one(x)
    }

    func clip() throws(DLError) -> [TensorType] {
        let lo = node.float("min", default: -Float.infinity), hi = node.float("max", default: Float.infinity)
        guard !lo.isNaN, !hi.isNaN, lo <= hi else { throw fail("min \(lo) must not exceed max \(hi)") }
        return try sameAsInput()
    }

    func gelu() throws(DLError) -> [TensorType] {
        let approximate = node.int("approximate", default: 0)
        guard approximate == 0 || approximate == 1 else { throw fail("approximate must be 0 or 1, found \(approximate)") }
        return try sameAsInput()
    }

    func softmax() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        try expectRank(x, "X", 1...Shape.maxRank)
        _ = try normalizedAxis(node.int("axis", default: -1), rank: x.shape.rank)
        return try sameAsInput()
    }

    // MARK: - Normalization

    func batchNorm() throws(DLError) -> [TensorType] {
        try expectInputs(5...5)
        let x = try input(0, "X")
        try expectFloatOrQuantized(x, "X")
        try expectRank(x, "X", 2...Shape.maxRank)
        let roles = ["scale", "bias", "mean", "var"]
        for i in 1...4 {
            let p = try input(i, roles[i - 1])
            guard p.shape.rank == 1, ShapeInference.compatible(p.shape[0], x.shape[1]) else {
                throw fail("\(roles[i - 1]) has shape \(p.shape), expected [\(x.shape[1])]")
            }
        }
        return try one(x)
    }

    func layerNorm() throws(DLError) -> [TensorType] {
        try expectInputs(2...3)
        let x = try input(0, "X")
        try expectFloatOrQuantized(x, "X")
        try expectRank(x, "X", 1...Shape.maxRank)
        let axis = try normalizedAxis(node.int("axis", default: -1), rank: x.shape.rank)
        let normalized = Shape(Array(x.shape.dims[axis...]))
        _ = try input(1, "scale")
        for i in 1..<inputs.count {
            guard let p = inputs[i] else { continue }
            guard ShapeInference.compatible(p.shape, normalized) else {
                throw fail("\(i == 1 ? "scale" : "bias") has shape \(p.shape), expected \(normalized)")
            }
        }
        return try one(x)
    }

    // MARK: - Recurrent

    /// LSTM (4 gates, outputs Y, Y_h, Y_c), GRU (3 gates, Y, Y_h), RNN (1 gate, Y, Y_h).
    func recurrent(gates: Int, outputs maxOutputs: Int) throws(DLError) -> [TensorType] {
        try expectInputs(3...(gates == 4 ? 8 : 6))
        try expectOutputs(1...maxOutputs)
        let x = try input(0, "X"), w = try input(1, "W"), r = try input(2, "R")
        guard x.dtype.isFloatingPoint else { throw fail("X has dtype \(x.dtype.name), expected a float tensor") }
        try expectRank(x, "X", 3...3)
        try expectRank(w, "W", 3...3)
        try expectRank(r, "R", 3...3)
        let hidden = node.int("hidden_size", default: r.shape[2])
        let direction = node.int("direction", default: 0)
        let layout = node.int("layout", default: 0)
        guard hidden >= 1, hidden <= 1 << 24 else { throw fail("hidden_size \(hidden) must be 1...\(1 << 24)") }
        guard (0...2).contains(direction) else { throw fail("direction \(direction) must be 0, 1 or 2") }
        guard layout == 0 || layout == 1 else { throw fail("layout \(layout) must be 0 or 1") }
        let directions = direction == 2 ? 2 : 1
        let (seq, batch, features) = layout == 0 ? (x.shape[0], x.shape[1], x.shape[2]) : (x.shape[1], x.shape[0], x.shape[2])
        let gh = gates * hidden
        guard ShapeInference.compatible(w.shape, Shape([directions, gh, features])) else {
            throw fail("W has shape \(w.shape), expected [\(directions), \(gh), \(features)]")
        }
        guard ShapeInference.compatible(r.shape, Shape([directions, gh, hidden])) else {
            throw fail("R has shape \(r.shape), expected [\(directions), \(gh), \(hidden)]")
        }
        if let b = optionalInput(3), !ShapeInference.compatible(b.shape, Shape([directions, 2 * gh])) {
            throw fail("B has shape \(b.shape), expected [\(directions), \(2 * gh)]")
        }
        if let lens = optionalInput(4) {
            guard lens.dtype == .int32 || lens.dtype == .int64, ShapeInference.compatible(lens.shape, Shape([batch])) else {
                throw fail("sequence_lens has type \(lens), expected i32/i64[\(batch)]")
            }
        }
        let stateShape = layout == 0 ? Shape([directions, batch, hidden]) : Shape([batch, directions, hidden])
        for i in stride(from: 5, to: min(inputs.count, gates == 4 ? 8 : 6), by: 1) {
            guard let s = inputs[i] else { continue }
            let role = i == 5 ? "initial_h" : i == 6 ? "initial_c" : "P"
            let expected = i == 7 ? Shape([directions, 3 * hidden]) : stateShape
            guard ShapeInference.compatible(s.shape, expected) else {
                throw fail("\(role) has shape \(s.shape), expected \(expected)")
            }
        }
        let y = layout == 0 ? Shape([seq, directions, batch, hidden]) : Shape([batch, seq, directions, hidden])
        var out = [TensorType(x.dtype, y)]
        for _ in 1..<node.outputs.count { out.append(TensorType(x.dtype, stateShape)) }
        return out
    }

    // MARK: - Layout and data movement

    func concat() throws(DLError) -> [TensorType] {
        guard !inputs.isEmpty else { throw fail("needs at least one input") }
        let first = try input(0, "input 0")
        try expectRank(first, "input 0", 1...Shape.maxRank)
        let axis = try normalizedAxis(node.int("axis", default: 0), rank: first.shape.rank)
        var dims = first.shape.dims
        for i in 1..<inputs.count {
            let t = try input(i, "input \(i)")
            guard t.dtype == first.dtype else { throw fail("input \(i) has dtype \(t.dtype.name), input 0 \(first.dtype.name)") }
            guard t.shape.rank == first.shape.rank else { throw fail("input \(i) \(t.shape) and input 0 \(first.shape) differ in rank") }
            for d in 0..<dims.count where d != axis {
                guard ShapeInference.compatible(dims[d], t.shape[d]) else {
                    throw fail("input \(i) \(t.shape) and input 0 \(first.shape) differ outside axis \(axis)")
                }
                if dims[d] < 0 { dims[d] = t.shape[d] }
            }
            if dims[axis] >= 0, t.shape[axis] >= 0 {
                let (sum, overflow) = dims[axis].addingReportingOverflow(t.shape[axis])
                if overflow { throw fail("concatenated dimension overflows") }
                dims[axis] = sum
            } else {
                dims[axis] = Shape.dynamic
            }
        }
        return try one(TensorType(first.dtype, Shape(dims)))
    }

    func transpose() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        let rank = x.shape.rank
        let perm = node.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank else { throw fail("perm \(perm) has \(perm.count) entries for rank \(rank)") }
        var seen = [Bool](repeating: false, count: rank)
        for p in perm {
            guard p >= 0, p < rank, !seen[p] else { throw fail("perm \(perm) is not a permutation of 0..<\(rank)") }
            seen[p] = true
        }
        return try one(TensorType(x.dtype, Shape(perm.map { x.shape[$0] })))
    }

    func reshape() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        guard let target = node.ints("shape") else { throw fail("needs attribute 'shape'") }
        guard target.count <= Shape.maxRank else { throw fail("target rank \(target.count) exceeds \(Shape.maxRank)") }
        var dims = [Int]()
        var inferred: Int? = nil
        var known = 1
        // A dynamic input dimension copied with 0 cancels out: [?, 3, 4] -> [0, -1] is [?, 12].
        var copiedDynamic = [Bool](repeating: false, count: x.shape.rank)
        for (i, d) in target.enumerated() {
            var v = d
            if d == 0 {
                guard i < x.shape.rank else { throw fail("shape \(target) copies dimension \(i) of a rank-\(x.shape.rank) input") }
                v = x.shape[i]
                if v < 0 { copiedDynamic[i] = true; dims.append(v); continue }
            } else if d == -1 {
                guard inferred == nil else { throw fail("shape \(target) has more than one -1") }
                inferred = i
            } else if d < -1 {
                throw fail("shape \(target) has a negative dimension")
            }
            if d != -1 {
                if v < 0 { known = -1 } else if known >= 0 {
                    let (p, o) = known.multipliedReportingOverflow(by: v)
                    if o { throw fail("shape \(target) overflows") }
                    known = p
                }
            }
            dims.append(v)
        }
        var total: Int? = 1
        for (i, d) in x.shape.dims.enumerated() where !copiedDynamic[i] {
            guard d >= 0, let t = total else { total = nil; break }
            let (p, o) = t.multipliedReportingOverflow(by: d)
            if o { throw fail("input shape \(x.shape) overflows") }
            total = p
        }
        if let inferred {
            if let total, known > 0 {
                guard total % known == 0 else { throw fail("cannot reshape \(x.shape) (\(total) elements) into \(target)") }
                dims[inferred] = total / known
            } else if let total, known == 0, total == 0 {
                dims[inferred] = 0
            } else {
                dims[inferred] = Shape.dynamic
            }
        } else if let total, known >= 0, total != known {
            throw fail("cannot reshape \(x.shape) (\(total) elements) into \(target) (\(known) elements)")
        }
        return try one(TensorType(x.dtype, Shape(dims)))
    }

    /// The product of `dims`, dynamic (-1) if any is dynamic.
    func product(_ dims: ArraySlice<Int>) throws(DLError) -> Int {
        var n = 1
        for d in dims {
            if d < 0 { return Shape.dynamic }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { throw fail("dimension product overflows") }
            n = p
        }
        return n
    }

    func flatten() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        let rank = x.shape.rank
        var axis = node.int("axis", default: 1)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis <= rank else { throw fail("axis \(node.int("axis", default: 1)) is out of range for rank \(rank)") }
        let outer = try product(x.shape.dims[0..<axis]), inner = try product(x.shape.dims[axis...])
        return try one(TensorType(x.dtype, Shape([outer, inner])))
    }

    func squeeze() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        let rank = x.shape.rank
        var remove = [Bool](repeating: false, count: rank)
        if let axes = node.ints("axes") {
            for a in axes {
                let axis = try normalizedAxis(a, rank: rank)
                guard x.shape[axis] == 1 || x.shape[axis] < 0 else {
                    throw fail("cannot squeeze axis \(a) of size \(x.shape[axis]) in \(x.shape)")
                }
                remove[axis] = true
            }
        } else {
            for i in 0..<rank where x.shape[i] == 1 { remove[i] = true }
        }
        var dims = [Int]()
        for i in 0..<rank where !remove[i] { dims.append(x.shape[i]) }
        return try one(TensorType(x.dtype, Shape(dims)))
    }

    func unsqueeze() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        guard let axes = node.ints("axes") else { throw fail("needs attribute 'axes'") }
        let rank = x.shape.rank + axes.count
        guard rank <= Shape.maxRank else { throw fail("result rank \(rank) exceeds \(Shape.maxRank)") }
        var insert = [Bool](repeating: false, count: rank)
        for a in axes {
            let axis = try normalizedAxis(a, rank: rank)
            guard !insert[axis] else { throw fail("axes \(axes) repeat axis \(axis)") }
            insert[axis] = true
        }
        var dims = [Int]()
        var next = 0
        for i in 0..<rank {
            if insert[i] { dims.append(1) } else { dims.append(x.shape[next]); next += 1 }
        }
        return try one(TensorType(x.dtype, Shape(dims)))
    }

    // MARK: - Quantization and lookup

    func quantize() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        guard x.dtype.isFloatingPoint else { throw fail("X has dtype \(x.dtype.name), expected a float tensor") }
        let dtype = declared.first?.dtype ?? .int8
        guard dtype == .int8 || dtype == .uint8 else { throw fail("quantizes to \(dtype.name), expected i8 or u8") }
        return try one(TensorType(dtype, x.shape))
    }

    func dequantize() throws(DLError) -> [TensorType] {
        try expectInputs(1...1)
        let x = try input(0, "X")
        guard x.dtype == .int8 || x.dtype == .uint8 || x.dtype == .int32 else {
            throw fail("X has dtype \(x.dtype.name), expected i8, u8 or i32")
        }
        return try one(TensorType(.float32, x.shape))
    }

    func gather() throws(DLError) -> [TensorType] {
        try expectInputs(2...2)
        let table = try input(0, "table"), indices = try input(1, "indices")
        try expectRank(table, "table", 1...Shape.maxRank)
        guard indices.dtype == .int32 || indices.dtype == .int64 else {
            throw fail("indices have dtype \(indices.dtype.name), expected i32 or i64")
        }
        let axis = try normalizedAxis(node.int("axis", default: 0), rank: table.shape.rank)
        let dims = Array(table.shape.dims[..<axis]) + indices.shape.dims + Array(table.shape.dims[(axis + 1)...])
        guard dims.count <= Shape.maxRank else { throw fail("result rank \(dims.count) exceeds \(Shape.maxRank)") }
        return try one(TensorType(table.dtype, Shape(dims)))
    }
}

// MARK: - Whole graphs

extension Graph {
    /// Checks the graph's structure (indices in range, nodes in topological order, each
    /// tensor produced once, inputs and constants not overwritten) and infers every
    /// tensor's type, node by node.
    ///
    /// - Parameter inputShapes: shapes for the graph inputs (one per `inputs`), for
    ///   example with the batch dimension resolved; nil uses the declared shapes.
    ///   Each must agree with the declared shape where that is fixed.
    /// - Returns: one type per tensor in `tensors`: the inferred type merged with the
    ///   declaration (a fixed declared dimension fills a dynamic inferred one).
    public func inferTypes(inputShapes: [Shape]? = nil) throws(DLError) -> [TensorType] {
        var types = [TensorType?](repeating: nil, count: tensors.count)
        if let inputShapes, inputShapes.count != inputs.count {
            throw DLError(.invalidArgument, "\(inputShapes.count) input shapes for \(inputs.count) graph inputs")
        }
        for (i, t) in tensors.enumerated() {
            guard t.shape.rank <= Shape.maxRank else {
                throw DLError(.limitExceeded, "tensor '\(t.name)' has rank \(t.shape.rank), more than \(Shape.maxRank)")
            }
            for d in t.shape.dims where d < Shape.dynamic {
                throw DLError(.invalidModel, "tensor '\(t.name)' has negative dimension \(d) in \(t.shape)")
            }
            if let q = t.quant { try q.validate(for: t.shape) }
            if t.kind == .constant {
                guard t.shape.isStatic, t.shape.elementCount != nil else {
                    throw DLError(.invalidModel, "constant '\(t.name)' needs a fixed shape, found \(t.shape)")
                }
                types[i] = TensorType(t.dtype, t.shape)
            }
        }
        for (n, index) in inputs.enumerated() {
            guard index >= 0, index < tensors.count else {
                throw DLError(.invalidModel, "graph input \(n) refers to tensor \(index) of \(tensors.count)")
            }
            let t = tensors[index]
            guard t.kind == .activation, types[index] == nil else {
                throw DLError(.invalidModel, "graph input '\(t.name)' is a constant or listed twice")
            }
            var shape = t.shape
            if let inputShapes {
                let given = inputShapes[n]
                guard ShapeInference.compatible(given, t.shape) else {
                    throw DLError(.shapeMismatch, "input '\(t.name)' has shape \(given), the model expects \(t.shape)")
                }
                shape = given
            }
            types[index] = TensorType(t.dtype, shape)
        }
        for (n, node) in nodes.enumerated() {
            var inputTypes = [TensorType?]()
            for index in node.inputs {
                if index == Node.absent { inputTypes.append(nil); continue }
                guard index >= 0, index < tensors.count else {
                    throw DLError(.invalidModel, "node \(n) '\(node.name)' reads tensor \(index) of \(tensors.count)")
                }
                guard let t = types[index] else {
                    throw DLError(.invalidModel, "node \(n) '\(node.name)' reads '\(tensors[index].name)' before any node writes it")
                }
                inputTypes.append(t)
            }
            var declared = [TensorType]()
            for index in node.outputs {
                guard index >= 0, index < tensors.count else {
                    if index == Node.absent { declared.append(TensorType(.float32, Shape([]))); continue }
                    throw DLError(.invalidModel, "node \(n) '\(node.name)' writes tensor \(index) of \(tensors.count)")
                }
                guard types[index] == nil else {
                    throw DLError(.invalidModel, "node \(n) '\(node.name)' writes '\(tensors[index].name)', which is already an input, constant or output of another node")
                }
                declared.append(TensorType(tensors[index].dtype, tensors[index].shape))
            }
            let inferred = try ShapeInference.outputTypes(of: node, inputs: inputTypes, declared: declared)
            for (k, index) in node.outputs.enumerated() where index != Node.absent {
                let d = tensors[index], t = inferred[k]
                guard d.dtype == t.dtype else {
                    throw DLError(.invalidModel, "\(node.op.name) node '\(node.name)' produces \(t.dtype.name) but '\(d.name)' is declared \(d.dtype.name)")
                }
                guard ShapeInference.compatible(d.shape, t.shape) else {
                    throw DLError(.invalidModel, "\(node.op.name) node '\(node.name)' produces \(t.shape) but '\(d.name)' is declared \(d.shape)")
                }
                types[index] = TensorType(t.dtype, ShapeInference.merge(t.shape, d.shape))
            }
        }
        for index in outputs {
            guard index >= 0, index < tensors.count, types[index] != nil else {
                throw DLError(.invalidModel, "graph output \(index) is not produced by any node or input")
            }
        }
        var result = [TensorType]()
        result.reserveCapacity(tensors.count)
        for (i, t) in types.enumerated() {
            // Tensors nothing writes or reads keep their declaration.
            result.append(t ?? TensorType(tensors[i].dtype, tensors[i].shape))
        }
        return result
    }
}
