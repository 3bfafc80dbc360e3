import DLKernels

/// The recurrent layers as one tape op each: the forward is the DLKernels sequence kernel
/// (the one the runtime runs), and the backward is its backpropagation through time, fed with
/// what the forward saved. So the trainer has no recurrent math of its own.

/// Which DLKernels sequence kernel a recurrent op runs.
enum RecurrentKernel {
    case rnn, lstm
    /// GRU with linear_before_reset = 1 (PyTorch's form).
    case gru

    var gates: Int {
        switch self {
        case .rnn: return DLKernels.RNN.gates
        case .lstm: return DLKernels.LSTM.gates
        case .gru: return DLKernels.GRU.gates
        }
    }

    func scratchBytes(_ p: RecurrentParams) -> Int {
        switch self {
        case .rnn: return DLKernels.RNN.scratchByteCount(p)
        case .lstm: return DLKernels.LSTM.scratchByteCount(p)
        case .gru: return DLKernels.GRU.scratchByteCount(p)
        }
    }

    func backwardScratchBytes(_ p: RecurrentParams) -> Int {
        switch self {
        case .rnn: return DLKernels.RNN.backwardScratchByteCount(p)
        case .lstm: return DLKernels.LSTM.backwardScratchByteCount(p)
        case .gru: return DLKernels.GRU.backwardScratchByteCount(p)
        }
    }

    func savedCount(_ p: RecurrentParams) -> Int {
        switch self {
        case .rnn: return DLKernels.RNN.savedCount(p)
        case .lstm: return DLKernels.LSTM.savedCount(p)
        case .gru: return DLKernels.GRU.savedCount(p)
        }
    }
}

extension Tensor {
    /// A recurrent layer over self [batch, steps, inputs] (ONNX layout 1, one direction, zero
    /// initial state): the hidden state of every step [batch, steps, hidden] or of the last
    /// [batch, hidden]. Weights as ONNX: weight [gates·hidden, inputs], recurrentWeight
    /// [gates·hidden, hidden]; the kernel's B is inputBias followed by recurrentBias (zeros when
    /// nil, which is how the layers without one export it).
    func recurrent(_ kernel: RecurrentKernel, weight: Tensor, recurrentWeight: Tensor, inputBias: Tensor,
                   recurrentBias: Tensor?, output: RecurrentOutput) -> Tensor {
        let hidden = recurrentWeight.shape[1], gh = kernel.gates * hidden
        let p = RecurrentParams(sequenceLength: shape[1], batch: shape[0], inputSize: shape[2], hiddenSize: hidden,
                                batchFirst: true)
        let biases = inputBias.data + (recurrentBias?.data ?? [Float](repeating: 0, count: gh))
        let threads = Compute.threads(forMultiplyAdds: p.sequenceLength * p.batch * gh * (p.inputSize + hidden))
        let parents = [self, weight, recurrentWeight, inputBias] + (recurrentBias.map { [$0] } ?? [])
        let training = GradientRecording.isEnabled && parents.contains { $0.requiresGrad }
        var saved = [Float](repeating: 0, count: training ? kernel.savedCount(p) : 0)
        let outShape = output == .sequence ? [p.batch, p.sequenceLength, hidden] : [p.batch, hidden]
        var out = [Float](repeating: 0, count: outShape.reduce(1, *))
        withScratch(bytes: kernel.scratchBytes(p)) { scratch in
            data.withUnsafeBufferPointer { x in
                weight.data.withUnsafeBufferPointer { w in
                    recurrentWeight.data.withUnsafeBufferPointer { r in
                        biases.withUnsafeBufferPointer { b in
                            out.withUnsafeMutableBufferPointer { o in
                                saved.withUnsafeMutableBufferPointer { s in
                                    let y = output == .sequence ? o.baseAddress : nil
                                    let yh = output == .lastState ? o.baseAddress : nil
                                    let sv = training ? s.baseAddress : nil
                                    let (x, w, r, b) = (x.baseAddress!, w.baseAddress!, r.baseAddress!, b.baseAddress!)
                                    switch kernel {
                                    case .rnn:
                                        DLKernels.RNN.forward(p, input: x, weight: w, recurrence: r, bias: b, sequenceLengths: nil,
                                                              initialH: nil, output: y, outputH: yh, scratch: scratch!,
                                                              threads: threads, saved: sv)
                                    case .lstm:
                                        DLKernels.LSTM.forward(p, input: x, weight: w, recurrence: r, bias: b, sequenceLengths: nil,
                                                               initialH: nil, initialC: nil, output: y, outputH: yh, outputC: nil,
                                                               scratch: scratch!, threads: threads, saved: sv)
                                    case .gru:
                                        DLKernels.GRU.forward(p, linearBeforeReset: true, input: x, weight: w, recurrence: r,
                                                              bias: b, sequenceLengths: nil, initialH: nil, output: y,
                                                              outputH: yh, scratch: scratch!, threads: threads, saved: sv)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor.result(shape: outShape, data: out, parents: parents) { y in
            var dx = [Float](repeating: 0, count: x.requiresGrad ? x.count : 0)
            var dw = [Float](repeating: 0, count: weight.count), dr = [Float](repeating: 0, count: recurrentWeight.count)
            var db = [Float](repeating: 0, count: 2 * gh)
            withScratch(bytes: kernel.backwardScratchBytes(p)) { scratch in
                x.data.withUnsafeBufferPointer { xs in
                    weight.data.withUnsafeBufferPointer { w in
                        recurrentWeight.data.withUnsafeBufferPointer { r in
                            saved.withUnsafeBufferPointer { s in
                                y.grad!.withUnsafeBufferPointer { g in
                                    dx.withUnsafeMutableBufferPointer { dxp in
                                        dw.withUnsafeMutableBufferPointer { dwp in
                                            dr.withUnsafeMutableBufferPointer { drp in
                                                db.withUnsafeMutableBufferPointer { dbp in
                                                    let dy = output == .sequence ? g.baseAddress : nil
                                                    let dyh = output == .lastState ? g.baseAddress : nil
                                                    let (xs, w, r, s) = (xs.baseAddress!, w.baseAddress!, r.baseAddress!, s.baseAddress!)
                                                    let (dxp, dwp, drp, dbp) = (x.requiresGrad ? dxp.baseAddress : nil, dwp.baseAddress!,
                                                                                drp.baseAddress!, dbp.baseAddress!)
                                                    switch kernel {
                                                    case .rnn:
                                                        DLKernels.RNN.backward(p, input: xs, weight: w, recurrence: r, sequenceLengths: nil,
                                                                               initialH: nil, saved: s, outputGrad: dy, outputHGrad: dyh,
                                                                               inputGrad: dxp, weightGrad: dwp, recurrenceGrad: drp,
                                                                               biasGrad: dbp, initialHGrad: nil, scratch: scratch!,
                                                                               threads: threads)
                                                    case .lstm:
                                                        DLKernels.LSTM.backward(p, input: xs, weight: w, recurrence: r, sequenceLengths: nil,
                                                                                initialH: nil, initialC: nil, saved: s, outputGrad: dy,
                                                                                outputHGrad: dyh, outputCGrad: nil, inputGrad: dxp,
                                                                                weightGrad: dwp, recurrenceGrad: drp, biasGrad: dbp,
                                                                                initialHGrad: nil, initialCGrad: nil, scratch: scratch!,
                                                                                threads: threads)
                                                    case .gru:
                                                        DLKernels.GRU.backward(p, linearBeforeReset: true, input: xs, weight: w,
                                                                               recurrence: r, sequenceLengths: nil, initialH: nil, saved: s,
                                                                               outputGrad: dy, outputHGrad: dyh, inputGrad: dxp,
                                                                               weightGrad: dwp, recurrenceGrad: drp, biasGrad: dbp,
                                                                               initialHGrad: nil, scratch: scratch!, threads: threads)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if x.requiresGrad { x.accumulateGrad(dx, shape: x.shape) }
            weight.accumulateGrad(dw, shape: weight.shape)
            recurrentWeight.accumulateGrad(dr, shape: recurrentWeight.shape)
            inputBias.accumulateGrad(Array(db[0..<gh]), shape: inputBias.shape)
            recurrentBias?.accumulateGrad(Array(db[gh...]), shape: [gh])
        }
    }
}
