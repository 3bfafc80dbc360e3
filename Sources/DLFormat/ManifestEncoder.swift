import CDLManifest
import DLCore

/// Where one constant's blob will be, as the manifest records it.
struct BlobRecord {
    /// From the start of the blob section.
    var offset: Int
    var storedSize: Int
    var rawSize: Int
    var codec: BlobCodec
    var filter: BlobFilter
    var checksum: UInt64
}

/// Memory for the protobuf-c structs of one encode, freed all at once.
private final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for b in blocks { b.deallocate() } }

    /// A protobuf-c message initialised by its generated `*__init` function.
    func message<T>(_ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
        blocks.append(UnsafeMutableRawPointer(p))
        initialize(p)
        return p
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        if values.isEmpty { return nil }
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        blocks.append(UnsafeMutableRawPointer(p))
        p.initialize(from: values, count: values.count)
        return p
    }

    /// A NUL-terminated copy of `s` (protobuf-c measures strings with strlen).
    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(s.utf8)
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        blocks.append(UnsafeMutableRawPointer(p))
        for (i, c) in utf8.enumerated() { p[i] = CChar(bitPattern: c) }
        p[utf8.count] = 0
        return p
    }
}

/// Encodes the manifest with protobuf-c (format/dlpk.proto).
enum ManifestEncoder {
    static func encode(graph: Graph, metadata: ModelMetadata, blobs: [BlobRecord?]) -> [UInt8] {
        let arena = CArena()
        let tensors: [UnsafeMutablePointer<Dlpk__Tensor>?] = graph.tensors.enumerated().map { (i, t) in
            arena.message { (m: UnsafeMutablePointer<Dlpk__Tensor>) in
                dlpk__tensor__init(m)
                m.pointee.name = arena.string(t.name)
                m.pointee.dtype = UInt32(t.dtype.rawValue)
                m.pointee.n_shape = t.shape.rank
                m.pointee.shape = arena.array(t.shape.dims.map { Int64($0) })
                m.pointee.kind = UInt32(t.kind.rawValue)
                if let q = t.quant { m.pointee.quant = quantization(q, arena) }
                if let b = blobs[i] { m.pointee.blob = blob(b, arena) }
            }
        }
        let nodes: [UnsafeMutablePointer<Dlpk__Node>?] = graph.nodes.map { node in
            arena.message { (m: UnsafeMutablePointer<Dlpk__Node>) in
                dlpk__node__init(m)
                m.pointee.name = arena.string(node.name)
                m.pointee.op = UInt32(node.op.rawValue)
                m.pointee.n_inputs = node.inputs.count
                m.pointee.inputs = arena.array(node.inputs.map { Int64($0) })
                m.pointee.n_outputs = node.outputs.count
                m.pointee.outputs = arena.array(node.outputs.map { UInt32(truncatingIfNeeded: $0) })
                let attributes = node.attributes.map { attribute($0, arena) }
                m.pointee.n_attributes = attributes.count
                m.pointee.attributes = arena.array(attributes)
            }
        }
        let g = arena.message { (m: UnsafeMutablePointer<Dlpk__Graph>) in
            dlpk__graph__init(m)
            m.pointee.n_tensors = tensors.count
            m.pointee.tensors = arena.array(tensors)
            m.pointee.n_nodes = nodes.count
            m.pointee.nodes = arena.array(nodes)
            m.pointee.n_inputs = graph.inputs.count
            m.pointee.inputs = arena.array(graph.inputs.map { UInt32(truncatingIfNeeded: $0) })
            m.pointee.n_outputs = graph.outputs.count
            m.pointee.outputs = arena.array(graph.outputs.map { UInt32(truncatingIfNeeded: $0) })
        }
        let manifest = arena.message { (m: UnsafeMutablePointer<Dlpk__Manifest>) in
            dlpk__manifest__init(m)
            m.pointee.graph = g
            m.pointee.metadata = encodeMetadata(metadata, arena)
        }
        let size = dlpk__manifest__get_packed_size(manifest)
        var out = [UInt8](repeating: 0, count: size)
        out.withUnsafeMutableBufferPointer { buffer in
            _ = dlpk__manifest__pack(manifest, buffer.baseAddress)
        }
        return out
    }

    private static func quantization(_ q: QuantParams, _ arena: CArena) -> UnsafeMutablePointer<Dlpk__Quantization> {
        arena.message { (m: UnsafeMutablePointer<Dlpk__Quantization>) in
            dlpk__quantization__init(m)
            m.pointee.n_scales = q.scales.count
            m.pointee.scales = arena.array(q.scales)
            m.pointee.n_zero_points = q.zeroPoints.count
            m.pointee.zero_points = arena.array(q.zeroPoints)
            m.pointee.per_channel = q.axis == nil ? 0 : 1
            m.pointee.axis = UInt32(truncatingIfNeeded: q.axis ?? 0)
        }
    }

    private static func blob(_ b: BlobRecord, _ arena: CArena) -> UnsafeMutablePointer<Dlpk__Blob> {
        arena.message { (m: UnsafeMutablePointer<Dlpk__Blob>) in
            dlpk__blob__init(m)
            m.pointee.offset = UInt64(b.offset)
            m.pointee.stored_size = UInt64(b.storedSize)
            m.pointee.raw_size = UInt64(b.rawSize)
            m.pointee.codec = b.codec.rawValue
            m.pointee.filter = b.filter.rawValue
            m.pointee.checksum = b.checksum
        }
    }

    private static func attribute(_ a: Attribute, _ arena: CArena) -> UnsafeMutablePointer<Dlpk__Attribute>? {
        arena.message { (m: UnsafeMutablePointer<Dlpk__Attribute>) in
            dlpk__attribute__init(m)
            m.pointee.name = arena.string(a.name)
            m.pointee.type = AttributeType(a.value).rawValue
            switch a.value {
            case .int(let v): m.pointee.i = v
            case .float(let v): m.pointee.f = v
            case .ints(let v):
                m.pointee.n_ints = v.count
                m.pointee.ints = arena.array(v)
            case .floats(let v):
                m.pointee.n_floats = v.count
                m.pointee.floats = arena.array(v)
            case .string(let v): m.pointee.s = arena.string(v)
            }
        }
    }

    private static func encodeMetadata(_ md: ModelMetadata, _ arena: CArena) -> UnsafeMutablePointer<Dlpk__Metadata> {
        let labels: [UnsafeMutablePointer<CChar>?] = md.labels.map { arena.string($0) }
        let preprocessing: [UnsafeMutablePointer<Dlpk__Preprocessing>?] = md.preprocessing.map { p in
            arena.message { (m: UnsafeMutablePointer<Dlpk__Preprocessing>) in
                dlpk__preprocessing__init(m)
                m.pointee.input = UInt32(truncatingIfNeeded: p.input)
                m.pointee.scale = p.scale
                m.pointee.n_mean = p.mean.count
                m.pointee.mean = arena.array(p.mean)
                m.pointee.n_std = p.std.count
                m.pointee.std = arena.array(p.std)
                m.pointee.channel_axis = Int32(truncatingIfNeeded: p.channelAxis)
            }
        }
        let properties: [UnsafeMutablePointer<Dlpk__KeyValue>?] = md.properties.map { kv in
            arena.message { (m: UnsafeMutablePointer<Dlpk__KeyValue>) in
                dlpk__key_value__init(m)
                m.pointee.key = arena.string(kv.key)
                m.pointee.value = arena.string(kv.value)
            }
        }
        return arena.message { (m: UnsafeMutablePointer<Dlpk__Metadata>) in
            dlpk__metadata__init(m)
            m.pointee.producer = arena.string(md.producer)
            m.pointee.producer_version = arena.string(md.producerVersion)
            m.pointee.created_at = md.createdAt
            m.pointee.n_labels = labels.count
            m.pointee.labels = arena.array(labels)
            m.pointee.n_preprocessing = preprocessing.count
            m.pointee.preprocessing = arena.array(preprocessing)
            m.pointee.n_properties = properties.count
            m.pointee.properties = arena.array(properties)
        }
    }
}

/// Attribute type codes in the manifest (`Attribute.type`). Stored in files: append only.
enum AttributeType: UInt32 {
    case int = 1
    case float = 2
    case ints = 3
    case floats = 4
    case string = 5

    init(_ value: AttributeValue) {
        switch value {
        case .int: self = .int
        case .float: self = .float
        case .ints: self = .ints
        case .floats: self = .floats
        case .string: self = .string
        }
    }
}
