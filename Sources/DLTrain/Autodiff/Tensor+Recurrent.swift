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
        let call = RecurrentCall(kernel: kernel, p: p, output: output, x: self, weight: weight,
                                 recurrentWeight: recurrentWeight,
                                 biases: inputBias.data + (recurrentBias?.data ?? [Float](repeating: 0, count: gh)))
        let work = p.sequenceLength * p.batch * gh * (p.inputSize + hidden)
        let parents = [self, weight, recurrentWeight, inputBias] + (recurrentBias.map { [$0] } ?? [])
        let training = GradientRecording.isEnabled && parents.contains { $0.requiresGrad }
        var saved = [Float](repeating: 0, count: training ? kernel.savedCount(p) : 0)
        let outShape = output == .sequence ? [p.batch, p.sequenceLength, hidden] : [p.batch, hidden]
        var out = [Float](repeating: 0, count: outShape.reduce(1, *))
        Compute.run(.recurrent(p, gates: kernel.gates, backward: false), multiplyAdds: work) { threads in
            out.withUnsafeMutableBufferPointer { o in
                saved.withUnsafeMutableBufferPointer { s in
                    call.forward(output: o.baseAddress!, saved: training ? s.baseAddress : nil, threads: threads)
                }
            }
        }
        let x = self
        return Tensor.result(shape: outShape, data: out, parents: parents) { y in
            var dx = [Float](repeating: 0, count: x.requiresGrad ? x.count : 0)
            var dw = [Float](repeating: 0, count: weight.count), dr = [Float](repeating: 0, count: recurrentWeight.count)
            var db = [Float](repeating: 0, count: 2 * gh)
            Compute.run(.recurrent(p, gates: kernel.gates, backward: true), multiplyAdds: 2 * work) { threads in
                dx.withUnsafeMutableBufferPointer { dxp in
                    dw.withUnsafeMutableBufferPointer { dwp in
                        dr.withUnsafeMutableBufferPointer { drp in
                            db.withUnsafeMutableBufferPointer { dbp in
                                call.backward(saved: saved, outputGrad: y.grad!, inputGrad: x.requiresGrad ? dxp.baseAddress : nil,
                                              weightGrad: dwp.baseAddress!, recurrenceGrad: drp.baseAddress!,
                                              biasGrad: dbp.baseAddress!, threads: threads)
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

/// One recurrent op's operands, and the kernel calls on them.
private struct RecurrentCall {
    var kernel: RecurrentKernel
    var p: RecurrentParams
    var output: RecurrentOutput
    var x: Tensor, weight: Tensor, recurrentWeight: Tensor
    var biases: [Float]

    /// The forward into `y` (the sequence or the last state); `saved` (when training) gets
    /// what `backward` needs.
    func forward(output y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?, threads: Int) {
        let (all, last) = output == .sequence ? (y, nil) : (nil, y)
        withScratch(bytes: kernel.scratchBytes(p)) { scratch in
            x.data.withUnsafeBufferPointer { x in
                weight.data.withUnsafeBufferPointer { w in
                    recurrentWeight.data.withUnsafeBufferPointer { r in
                        biases.withUnsafeBufferPointer { b in
                            let (x, w, r, b) = (x.baseAddress!, w.baseAddress!, r.baseAddress!, b.baseAddress!)
                            switch kernel {
                            case .rnn:
                                DLKernels.RNN.forward(p, input: x, weight: w, recurrence: r, bias: b, sequenceLengths: nil,
                                                      initialH: nil, output: all, outputH: last, scratch: scratch!,
                                                      threads: threads, saved: saved)
                            case .lstm:
                                DLKernels.LSTM.forward(p, input: x, weight: w, recurrence: r, bias: b, sequenceLengths: nil,
                                                       initialH: nil, initialC: nil, output: all, outputH: last, outputC: nil,
                                                       scratch: scratch!, threads: threads, saved: saved)
                            case .gru:
                                DLKernels.GRU.forward(p, linearBeforeReset: true, input: x, weight: w, recurrence: r,
                                                      bias: b, sequenceLengths: nil, initialH: nil, output: all,
                                                      outputH: last, scratch: scratch!, threads: threads, saved: saved)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backpropagation through time from the forward's `saved`; overwrites every gradient given.
    func backward(saved: [Float], outputGrad: [Float], inputGrad dx: UnsafeMutablePointer<Float>?,
                  weightGrad dw: UnsafeMutablePointer<Float>, recurrenceGrad dr: UnsafeMutablePointer<Float>,
                  biasGrad db: UnsafeMutablePointer<Float>, threads: Int) {
        withScratch(bytes: kernel.backwardScratchBytes(p)) { scratch in
            x.data.withUnsafeBufferPointer { x in
                weight.data.withUnsafeBufferPointer { w in
                    recurrentWeight.data.withUnsafeBufferPointer { r in
                        saved.withUnsafeBufferPointer { s in
                            outputGrad.withUnsafeBufferPointer { g in
                                let (x, w, r, s) = (x.baseAddress!, w.baseAddress!, r.baseAddress!, s.baseAddress!)
                                let (dy, dyh) = output == .sequence ? (g.baseAddress, nil) : (nil, g.baseAddress)
                                switch kernel {
                                case .rnn:
                                    DLKernels.RNN.backward(p, input: x, weight: w, recurrence: r, sequenceLengths: nil,
                                                           initialH: nil, saved: s, outputGrad: dy, outputHGrad: dyh,
                                                           inputGrad: dx, weightGrad: dw, recurrenceGrad: dr, biasGrad: db,
                                                           initialHGrad: nil, scratch: scratch!, threads: threads)
                                case .lstm:
                                    DLKernels.LSTM.backward(p, input: x, weight: w, recurrence: r, sequenceLengths: nil,
                                                            initialH: nil, initialC: nil, saved: s, outputGrad: dy,
                                                            outputHGrad: dyh, outputCGrad: nil, inputGrad: dx, weightGrad: dw,
                                                            recurrenceGrad: dr, biasGrad: db, initialHGrad: nil,
                                                            initialCGrad: nil, scratch: scratch!, threads: threads)
                                case .gru:
                                    DLKernels.GRU.backward(p, linearBeforeReset: true, input: x, weight: w, recurrence: r,
                                                           sequenceLengths: nil, initialH: nil, saved: s, outputGrad: dy,
                                                           outputHGrad: dyh, inputGrad: dx, weightGrad: dw,
                                                           recurrenceGrad: dr, biasGrad: db, initialHGrad: nil,
                                                           scratch: scratch!, threads: threads)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
