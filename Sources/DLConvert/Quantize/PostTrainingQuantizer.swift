import DLCore
import DLKernels

/// Post-training quantization of an imported float model.
///
/// int8 (DESIGN.md, "Quantization rules"): every Dense and Conv2D with constant float
/// weights, unless excluded by name, becomes an int8 op: weights int8 symmetric per
/// output channel, bias int32 with scale input scale × weight scale, input and output
/// activations int8 asymmetric per tensor from calibration ranges. A Quantize node
/// feeds each quantized op (shared by all readers of the same float tensor) and a
/// Dequantize node restores the float tensor under its original name; where the
/// next layer is also int8 it reads the int8 tensor directly, and unused Dequantize
/// nodes are dropped. LSTM, GRU and RNN keep computing in float but store their W and R
/// int8 (weights only, symmetric per output channel: axis 1 of [directions, gates·hidden, ·],
/// one scale per row shared by the directions), which the runtime widens at load.
/// The numbers come from the shared quantizer (DLKernels.Quantize).
public enum PostTrainingQuantizer {
    /// The model with every float activation that a node computes added to the graph
    /// outputs, so that one run yields all the values calibration observes.
    public static func calibrationModel(_ model: ImportedModel) -> ImportedModel {
        var m = model
        let already = Set(m.graph.outputs)
        for node in m.graph.nodes {
            for o in node.outputs where o >= 0 && !already.contains(o) && m.graph.tensors[o].dtype == .float32 {
                m.graph.outputs.append(o)
            }
        }
        return m
    }

    /// Throws unless every name is a node of the model (a typo would silently quantize the layer).
    public static func checkExclusions(_ exclude: Set<String>, in model: ImportedModel) throws(DLError) {
        let unknown = exclude.filter { name in !model.graph.nodes.contains { $0.name == name } }
        if !unknown.isEmpty {
            throw DLError(.notFound, "--exclude names nodes the model does not have: \(unknown.sorted().joined(separator: ", "))")
        }
    }

    public static func quantizeInt8(_ model: ImportedModel, ranges: [String: ClosedRange<Float>],
                                    exclude: Set<String> = []) throws(DLError) -> ImportedModel {
        try checkExclusions(exclude, in: model)
        var graph = model.graph
        var constants = model.constants
        var quantizedOf: [Int: Int] = [:]
        var nodes: [Node] = []
        func floats(_ t: Int) -> [Float]? {
            guard t >= 0, graph.tensors[t].kind == .constant, graph.tensors[t].dtype == .float32, let bytes = constants[t] else { return nil }
            return bytes.withUnsafeBytes { raw in (0..<bytes.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        }
        func addTensor(_ desc: TensorDesc, bytes: [UInt8]? = nil) -> Int {
            let index = graph.addTensor(desc)
            if let bytes { constants[index] = bytes }
            return index
        }
        var int8Copies: [[Int]: Int] = [:]   // [float W/R, axis] → its int8 copy (shared by every reader)
        for node in graph.nodes {
            if [.lstm, .gru, .rnn].contains(node.op), !exclude.contains(node.name) {
                var weightsOnly = node
                for slot in 1...2 where slot < node.inputs.count {
                    if let q = try int8WeightCopy(node.inputs[slot], axis: 1, &graph, &constants, &int8Copies) {
                        weightsOnly.inputs[slot] = q
                    }
                }
                nodes.append(weightsOnly)
                continue
            }
            // Reshapes of an int8 tensor stay int8 (same bytes, same parameters): no round trip through float.
            if [.reshape, .flatten, .squeeze, .unsqueeze, .identity].contains(node.op), let x = node.inputs.first,
               let xq = quantizedOf[x], let y = node.outputs.first, !exclude.contains(node.name) {
                let yq = addTensor(TensorDesc(name: graph.tensors[y].name + "_int8", dtype: .int8, shape: graph.tensors[y].shape,
                                              quant: graph.tensors[xq].quant))
                var view = node
                view.inputs = [xq]
                view.outputs = [yq]
                nodes.append(view)
                nodes.append(Node(name: node.name + "_dequantize", op: .dequantize, inputs: [yq], outputs: [y]))
                quantizedOf[y] = yq
                continue
            }
            guard node.op == .dense || node.op == .conv2d, !exclude.contains(node.name),
                  let x = node.inputs.first, x >= 0, graph.tensors[x].dtype == .float32,
                  let y = node.outputs.first, let weights = floats(node.inputs[1]),
                  let xRange = ranges[graph.tensors[x].name], let yRange = ranges[graph.tensors[y].name] else {
                nodes.append(node)
                continue
            }
            // Input: quantized once per float tensor.
            let xq: Int
            if let existing = quantizedOf[x] {
                xq = existing
            } else {
                let params = try Quantize.asymmetric(min: xRange.lowerBound, max: xRange.upperBound)
                xq = addTensor(TensorDesc(name: graph.tensors[x].name + "_int8", dtype: .int8, shape: graph.tensors[x].shape, quant: params))
                nodes.append(Node(name: graph.tensors[x].name + "_quantize", op: .quantize, inputs: [x], outputs: [xq]))
                quantizedOf[x] = xq
            }
            let inputScale = graph.tensors[xq].quant!.scales[0]
            // Weights: symmetric per output channel (axis 0 for Dense [N, K] and Conv [M, C, kH, kW]).
            let wDesc = graph.tensors[node.inputs[1]]
            let channels = wDesc.shape[0]
            let (wParams, wq) = try weights.withUnsafeBufferPointer { (w) throws(DLError) in
                try Quantize.int8Weights(w, shape: wDesc.shape, axis: 0)
            }
            let wScales = wParams.scales
            let wIndex = addTensor(TensorDesc(name: wDesc.name + "_int8", dtype: .int8, shape: wDesc.shape, quant: wParams, kind: .constant),
                                   bytes: wq.map { UInt8(bitPattern: $0) })
            var bIndex = Node.absent
            if node.inputs.count > 2, node.inputs[2] >= 0 {
                guard let bias = floats(node.inputs[2]), bias.count == channels else { nodes.append(node); continue }
                let bq = try bias.withUnsafeBufferPointer { (b) throws(DLError) in
                    try Quantize.quantizeBias(b, inputScale: inputScale, weightScales: wScales)
                }
                let bScales = wScales.map { $0 * inputScale }
                var bytes = [UInt8]()
                bytes.reserveCapacity(bq.count * 4)
                for v in bq { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
                bIndex = addTensor(TensorDesc(name: graph.tensors[node.inputs[2]].name + "_int32", dtype: .int32, shape: Shape([channels]),
                                              quant: QuantParams(scales: bScales, zeroPoints: [Int32](repeating: 0, count: channels), axis: 0),
                                              kind: .constant), bytes: bytes)
            }
            let yParams = try Quantize.asymmetric(min: yRange.lowerBound, max: yRange.upperBound)
            let yq = addTensor(TensorDesc(name: graph.tensors[y].name + "_int8", dtype: .int8, shape: graph.tensors[y].shape, quant: yParams))
            var quantized = node
            quantized.inputs = [xq, wIndex, bIndex]
            quantized.outputs = [yq]
            nodes.append(quantized)
            nodes.append(Node(name: node.name + "_dequantize", op: .dequantize, inputs: [yq], outputs: [y]))
            quantizedOf[y] = yq
        }
        // Readers of a float tensor that has an int8 twin and are int8 ops read the twin.
        graph.nodes = nodes
        graph = GraphCleanup.removeUnusedDequantizes(graph)
        var result = ImportedModel(graph: graph, constants: constants, metadata: model.metadata)
        GraphCleanup.compact(&result)
        result.metadata.properties.append(KeyValue("dlpack.quantization", "int8 per-channel weights, calibrated activations"))
        return result
    }

    /// Dynamic-range int8, no calibration (TFLite's dynamic range quantization, onnxruntime's
    /// `quantize_dynamic`): every Dense with constant float weights, unless excluded, computes
    /// in int8 on weights int8 symmetric per output channel, its float input quantized on every
    /// run over its own range (Dense's `dynamic_quantization`, format 1.2); its bias stays float.
    /// Conv2D, 2-D MatMul and LSTM/GRU/RNN weights are stored int8 per output channel and
    /// widened at load (weights only): a quarter of the bytes, float compute.
    public static func quantizeDynamic(_ model: ImportedModel, exclude: Set<String> = []) throws(DLError) -> ImportedModel {
        try checkExclusions(exclude, in: model)
        var m = model
        var int8Copies: [[Int]: Int] = [:]   // [float tensor, axis] → its int8 copy
        for n in m.graph.nodes.indices where !exclude.contains(m.graph.nodes[n].name) {
            let node = m.graph.nodes[n]
            // (input slot, per-channel axis) of the weights each op reads.
            let slots: [(Int, Int)]
            switch node.op {
            case .dense, .conv2d: slots = [(1, 0)]
            case .matMul: slots = [(1, 1)]
            case .lstm, .gru, .rnn: slots = [(1, 1), (2, 1)]
            default: continue
            }
            let floatInput = node.inputs.first.map { $0 >= 0 && m.graph.tensors[$0].dtype == .float32 } ?? false
            guard floatInput else { continue }
            if node.op == .matMul, node.inputs.count > 1, node.inputs[1] >= 0, m.graph.tensors[node.inputs[1]].shape.rank != 2 { continue }
            var changed = false
            for (slot, axis) in slots where slot < node.inputs.count {
                guard let q = try int8WeightCopy(node.inputs[slot], axis: axis, &m.graph, &m.constants, &int8Copies) else { continue }
                m.graph.nodes[n].inputs[slot] = q
                changed = true
            }
            if changed && node.op == .dense {
                m.graph.nodes[n].attributes.append(Attribute(Node.dynamicQuantization, .int(1)))
            }
        }
        GraphCleanup.compact(&m)
        m.metadata.properties.append(KeyValue("dlpack.quantization", "dynamic-range int8: int8 per-channel weights, inputs of Dense quantized per run"))
        return m
    }

    /// An int8 copy of float constant `t`, symmetric per channel along `axis` (the shared
    /// quantizer's weight rule), added once per (tensor, axis); nil when `t` is not a float constant.
    static func int8WeightCopy(_ t: Int, axis: Int, _ graph: inout Graph, _ constants: inout [Int: [UInt8]],
                               _ copies: inout [[Int]: Int]) throws(DLError) -> Int? {
        if let existing = copies[[t, axis]] { return existing }
        guard t >= 0 else { return nil }
        let desc = graph.tensors[t]
        guard desc.kind == .constant, desc.dtype == .float32, desc.quant == nil, axis < desc.shape.rank,
              let bytes = constants[t] else { return nil }
        let values = bytes.withUnsafeBytes { raw in (0..<bytes.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        let (params, q) = try values.withUnsafeBufferPointer { (w) throws(DLError) in
            try Quantize.int8Weights(w, shape: desc.shape, axis: axis)
        }
        let index = graph.addTensor(TensorDesc(name: desc.name + "_int8", dtype: .int8, shape: desc.shape, quant: params, kind: .constant))
        constants[index] = q.map { UInt8(bitPattern: $0) }
        copies[[t, axis]] = index
        return index
    }

    /// Weights of Dense, Conv2D, MatMul and the recurrent layers stored as float16 (half the
    /// bytes); the runtime widens them to float32 when it loads the model.
    public static func convertWeightsToFloat16(_ model: ImportedModel) -> ImportedModel {
        var m = model
        var weightInputs: Set<Int> = []
        for node in m.graph.nodes {
            switch node.op {
            case .dense, .conv2d, .matMul: if node.inputs.count > 1 { weightInputs.insert(node.inputs[1]) }
            case .lstm, .gru, .rnn: for i in 1...2 where node.inputs.count > i { weightInputs.insert(node.inputs[i]) }
            default: break
            }
        }
        for t in weightInputs where t >= 0 && m.graph.tensors[t].kind == .constant && m.graph.tensors[t].dtype == .float32 && m.graph.tensors[t].quant == nil {
            guard let bytes = m.constants[t] else { continue }
            var half = [UInt8]()
            half.reserveCapacity(bytes.count / 2)
            bytes.withUnsafeBytes { raw in
                for i in 0..<bytes.count / 4 {
                    let h = Quantize.float16Bits(raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
                    half.append(UInt8(h & 0xff))
                    half.append(UInt8(h >> 8))
                }
            }
            m.graph.tensors[t].dtype = .float16
            m.constants[t] = half
        }
        m.metadata.properties.append(KeyValue("dlpack.quantization", "float16 weights"))
        return m
    }
}
