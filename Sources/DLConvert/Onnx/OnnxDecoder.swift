import CONNX
import DLCore
import Foundation

/// Decodes ONNX files with protobuf-c (schema: Sources/CONNX/onnx_subset.proto).
///
/// The file is untrusted: protobuf-c checks the wire format, and this layer checks
/// what protobuf cannot (element counts against dims, external data paths and
/// ranges), so a bad file gets a `DLError` naming the tensor, never a crash.
public enum OnnxDecoder {
    /// Largest element count accepted for one tensor (2^31, as ONNX's 2 GB protobuf limit implies).
    static let maxElements = 1 << 31

    /// Reads an ONNX file; external data is resolved relative to the file's directory.
    public static func read(path: String) throws(DLError) -> OnnxModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DLError(.fileNotFound, "cannot read ONNX file '\(path)'")
        }
        let base = (path as NSString).deletingLastPathComponent
        return try decode([UInt8](data), baseDirectory: base.isEmpty ? "." : base)
    }

    /// Decodes a serialized ModelProto. `baseDirectory` is where external data files
    /// live; nil refuses tensors stored outside the model.
    public static func decode(_ bytes: [UInt8], baseDirectory: String?) throws(DLError) -> OnnxModel {
        let unpacked = bytes.withUnsafeBufferPointer { buffer in
            dlk_onnx__model__unpack(nil, buffer.count, buffer.baseAddress)
        }
        guard let message = unpacked else {
            throw DLError(.invalidModel, "not an ONNX model: the protobuf is malformed or truncated (\(bytes.count) bytes)")
        }
        defer { dlk_onnx__model__free_unpacked(message, nil) }
        let m = message.pointee
        var opsets: [String: Int64] = [:]
        for i in 0..<m.n_opset_import {
            guard let o = m.opset_import[i]?.pointee else { continue }
            opsets[string(o.domain)] = o.has_version != 0 ? o.version : 1
        }
        guard let g = m.graph?.pointee else { throw DLError(.invalidModel, "ONNX model has no graph") }
        var metadata: [KeyValue] = []
        for i in 0..<m.n_metadata_props {
            if let kv = m.metadata_props[i]?.pointee { metadata.append(KeyValue(string(kv.key), string(kv.value))) }
        }
        let graph = try decodeGraph(g, baseDirectory: baseDirectory)
        return OnnxModel(irVersion: m.has_ir_version != 0 ? m.ir_version : 0,
                         producerName: string(m.producer_name), producerVersion: string(m.producer_version),
                         opsets: opsets, graph: graph, metadata: metadata)
    }

    /// Decodes a serialized TensorProto (the `.pb` files of ONNX test cases).
    public static func decodeTensor(_ bytes: [UInt8], baseDirectory: String? = nil) throws(DLError) -> HostTensor {
        let unpacked = bytes.withUnsafeBufferPointer { buffer in
            dlk_onnx__tensor__unpack(nil, buffer.count, buffer.baseAddress)
        }
        guard let message = unpacked else { throw DLError(.invalidModel, "not an ONNX tensor: malformed protobuf") }
        defer { dlk_onnx__tensor__free_unpacked(message, nil) }
        return try decodeTensor(message.pointee, baseDirectory: baseDirectory)
    }

    static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    static func decodeGraph(_ g: DlkOnnx__Graph, baseDirectory: String?) throws(DLError) -> OnnxGraph {
        var nodes: [OnnxNode] = []
        nodes.reserveCapacity(g.n_node)
        for i in 0..<g.n_node {
            guard let n = g.node[i]?.pointee else { continue }
            var attributes: [String: OnnxAttribute] = [:]
            for a in 0..<n.n_attribute {
                guard let attr = n.attribute[a]?.pointee else { continue }
                attributes[string(attr.name)] = try decodeAttribute(attr, node: string(n.name), baseDirectory: baseDirectory)
            }
            nodes.append(OnnxNode(name: string(n.name), opType: string(n.op_type), domain: string(n.domain),
                                  inputs: (0..<n.n_input).map { string(n.input[$0]) },
                                  outputs: (0..<n.n_output).map { string(n.output[$0]) },
                                  attributes: attributes))
        }
        var initializers: [HostTensor] = []
        for i in 0..<g.n_initializer {
            if let t = g.initializer[i]?.pointee { initializers.append(try decodeTensor(t, baseDirectory: baseDirectory)) }
        }
        func infos(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<DlkOnnx__ValueInfo>?>?) -> [OnnxValueInfo] {
            guard let p else { return [] }
            return (0..<n).compactMap { i in p[i].map { decodeValueInfo($0.pointee) } }
        }
        return OnnxGraph(name: string(g.name), nodes: nodes, initializers: initializers,
                         inputs: infos(g.n_input, g.input), outputs: infos(g.n_output, g.output),
                         valueInfo: infos(g.n_value_info, g.value_info))
    }

    static func decodeValueInfo(_ v: DlkOnnx__ValueInfo) -> OnnxValueInfo {
        var info = OnnxValueInfo(name: string(v.name), elementType: nil, dims: nil)
        guard let tensorType = v.type?.pointee.tensor_type?.pointee else { return info }
        if tensorType.has_elem_type != 0 { info.elementType = tensorType.elem_type }
        if let shape = tensorType.shape?.pointee {
            info.dims = (0..<shape.n_dim).map { i in
                guard let d = shape.dim[i]?.pointee else { return OnnxDim.unknown }
                if d.has_dim_value != 0, d.dim_value >= 0, d.dim_value <= Int64(Int32.max) { return .value(Int(d.dim_value)) }
                if let p = d.dim_param, p.pointee != 0 { return .param(String(cString: p)) }
                return .unknown
            }
        }
        return info
    }

    static func decodeAttribute(_ a: DlkOnnx__Attribute, node: String, baseDirectory: String?) throws(DLError) -> OnnxAttribute {
        let name = string(a.name)
        if let ref = a.ref_attr_name, ref.pointee != 0 {
            throw DLError(.unsupported, "node '\(node)': attribute '\(name)' refers to a function attribute, which dlpack does not read")
        }
        // IR version 1 files have no type: infer it from the field that is set.
        let type = a.has_type != 0 ? Int32(a.type.rawValue) : (a.has_f != 0 ? 1 : a.has_i != 0 ? 2 : a.has_s != 0 ? 3 : a.t != nil ? 4 : a.n_floats > 0 ? 6 : a.n_ints > 0 ? 7 : 8)
        switch type {
        case 1: return .float(a.f)
        case 2: return .int(a.i)
        case 3: return .string(String(decoding: UnsafeBufferPointer(start: a.s.data, count: a.s.len), as: UTF8.self))
        case 4:
            guard let t = a.t?.pointee else { throw DLError(.invalidModel, "node '\(node)': tensor attribute '\(name)' has no tensor") }
            return .tensor(try decodeTensor(t, baseDirectory: baseDirectory))
        case 6: return .floats(Array(UnsafeBufferPointer(start: a.floats, count: a.n_floats)))
        case 7: return .ints(Array(UnsafeBufferPointer(start: a.ints, count: a.n_ints)))
        case 8:
            return .strings((0..<a.n_strings).map { i in
                String(decoding: UnsafeBufferPointer(start: a.strings[i].data, count: a.strings[i].len), as: UTF8.self)
            })
        default: return .unsupported(type)
        }
    }

    static func decodeTensor(_ t: DlkOnnx__Tensor, baseDirectory: String?) throws(DLError) -> HostTensor {
        let name = string(t.name)
        let label = name.isEmpty ? "an unnamed tensor" : "tensor '\(name)'"
        guard let type = OnnxElementType(rawValue: t.data_type) else {
            throw DLError(.unsupportedDType, "\(label) has ONNX data type \(t.data_type), which dlpack does not read")
        }
        var dims: [Int] = []
        var count = 1
        for i in 0..<t.n_dims {
            let d = t.dims[i]
            guard d >= 0, d <= Int64(maxElements) else { throw DLError(.invalidModel, "\(label) has dimension \(d)") }
            dims.append(Int(d))
            let (p, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, p <= maxElements else { throw DLError(.limitExceeded, "\(label) has too many elements (dims \(dims)...)") }
            count = p
        }
        let byteCount = count * type.byteSize
        var bytes: [UInt8]
        if t.has_data_location != 0 && t.data_location == DLK_ONNX__TENSOR__DATA_LOCATION__EXTERNAL {
            bytes = try readExternal(t, label: label, byteCount: byteCount, baseDirectory: baseDirectory)
        } else if t.has_raw_data != 0 {
            guard t.raw_data.len == byteCount else {
                throw DLError(.invalidModel, "\(label): raw_data has \(t.raw_data.len) bytes, dims \(dims) of \(type.name) need \(byteCount)")
            }
            bytes = Array(UnsafeBufferPointer(start: t.raw_data.data, count: t.raw_data.len))
        } else {
            bytes = try typedFieldBytes(t, type: type, count: count, label: label)
        }
        return HostTensor(name: name, type: type, dims: dims, bytes: bytes)
    }

    /// Converts the typed repeated fields (float_data, int32_data, ...) to little-endian bytes.
    static func typedFieldBytes(_ t: DlkOnnx__Tensor, type: OnnxElementType, count: Int, label: String) throws(DLError) -> [UInt8] {
        func check(_ n: Int, _ field: String) throws(DLError) {
            guard n == count else { throw DLError(.invalidModel, "\(label): \(field) has \(n) values, its dims need \(count)") }
        }
        var out = [UInt8]()
        out.reserveCapacity(count * type.byteSize)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        switch type {
        case .float:
            try check(t.n_float_data, "float_data")
            for i in 0..<count { append(t.float_data[i].bitPattern) }
        case .double:
            try check(t.n_double_data, "double_data")
            for i in 0..<count { append(t.double_data[i].bitPattern) }
        case .int64:
            try check(t.n_int64_data, "int64_data")
            for i in 0..<count { append(t.int64_data[i]) }
        case .uint32, .uint64:
            try check(t.n_uint64_data, "uint64_data")
            for i in 0..<count {
                if type == .uint32 { append(UInt32(truncatingIfNeeded: t.uint64_data[i])) } else { append(t.uint64_data[i]) }
            }
        case .int32:
            try check(t.n_int32_data, "int32_data")
            for i in 0..<count { append(t.int32_data[i]) }
        case .int16, .uint16, .float16, .bfloat16:
            try check(t.n_int32_data, "int32_data")
            for i in 0..<count { append(UInt16(truncatingIfNeeded: t.int32_data[i])) }
        case .int8, .uint8, .bool:
            try check(t.n_int32_data, "int32_data")
            for i in 0..<count { out.append(UInt8(truncatingIfNeeded: t.int32_data[i])) }
        }
        return out
    }

    /// Reads a tensor stored outside the model: `location` relative to the base
    /// directory (no absolute paths, no `..`), `offset` and `length` within the file.
    static func readExternal(_ t: DlkOnnx__Tensor, label: String, byteCount: Int, baseDirectory: String?) throws(DLError) -> [UInt8] {
        var location = "", offset = 0, length: Int? = nil
        for i in 0..<t.n_external_data {
            guard let kv = t.external_data[i]?.pointee else { continue }
            let key = string(kv.key), value = string(kv.value)
            switch key {
            case "location": location = value
            case "offset", "length":
                guard let v = Int(value), v >= 0 else { throw DLError(.invalidModel, "\(label): external data \(key) '\(value)' is not a byte count") }
                if key == "offset" { offset = v } else { length = v }
            default: break
            }
        }
        guard let baseDirectory else { throw DLError(.unsupported, "\(label) is stored in external data, but no base directory was given") }
        guard !location.isEmpty, !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw DLError(.invalidModel, "\(label): external data location '\(location)' must be a relative path inside the model's directory")
        }
        let path = baseDirectory + "/" + location
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DLError(.fileNotFound, "\(label): external data file '\(path)' cannot be opened")
        }
        defer { try? handle.close() }
        let fileSize = (try? handle.seekToEnd()).map { Int($0) } ?? 0
        let wanted = length ?? byteCount
        guard wanted == byteCount else {
            throw DLError(.invalidModel, "\(label): external data length \(wanted) does not match the \(byteCount) bytes its dims need")
        }
        guard offset <= fileSize, wanted <= fileSize - offset else {
            throw DLError(.truncated, "\(label): external data [\(offset), +\(wanted)) is outside '\(location)' (\(fileSize) bytes)")
        }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: wanted) ?? Data()
            guard data.count == wanted else { throw DLError(.truncated, "\(label): short read from '\(location)'") }
            return [UInt8](data)
        } catch let e as DLError {
            throw e
        } catch {
            throw DLError(.ioError, "\(label): reading '\(location)': \(error)")
        }
    }
}
