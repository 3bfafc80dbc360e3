import DLCore
import DLFormat
import DLKernels

/// Graph rewrites applied at export: activation fusion, half-precision weights,
/// int8 quantization, and dropping tensors no node uses any more.
extension GraphBuilder {
    /// dense/conv2d followed by its only consumer relu: one node with `activation` = relu,
    /// writing the relu's output tensor.
    func fuseActivations() {
        var nodes = graph.nodes
        var i = 0
        while i < nodes.count {
            let node = nodes[i]
            guard node.op == .relu, let producer = nodes.firstIndex(where: { $0.outputs == node.inputs }),
                  [.dense, .conv2d].contains(nodes[producer].op), nodes[producer].attribute("activation") == nil,
                  !graph.outputs.contains(node.inputs[0]),
                  nodes.filter({ $0.inputs.contains(node.inputs[0]) }).count == 1 else { i += 1; continue }
            nodes[producer].outputs = node.outputs
            nodes[producer].attributes.append(Attribute("activation", .int(Int64(FusedActivation.relu.rawValue))))
            nodes.remove(at: i)
        }
        replaceNodes(nodes)
    }

    /// Float constants stored as fp16.
    func storeConstantsAsFloat16() {
        for i in constants.keys { setTensor(i) { $0.dtype = .float16 } }
    }

    /// The bytes of every constant in its final dtype (little-endian).
    func constantBytes() -> [Int: [UInt8]] {
        var out: [Int: [UInt8]] = [:]
        for (i, values) in constants {
            switch graph.tensors[i].dtype {
            case .float16: out[i] = DLPKModel.bytes(of: values.map { Quantize.float16Bits($0) })
            default: out[i] = DLPKModel.bytes(of: values)
            }
        }
        for (i, bytes) in rawConstants { out[i] = bytes }
        return out
    }

    /// Rewrites dense and conv2d nodes to int8 (weights per output channel, int32 bias,
    /// activations per tensor from `ranges`); pooling, flatten, reshape and relu stay int8
    /// when their input is; everything else runs in fp32 behind a dequantize node.
    func quantizeInt8(ranges: [Int: (Float, Float)]) throws(DLError) {
        var nodes: [Node] = []
        var floatCopy: [Int: Int] = [:], int8Copy: [Int: Int] = [:]
        var params: [Int: QuantParams] = [:]   // activation tensors that are int8
        func paramsFromRange(_ t: Int) throws(DLError) -> QuantParams? {
            guard let (lo, hi) = ranges[t] else { return nil }
            return try Quantize.asymmetric(min: lo, max: hi)
        }
        func asInt8(_ t: Int) throws(DLError) -> (Int, QuantParams)? {
            if let p = params[t] { return (t, p) }
            if let q = int8Copy[t] { return (q, params[q]!) }
            guard let p = try paramsFromRange(t) else { return nil }
            let q = addActivation(graph.tensors[t].name + "_q", like: t, dtype: .int8, quant: p)
            nodes.append(Node(name: graph.tensors[q].name, op: .quantize, inputs: [t], outputs: [q]))
            int8Copy[t] = q
            params[q] = p
            return (q, p)
        }
        func asFloat(_ t: Int) -> Int {
            guard params[t] != nil else { return t }
            if let f = floatCopy[t] { return f }
            let f = addActivation(graph.tensors[t].name + "_f", like: t, dtype: .float32, quant: nil)
            nodes.append(Node(name: graph.tensors[f].name, op: .dequantize, inputs: [t], outputs: [f]))
            floatCopy[t] = f
            return f
        }
        for var node in graph.nodes {
            let out = node.outputs[0]
            switch node.op {
            case .dense, .conv2d:
                if let (x, xq) = try asInt8(node.inputs[0]), let yq = try paramsFromRange(out) {
                    let w = node.inputs[1]
                    let wq = try constants[w]!.withUnsafeBufferPointer { (b) throws(DLError) in
                        try Quantize.symmetricPerChannel(b, shape: graph.tensors[w].shape, axis: 0)
                    }
                    try storeInt8(w, params: wq)
                    if node.inputs.count > 2 {
                        let b = node.inputs[2]
                        let q = try constants[b]!.withUnsafeBufferPointer { (v) throws(DLError) in
                            try Quantize.quantizeBias(v, inputScale: xq.scales[0], weightScales: wq.scales)
                        }
                        storeInt32(b, q, params: QuantParams(scales: wq.scales.map { $0 * xq.scales[0] },
                                                             zeroPoints: [Int32](repeating: 0, count: q.count), axis: 0))
                    }
                    node.inputs[0] = x
                    markInt8(out, yq)
                    params[out] = yq
                    nodes.append(node)
                    continue
                }
            case .lstm, .gru, .rnn:
                // Weights only (W and R per output row, as the converter stores them): the runtime
                // widens them to f32 at load and the layer computes in f32.
                for w in node.inputs[1...2] where constants[w] != nil {
                    let wq = try constants[w]!.withUnsafeBufferPointer { (b) throws(DLError) in
                        try Quantize.symmetricPerChannel(b, shape: graph.tensors[w].shape, axis: 1)
                    }
                    try storeInt8(w, params: wq)
                }
            case .maxPool2d, .avgPool2d, .globalAvgPool, .flatten, .reshape, .relu:
                if let p = params[node.inputs[0]] {
                    markInt8(out, p)
                    params[out] = p
                    nodes.append(node)
                    continue
                }
            default: break
            }
            node.inputs = node.inputs.map { $0 == Node.absent || graph.tensors[$0].kind == .constant ? $0 : asFloat($0) }
            nodes.append(node)
        }
        // Callers receive floats.
        var outputs = graph.outputs
        for (i, o) in outputs.enumerated() where params[o] != nil { outputs[i] = asFloat(o) }
        replaceNodes(nodes, outputs: outputs)
    }
}
