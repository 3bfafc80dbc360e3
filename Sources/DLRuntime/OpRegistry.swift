import DLCore

/// Which kernel runs each op, chosen once per plan from the node and its resolved types.
///
/// An op or dtype combination without a kernel in this build is an `unsupportedOp` /
/// `unsupportedDType` error at load, naming the node.
enum OpRegistry {
    /// The prepared kernel and the scratch bytes it needs while it runs.
    struct Prepared {
        var kernel: Kernel
        var scratchBytes: Int = 0
    }

    /// What each node needs to prepare: the node, its resolved input and output types,
    /// and the model's constant pointers (for kernels that inspect weights).
    struct Context {
        let node: Node
        /// The node's index in the graph (for per-node state of the model, such as packed weights).
        let nodeIndex: Int
        let inputs: [TensorType?]
        let outputs: [TensorType]
        let model: Model

        func fail(_ code: DLErrorCode, _ message: String) -> DLError {
            DLError(code, "\(node.op.name) node '\(node.name)': \(message)")
        }

        /// Input `i`'s type (present: checked by shape inference for required inputs).
        func input(_ i: Int) -> TensorType? { i < inputs.count ? inputs[i] : nil }

        /// Throws unless every present input is f32 (the float kernels' contract).
        func requireFloat32(_ indices: [Int]? = nil) throws(DLError) {
            for i in indices ?? Array(inputs.indices) {
                if let t = input(i), t.dtype != .float32 { throw unsupportedDTypes() }
            }
        }

        /// The quantization of input `i` / output `i` as the graph declares it.
        func inputQuant(_ i: Int) -> QuantParams? {
            guard i < node.inputs.count, node.inputs[i] >= 0 else { return nil }
            return model.executionGraph.tensors[node.inputs[i]].quant
        }

        func outputQuant(_ i: Int) -> QuantParams? {
            guard i < node.outputs.count, node.outputs[i] >= 0 else { return nil }
            return model.executionGraph.tensors[node.outputs[i]].quant
        }

        /// Per-tensor int8 parameters (scale, zero point) of an activation, or an error.
        func int8Params(_ q: QuantParams?, _ role: String) throws(DLError) -> (scale: Float, zeroPoint: Int32) {
            guard let q, q.axis == nil, q.scales.count == 1 else {
                throw fail(.invalidModel, "int8 \(role) needs per-tensor quantization parameters")
            }
            guard q.zeroPoints[0] >= -128, q.zeroPoints[0] <= 127 else {
                throw fail(.invalidModel, "int8 \(role) has zero point \(q.zeroPoints[0]) outside -128...127")
            }
            return (q.scales[0], q.zeroPoints[0])
        }

        /// The scales of int8 weights (input 1) with `outChannels` output channels along axis 0,
        /// one per channel (a per-tensor scale repeated), or an error unless they are symmetric.
        func int8WeightScales(outChannels: Int) throws(DLError) -> [Float] {
            guard let wq = inputQuant(1) else { throw fail(.invalidModel, "int8 W needs quantization parameters") }
            guard wq.zeroPoints.allSatisfy({ $0 == 0 }), wq.axis == nil || wq.axis == 0 else {
                throw fail(.unsupported, "int8 weights must be symmetric (zero point 0), per tensor or per output channel")
            }
            guard wq.scales.count == (wq.axis == nil ? 1 : outChannels) else {
                throw fail(.invalidModel, "W has \(wq.scales.count) scales for \(outChannels) output channels")
            }
            return wq.axis == nil ? [Float](repeating: wq.scales[0], count: outChannels) : wq.scales
        }

        /// For int8 ops that keep their input's parameters (relu, pooling): checks that the output has them.
        func sameInt8Params() throws(DLError) -> Int32 {
            let input = try int8Params(inputQuant(0), "input"), output = try int8Params(outputQuant(0), "output")
            guard input == output else {
                throw fail(.unsupported, "int8 output parameters \(output) differ from the input's \(input); requantizing here has no kernel")
            }
            return input.zeroPoint
        }

        func unsupportedDTypes() -> DLError {
            var found = [String]()
            for t in inputs { found.append(t?.dtype.name ?? "-") }
            return fail(.unsupportedDType, "no kernel for input dtypes (\(found.joined(separator: ", ")))")
        }
    }

    /// Ops whose output is the input's bytes reinterpreted: planned as views.
    static func isView(_ op: OpCode) -> Bool {
        switch op {
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity: return true
        default: return false
        }
    }

    static func prepare(_ context: Context) throws(DLError) -> Prepared {
        let op = context.node.op
        if isView(op) { return Prepared(kernel: .view) }
        switch op {
        case .dense: return try DenseKernel.prepare(context)
        case .matMul, .matMulInteger: return try MatMulKernel.prepare(context)
        case .conv2d: return try Conv2DKernel.prepare(context)
        case .maxPool2d, .avgPool2d, .globalAvgPool: return try PoolKernel.prepare(context)
        case .relu, .clip, .leakyRelu, .sigmoid, .tanh, .gelu: return try UnaryKernel.prepare(context)
        case .add, .sub, .mul, .div: return try BinaryKernel.prepare(context)
        case .softmax, .logSoftmax: return try SoftmaxKernel.prepare(context)
        case .batchNorm, .layerNorm: return try NormalizationKernel.prepare(context)
        case .lstm, .gru, .rnn: return try RecurrentKernel.prepare(context)
        case .concat: return try ConcatKernel.prepare(context)
        case .transpose: return try TransposeKernel.prepare(context)
        case .gather: return try GatherKernel.prepare(context)
        case .quantize, .dequantize: return try QuantizeKernel.prepare(context)
        default:
            throw context.fail(.unsupportedOp, "op \(op.name) (code \(op.rawValue)) has no kernel in this build of libdlpk")
        }
    }
}
