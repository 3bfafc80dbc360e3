import CDLManifest
import DLCore

/// Decodes a manifest with protobuf-c under a memory budget and converts it into the
/// shared IR, checking every code, count and index on the way (structure checks that
/// the in-memory constructor shares live in `validateStructure`).
enum ManifestDecoder {
    struct Decoded {
        var graph: Graph
        var metadata: ModelMetadata
        /// Per tensor: the blob record of constants, nil for activations.
        var blobs: [BlobRecord?]
    }

    /// Bytes protobuf-c may allocate per manifest byte, plus a floor (its structs
    /// are larger than their encodings; a bound keeps a hostile manifest from
    /// exhausting memory).
    static let allocationBudgetPerByte = 64
    static let allocationBudgetFloor = 1 << 16

    static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(DLError) -> Decoded {
        let budget = allocationBudgetFloor + bytes.count * allocationBudgetPerByte
        var status: Int32 = 0
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard let manifest = dlk_manifest_unpack(data, bytes.count, budget, &status) else {
            if status == Int32(DLK_UNPACK_BUDGET) {
                throw DLError(.limitExceeded, "\(source): decoding the manifest needs more than \(budget) bytes of memory")
            }
            throw DLError(.invalidModel, "\(source): the manifest is not a valid protobuf message of format/dlpk.proto")
        }
        defer { dlk_manifest_free(manifest) }
        return try convert(manifest.pointee, source: source)
    }

    private static func convert(_ m: Dlpk__Manifest, source: String) throws(DLError) -> Decoded {
        guard let g = m.graph?.pointee else {
            throw DLError(.invalidModel, "\(source): the manifest has no graph")
        }
        guard g.n_tensors <= ManifestLimits.maxTensors, g.n_nodes <= ManifestLimits.maxNodes else {
            throw DLError(.limitExceeded, "\(source): \(g.n_tensors) tensors and \(g.n_nodes) nodes exceed the limits")
        }
        var tensors: [TensorDesc] = []
        tensors.reserveCapacity(g.n_tensors)
        var blobs: [BlobRecord?] = []
        blobs.reserveCapacity(g.n_tensors)
        for i in 0..<g.n_tensors {
            guard let t = g.tensors[i]?.pointee else { throw missing("tensor \(i)", source) }
            let (desc, blob) = try tensor(t, index: i, source: source)
            tensors.append(desc)
            blobs.append(blob)
        }
        var nodes: [Node] = []
        nodes.reserveCapacity(g.n_nodes)
        for j in 0..<g.n_nodes {
            guard let n = g.nodes[j]?.pointee else { throw missing("node \(j)", source) }
            nodes.append(try node(n, index: j, source: source))
        }
        let graph = Graph(tensors: tensors, nodes: nodes,
                          inputs: indices(g.inputs, g.n_inputs), outputs: indices(g.outputs, g.n_outputs))
        let metadata = m.metadata.map { metadataValue($0.pointee) } ?? ModelMetadata(producer: "")
        return Decoded(graph: graph, metadata: metadata, blobs: blobs)
    }

    private static func tensor(_ t: Dlpk__Tensor, index i: Int, source: String) throws(DLError) -> (TensorDesc, BlobRecord?) {
        let name = string(t.name)
        let label = "\(source): tensor \(i) ('\(name)')"
        guard let dtype = t.dtype <= UInt32(UInt8.max) ? DType(rawValue: UInt8(t.dtype)) : nil else {
            throw DLError(.unsupportedDType, "\(label): unknown dtype code \(t.dtype)")
        }
        guard let kind = t.kind <= 1 ? TensorDesc.Kind(rawValue: UInt8(t.kind)) : nil else {
            throw DLError(.invalidModel, "\(label): unknown tensor kind \(t.kind)")
        }
        guard t.n_shape <= Shape.maxRank else {
            throw DLError(.limitExceeded, "\(label): rank \(t.n_shape) exceeds the limit of \(Shape.maxRank)")
        }
        var dims: [Int] = []
        for k in 0..<t.n_shape {
            let d = t.shape[k]
            guard d >= Int64(Shape.dynamic), d <= Int64(Int.max) else {
                throw DLError(.invalidModel, "\(label): dimension \(k) is \(d)")
            }
            dims.append(Int(d))
        }
        var quant: QuantParams?
        if let q = t.quant?.pointee {
            guard q.n_scales == q.n_zero_points else {
                throw DLError(.invalidModel, "\(label): \(q.n_scales) quantization scales but \(q.n_zero_points) zero points")
            }
            let scales = q.n_scales == 0 ? [] : [Float](UnsafeBufferPointer(start: q.scales, count: q.n_scales))
            let zeros = q.n_zero_points == 0 ? [] : [Int32](UnsafeBufferPointer(start: q.zero_points, count: q.n_zero_points))
            guard q.axis <= UInt32(Shape.maxRank) else {
                throw DLError(.invalidModel, "\(label): quantization axis \(q.axis) is outside any tensor")
            }
            quant = QuantParams(scales: scales, zeroPoints: zeros, axis: q.per_channel != 0 ? Int(q.axis) : nil)
        }
        let desc = TensorDesc(name: name, dtype: dtype, shape: Shape(dims), quant: quant, kind: kind)
        guard let b = t.blob?.pointee else {
            guard kind == .activation else { throw DLError(.invalidModel, "\(label): a constant without a blob") }
            return (desc, nil)
        }
        guard kind == .constant else { throw DLError(.invalidModel, "\(label): an activation with a blob") }
        guard let codec = BlobCodec(rawValue: b.codec) else {
            throw DLError(.unsupported, "\(label): unknown codec \(b.codec)")
        }
        guard let filter = BlobFilter(rawValue: b.filter) else {
            throw DLError(.unsupported, "\(label): unknown filter \(b.filter)")
        }
        let limit = UInt64(Int.max)
        guard b.offset <= limit, b.stored_size <= limit, b.raw_size <= limit else {
            throw DLError(.invalidModel, "\(label): blob offset or size beyond any file")
        }
        let record = BlobRecord(offset: Int(b.offset), storedSize: Int(b.stored_size), rawSize: Int(b.raw_size),
                                codec: codec, filter: filter, checksum: b.checksum)
        return (desc, record)
    }

    private static func node(_ n: Dlpk__Node, index j: Int, source: String) throws(DLError) -> Node {
        let name = string(n.name)
        let label = "\(source): node \(j) ('\(name)')"
        guard n.op <= UInt32(UInt16.max), let op = OpCode(rawValue: UInt16(n.op)) else {
            throw DLError(.unsupportedOp, "\(label): unknown op code \(n.op) (this reader knows 1...\(OpCode.allCases.count))")
        }
        guard n.n_inputs <= ManifestLimits.maxNodeInputs, n.n_outputs <= ManifestLimits.maxNodeOutputs,
              n.n_attributes <= ManifestLimits.maxAttributes else {
            throw DLError(.limitExceeded, "\(label): too many inputs, outputs or attributes")
        }
        var inputs: [Int] = []
        for k in 0..<n.n_inputs {
            let v = n.inputs[k]
            guard v >= Int64(Node.absent), v <= Int64(Int32.max) else {
                throw DLError(.invalidModel, "\(label): input \(k) refers to tensor \(v)")
            }
            inputs.append(Int(v))
        }
        var attributes: [Attribute] = []
        for k in 0..<n.n_attributes {
            guard let a = n.attributes[k]?.pointee else { throw missing("attribute \(k) of node \(j)", source) }
            attributes.append(try attribute(a, label: label))
        }
        return Node(name: name, op: op, inputs: inputs, outputs: indices(n.outputs, n.n_outputs), attributes: attributes)
    }

    private static func attribute(_ a: Dlpk__Attribute, label: String) throws(DLError) -> Attribute {
        let name = string(a.name)
        guard let type = AttributeType(rawValue: a.type) else {
            throw DLError(.invalidModel, "\(label): attribute '\(name)' has unknown type \(a.type)")
        }
        switch type {
        case .int: return Attribute(name, .int(a.i))
        case .float: return Attribute(name, .float(a.f))
        case .ints: return Attribute(name, .ints(a.n_ints == 0 ? [] : [Int64](UnsafeBufferPointer(start: a.ints, count: a.n_ints))))
        case .floats:
            return Attribute(name, .floats(a.n_floats == 0 ? [] : [Float](UnsafeBufferPointer(start: a.floats, count: a.n_floats))))
        case .string: return Attribute(name, .string(string(a.s)))
        }
    }

    private static func metadataValue(_ m: Dlpk__Metadata) -> ModelMetadata {
        var md = ModelMetadata(producer: string(m.producer), producerVersion: string(m.producer_version),
                               createdAt: m.created_at)
        for k in 0..<m.n_labels { md.labels.append(string(m.labels[k])) }
        for k in 0..<m.n_preprocessing {
            guard let p = m.preprocessing[k]?.pointee else { continue }
            md.preprocessing.append(Preprocessing(
                input: Int(p.input), scale: p.scale,
                mean: p.n_mean == 0 ? [] : [Float](UnsafeBufferPointer(start: p.mean, count: p.n_mean)),
                std: p.n_std == 0 ? [] : [Float](UnsafeBufferPointer(start: p.std, count: p.n_std)),
                channelAxis: Int(p.channel_axis)))
        }
        for k in 0..<m.n_properties {
            guard let kv = m.properties[k]?.pointee else { continue }
            md.properties.append(KeyValue(string(kv.key), string(kv.value)))
        }
        return md
    }

    /// Tensor indices stored as uint32 (always representable as Int; range checked later).
    private static func indices(_ p: UnsafeMutablePointer<UInt32>?, _ count: Int) -> [Int] {
        guard let p, count > 0 else { return [] }
        return UnsafeBufferPointer(start: p, count: count).map { Int($0) }
    }

    private static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    private static func missing(_ what: String, _ source: String) -> DLError {
        DLError(.invalidModel, "\(source): the manifest's \(what) is missing")
    }
}
