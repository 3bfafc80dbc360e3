import DLCore
import DLKernels

/// LSTM, GRU and RNN over a whole sequence (f32), every output optional; scratch from the arena.
struct RecurrentKernel {
    enum Cell { case lstm, gru(linearBeforeReset: Bool), rnn }

    var cell: Cell
    var params: RecurrentParams
    /// The constant R packed once per plan for the per-step products (nil: packed per run).
    var packedRecurrence: PackedRecurrence? = nil

    static func prepare(_ c: OpRegistry.Context) throws(DLError) -> OpRegistry.Prepared {
        try c.requireFloat32([0, 1, 2, 3, 5, 6])
        if let lens = c.input(4), lens.dtype != .int32 {
            throw c.fail(.unsupportedDType, "sequence_lens must be i32, found \(lens.dtype.name)")
        }
        if c.node.op == .lstm, c.input(7) != nil { throw c.fail(.unsupported, "LSTM peepholes (input P) are not supported") }
        guard let x = c.input(0), let r = c.input(2) else { throw c.fail(.invalidModel, "missing X or R") }
        let node = c.node
        let batchFirst = node.int("layout", default: 0) == 1
        let direction = RecurrentParams.Direction(rawValue: node.int("direction", default: 0)) ?? .forward
        let params = RecurrentParams(sequenceLength: batchFirst ? x.shape[1] : x.shape[0],
                                     batch: batchFirst ? x.shape[0] : x.shape[1], inputSize: x.shape[2],
                                     hiddenSize: node.int("hidden_size", default: r.shape[2]),
                                     direction: direction, batchFirst: batchFirst)
        let cell: Cell
        let scratch: Int
        switch node.op {
        case .lstm: cell = .lstm; scratch = LSTM.scratchByteCount(params)
        case .gru:
            cell = .gru(linearBeforeReset: node.int("linear_before_reset", default: 0) != 0)
            scratch = GRU.scratchByteCount(params)
        default: cell = .rnn; scratch = RNN.scratchByteCount(params)
        }
        var kernel = RecurrentKernel(cell: cell, params: params)
        let gates: Int, lastGateApart: Bool
        switch cell {
        case .lstm: gates = LSTM.gates; lastGateApart = false
        case .gru: gates = GRU.gates; lastGateApart = true
        case .rnn: gates = RNN.gates; lastGateApart = false
        }
        if let rIndex = node.inputs.count > 2 ? node.inputs[2] : nil, rIndex >= 0,
           let rData = c.model.constants[rIndex], params.hiddenSize > 0,
           r.shape.elementCount == params.directions * gates * params.hiddenSize * params.hiddenSize {
            kernel.packedRecurrence = PackedRecurrence(params, gates: gates,
                                                       recurrence: rData.assumingMemoryBound(to: Float.self),
                                                       lastGateApart: lastGateApart)
        }
        return OpRegistry.Prepared(kernel: .recurrent(kernel), scratchBytes: scratch)
    }

    func run(_ io: StepIO) {
        let lens = io.optionalInput(4)?.assumingMemoryBound(to: Int32.self)
        let y = io.optionalOutput(0)?.assumingMemoryBound(to: Float.self)
        let yh = io.optionalOutput(1)?.assumingMemoryBound(to: Float.self)
        switch cell {
        case .lstm:
            LSTM.forward(params, input: io.floats(0), weight: io.floats(1), recurrence: io.floats(2),
                         bias: io.optionalFloats(3), sequenceLengths: lens, initialH: io.optionalFloats(5),
                         initialC: io.optionalFloats(6), output: y, outputH: yh,
                         outputC: io.optionalOutput(2)?.assumingMemoryBound(to: Float.self),
                         scratch: io.scratch, threads: io.threads, packedRecurrence: packedRecurrence)
        case .gru(let linearBeforeReset):
            GRU.forward(params, linearBeforeReset: linearBeforeReset, input: io.floats(0), weight: io.floats(1),
                        recurrence: io.floats(2), bias: io.optionalFloats(3), sequenceLengths: lens,
                        initialH: io.optionalFloats(5), output: y, outputH: yh, scratch: io.scratch, threads: io.threads,
                        packedRecurrence: packedRecurrence)
        case .rnn:
            RNN.forward(params, input: io.floats(0), weight: io.floats(1), recurrence: io.floats(2),
                        bias: io.optionalFloats(3), sequenceLengths: lens, initialH: io.optionalFloats(5),
                        output: y, outputH: yh, scratch: io.scratch, threads: io.threads,
                        packedRecurrence: packedRecurrence)
        }
    }
}
