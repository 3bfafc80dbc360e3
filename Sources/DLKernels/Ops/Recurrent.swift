import CDLKernels

/// Shared geometry and bookkeeping of the ONNX recurrent ops (LSTM, GRU, RNN).
///
/// Tensors, ONNX layout 0 (`batchFirst` false): X [seq, batch, input], Y [seq, dirs, batch, hidden],
/// Y_h / Y_c / initial_h / initial_c [dirs, batch, hidden]. Layout 1 (`batchFirst`): X [batch, seq, input],
/// Y [batch, seq, dirs, hidden], states [batch, dirs, hidden].
/// Weights W [dirs, gates·hidden, input], R [dirs, gates·hidden, hidden], B [dirs, 2·gates·hidden]
/// (Wb then Rb). The default activations only (sigmoid, tanh); no `clip`, no LSTM peepholes:
/// the converter rejects models that set them.
public struct RecurrentParams: Equatable, Hashable, Sendable {
    public enum Direction: Int, Sendable { case forward = 0, reverse = 1, bidirectional = 2 }

    public var sequenceLength: Int
    public var batch: Int
    public var inputSize: Int
    public var hiddenSize: Int
    public var direction: Direction
    public var batchFirst: Bool

    public init(sequenceLength: Int, batch: Int, inputSize: Int, hiddenSize: Int,
                direction: Direction = .forward, batchFirst: Bool = false) {
        self.sequenceLength = sequenceLength
        self.batch = batch
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.direction = direction
        self.batchFirst = batchFirst
    }

    @inlinable public var directions: Int { direction == .bidirectional ? 2 : 1 }

    /// Row of X (and of the input projections) holding time step t of batch entry b.
    @inlinable func inputRow(_ t: Int, _ b: Int) -> Int {
        batchFirst ? b * sequenceLength + t : t * batch + b
    }
    /// Offset of Y[t, d, b, :].
    @inlinable func outputOffset(_ t: Int, _ d: Int, _ b: Int) -> Int {
        (batchFirst ? ((b * sequenceLength + t) * directions + d) : ((t * directions + d) * batch + b)) * hiddenSize
    }
    /// Offset of a state tensor's [d, b, :].
    @inlinable func stateOffset(_ d: Int, _ b: Int) -> Int {
        (batchFirst ? b * directions + d : d * batch + b) * hiddenSize
    }

    /// Offset of the record training saves for direction d, step s (not time: step s of a reverse
    /// direction is time len−1−s), batch entry b; `per` hidden-sized vectors per record.
    @inlinable func savedOffset(_ d: Int, _ s: Int, _ b: Int, per: Int) -> Int {
        ((d * sequenceLength + s) * batch + b) * per * hiddenSize
    }

    /// Float scratch of a sequence kernel's backward with `gates` gates.
    func backwardScratchFloats(gates: Int) -> Int {
        let gh = gates * hiddenSize
        return sequenceLength * batch * gh + batch * gh + 8 * batch * hiddenSize
    }

    /// Float scratch of a sequence kernel with `gates` gates.
    func scratchFloats(gates: Int) -> Int {
        let gh = gates * hiddenSize
        return sequenceLength * batch * gh + batch * gh + 3 * batch * hiddenSize + gh
    }

    /// Bytes of scratch for one direction's R packed for the per-step products (each block
    /// 64-byte aligned inside the scratch, hence the slack); `lastGateApart` as in `PackedRecurrence`.
    func packedRecurrenceBytes(gates: Int, lastGateApart: Bool = false) -> Int {
        let hs = hiddenSize
        guard lastGateApart else { return dlk_sgemm_packed_size(hs, gates * hs) + 64 }
        return dlk_sgemm_packed_size(hs, (gates - 1) * hs) + dlk_sgemm_packed_size(hs, hs) + 128
    }
}

/// R of every direction packed once (at model load) for the per-step products Hₜ₋₁·Rᵀ, so
/// that the sequence kernels do not pack it on each run.
public final class PackedRecurrence {
    let matrices: [Gemm.PackedMatrix]
    public let hiddenSize: Int
    /// The last gate's rows packed as a matrix of their own (GRU: its candidate's product
    /// cannot always join the z and r product).
    public let lastGateApart: Bool

    /// R [dirs, gates·hidden, hidden] as in `RecurrentParams`.
    public init(_ p: RecurrentParams, gates: Int, recurrence r: UnsafePointer<Float>, lastGateApart: Bool = false) {
        let hs = p.hiddenSize, gh = gates * hs
        hiddenSize = hs
        self.lastGateApart = lastGateApart
        let first = lastGateApart ? gh - hs : gh
        matrices = (0..<p.directions).flatMap { d in
            let rd = r + d * gh * hs
            let head = Gemm.PackedMatrix(transposed: true, k: hs, n: first, b: rd, ldb: hs)
            return lastGateApart ? [head, Gemm.PackedMatrix(transposed: true, k: hs, n: hs, b: rd + first * hs, ldb: hs)]
                                 : [head]
        }
    }
}

/// The bookkeeping all three sequence kernels share.
enum Recurrent {
    struct Buffers {
        var projection: UnsafeMutablePointer<Float>   // [rows of X, gates·hidden]
        var recurrent: UnsafeMutablePointer<Float>    // [batch, gates·hidden]
        var h: UnsafeMutablePointer<Float>            // [batch, hidden]
        var c: UnsafeMutablePointer<Float>            // [batch, hidden]
        var temp: UnsafeMutablePointer<Float>         // [batch, hidden]
        var bias: UnsafeMutablePointer<Float>         // [gates·hidden]
        /// After the floats, 64-byte aligned: room for one packed R when the scratch has it.
        var packed: UnsafeMutableRawPointer
    }

    static func buffers(_ p: RecurrentParams, gates: Int, scratch: UnsafeMutableRawPointer) -> Buffers {
        let gh = gates * p.hiddenSize, bh = p.batch * p.hiddenSize
        let base = scratch.assumingMemoryBound(to: Float.self)
        let proj = base, rec = proj + p.sequenceLength * p.batch * gh, h = rec + p.batch * gh
        let end = UnsafeMutableRawPointer(base + p.scratchFloats(gates: gates))
        let packed = end + (64 - Int(bitPattern: end) % 64) % 64
        return Buffers(projection: proj, recurrent: rec, h: h, c: h + bh, temp: h + 2 * bh, bias: h + 3 * bh,
                       packed: packed)
    }

    /// projection = X · W_dᵀ + Wb (+ Rb where `addRecurrentBias(gate)`), for every time step at
    /// once; the bias is the GEMM's epilogue (`biasBuffer`: gates·hidden floats of scratch).
    static func projectInputs(_ p: RecurrentParams, gates: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, addRecurrentBias: (Int) -> Bool,
                              into proj: UnsafeMutablePointer<Float>, biasBuffer: UnsafeMutablePointer<Float>,
                              threads: Int) {
        let gh = gates * p.hiddenSize, rows = p.sequenceLength * p.batch
        var combined: UnsafePointer<Float>? = nil
        if let bias {
            for g in 0..<gates {
                let useR = addRecurrentBias(g)
                for j in 0..<p.hiddenSize {
                    let k = g * p.hiddenSize + j
                    biasBuffer[k] = bias[k] + (useR ? bias[gh + k] : 0)
                }
            }
            combined = UnsafePointer(biasBuffer)
        }
        Gemm.sgemm(transA: false, transB: true, m: rows, n: gh, k: p.inputSize, alpha: 1,
                   a: x, lda: p.inputSize, b: w, ldb: p.inputSize, beta: 0, c: proj, ldc: gh,
                   bias: combined, activation: .none, threads: threads)
    }

    /// Direction d's R packed for the per-step products: `given` when it fits, else packed into
    /// the scratch. With `lastGateApart`, the last gate's rows are the second matrix.
    static func packedRecurrence(_ p: RecurrentParams, _ d: Int, gates: Int, lastGateApart: Bool,
                                 r: UnsafePointer<Float>, given: PackedRecurrence?,
                                 buf: Buffers) -> (UnsafeRawPointer, UnsafeRawPointer?) {
        let hs = p.hiddenSize, gh = gates * hs, per = lastGateApart ? 2 : 1
        if let given, given.hiddenSize == hs, given.lastGateApart == lastGateApart,
           given.matrices.count >= (d + 1) * per,
           given.matrices[d * per].n == (lastGateApart ? gh - hs : gh) {
            let head = UnsafeRawPointer(given.matrices[d * per].storage)
            return (head, lastGateApart ? UnsafeRawPointer(given.matrices[d * per + 1].storage) : nil)
        }
        let rd = r + d * gh * hs, first = lastGateApart ? gh - hs : gh
        dlk_sgemm_pack_b(1, hs, first, rd, hs, buf.packed)
        guard lastGateApart else { return (UnsafeRawPointer(buf.packed), nil) }
        let end = buf.packed + dlk_sgemm_packed_size(hs, first)
        let second = end + (64 - Int(bitPattern: end) % 64) % 64
        dlk_sgemm_pack_b(1, hs, hs, rd + first * hs, hs, second)
        return (UnsafeRawPointer(buf.packed), UnsafeRawPointer(second))
    }

    /// Runs direction d's whole sequence as `body(rows, length, threads)` calls: batch entries
    /// are independent, so with several threads each runs the whole sequence for its own rows
    /// (no synchronisation per step) when there is enough work to pay for waking a helper.
    /// With `lengths`, runs of consecutive entries of equal length go together; `threads` is
    /// what the body's products may use.
    static func forRowBlocks(_ p: RecurrentParams, gates: Int, threads: Int, lengths: UnsafePointer<Int32>?,
                             _ body: (Range<Int>, Int, Int32) -> Void) {
        let hs = p.hiddenSize
        let work = Double(p.sequenceLength * p.batch * gates * hs * hs)
        let chunks = min(Dispatch.threads(threads, macs: work), p.batch)
        guard chunks > 0 else { return }
        let inner = Int32(clamping: chunks > 1 ? 1 : threads)
        Parallel.run(threads: threads, tasks: chunks) { task in
            let rows = task * p.batch / chunks..<(task + 1) * p.batch / chunks
            guard let lengths else { return body(rows, p.sequenceLength, inner) }
            func length(_ b: Int) -> Int { min(max(Int(lengths[b]), 0), p.sequenceLength) }
            var start = rows.lowerBound
            while start < rows.upperBound {
                let len = length(start)
                var end = start + 1
                while end < rows.upperBound && length(end) == len { end += 1 }
                if len > 0 { body(start..<end, len, inner) }
                start = end
            }
        }
    }

    /// Initial state of direction d into `state` ([batch, hidden]), zeros when not given.
    static func loadState(_ p: RecurrentParams, _ d: Int, from initial: UnsafePointer<Float>?,
                          into state: UnsafeMutablePointer<Float>) {
        for b in 0..<p.batch {
            let dst = state + b * p.hiddenSize
            if let initial { dst.update(from: initial + p.stateOffset(d, b), count: p.hiddenSize) }
            else { dst.update(repeating: 0, count: p.hiddenSize) }
        }
    }

    static func storeState(_ p: RecurrentParams, _ d: Int, _ state: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>?) {
        guard let out else { return }
        for b in 0..<p.batch {
            (out + p.stateOffset(d, b)).update(from: state + b * p.hiddenSize, count: p.hiddenSize)
        }
    }

    /// The time step that step s of direction d processes for batch entry b, or nil when b's
    /// sequence is shorter (its state then stays as it is, and Y stays zero).
    @inline(__always)
    static func time(_ p: RecurrentParams, step s: Int, reverse: Bool, b: Int, lengths: UnsafePointer<Int32>?) -> Int? {
        var len = p.sequenceLength
        if let lengths { len = min(max(Int(lengths[b]), 0), p.sequenceLength) }
        if s >= len { return nil }
        return reverse ? len - 1 - s : s
    }

    /// Whether direction d runs backwards in time.
    @inline(__always)
    static func isReverse(_ p: RecurrentParams, _ d: Int) -> Bool {
        p.direction == .reverse || (p.direction == .bidirectional && d == 1)
    }
}
