import DLCore
import DLRuntime

// Models (include/dlpk.h, "Models").

@_cdecl("dlpk_model_options_init")
public func dlpk_model_options_init(_ options: UnsafeMutableRawPointer?) {
    guard let options else { return }
    options.storeBytes(of: CLayout.ModelOptionsLayout.stride, toByteOffset: CLayout.ModelOptionsLayout.size, as: Int.self)
    options.storeBytes(of: Int32(1), toByteOffset: CLayout.ModelOptionsLayout.verifyChecksums, as: Int32.self)
    options.storeBytes(of: Int32(1), toByteOffset: CLayout.ModelOptionsLayout.dequantizeInt8Weights, as: Int32.self)
}

@_cdecl("dlpk_model_open_file")
public func dlpk_model_open_file(_ path: UnsafePointer<CChar>?, _ options: UnsafeRawPointer?,
                                 _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    outModel?.pointee = nil
    return boundary { () throws(DLError) in
        let out = try required(outModel, "out_model", in: "dlpk_model_open_file")
        let path = String(cString: try required(path, "path", in: "dlpk_model_open_file"))
        let (verify, modelOptions) = try CLayout.readModelOptions(options)
        out.pointee = ModelHandle(try Model.open(path: path, verifyChecksums: verify, options: modelOptions)).retainedPointer()
    }
}

@_cdecl("dlpk_model_open_memory")
public func dlpk_model_open_memory(_ data: UnsafeRawPointer?, _ size: Int, _ mode: Int32, _ options: UnsafeRawPointer?,
                                   _ outModel: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    outModel?.pointee = nil
    return boundary { () throws(DLError) in
        let out = try required(outModel, "out_model", in: "dlpk_model_open_memory")
        let data = try required(data, "data", in: "dlpk_model_open_memory")
        guard mode == 0 || mode == 1 else {
            throw DLError(.invalidArgument, "dlpk_model_open_memory: mode \(mode) is neither DLPK_MEMORY_COPY (0) nor DLPK_MEMORY_BORROW (1)")
        }
        guard size >= 0 else { throw DLError(.invalidArgument, "dlpk_model_open_memory: size \(UInt(bitPattern: size)) is too large") }
        let (verify, modelOptions) = try CLayout.readModelOptions(options)
        let model = try Model.load(UnsafeRawBufferPointer(start: data, count: size), borrow: mode == 1,
                                   verifyChecksums: verify, options: modelOptions)
        out.pointee = ModelHandle(model).retainedPointer()
    }
}

@_cdecl("dlpk_model_free")
public func dlpk_model_free(_ model: OpaquePointer?) {
    guard let model else { return }
    Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).release()
}

@_cdecl("dlpk_model_producer")
public func dlpk_model_producer(_ model: OpaquePointer?) -> UnsafePointer<CChar> {
    guard let model else { return cString("") }
    return UnsafePointer(ModelHandle.from(model).producer.pointer)
}

@_cdecl("dlpk_model_producer_version")
public func dlpk_model_producer_version(_ model: OpaquePointer?) -> UnsafePointer<CChar> {
    guard let model else { return cString("") }
    return UnsafePointer(ModelHandle.from(model).producerVersion.pointer)
}

@_cdecl("dlpk_model_label_count")
public func dlpk_model_label_count(_ model: OpaquePointer?) -> Int {
    guard let model else { return 0 }
    return ModelHandle.from(model).labels.count
}

@_cdecl("dlpk_model_label")
public func dlpk_model_label(_ model: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let model else { return nil }
    let labels = ModelHandle.from(model).labels
    guard index >= 0, index < labels.count else { return nil }
    return UnsafePointer(labels[index].pointer)
}

@_cdecl("dlpk_model_property")
public func dlpk_model_property(_ model: OpaquePointer?, _ key: UnsafePointer<CChar>?) -> UnsafePointer<CChar>? {
    guard let model, let key else { return nil }
    let handle = ModelHandle.from(model)
    let name = String(cString: key)
    guard let i = handle.propertyKeys.firstIndex(of: name) else { return nil }
    return UnsafePointer(handle.propertyValues[i].pointer)
}

@_cdecl("dlpk_model_created_at")
public func dlpk_model_created_at(_ model: OpaquePointer?) -> Int64 {
    guard let model else { return 0 }
    return ModelHandle.from(model).model.metadata.createdAt
}

@_cdecl("dlpk_model_preprocessing")
public func dlpk_model_preprocessing(_ model: OpaquePointer?, _ index: Int, _ out: UnsafeMutableRawPointer?) -> Int32 {
    boundary { () throws(DLError) in
        let handle = ModelHandle.from(try required(model, "model", in: "dlpk_model_preprocessing"))
        let out = try required(out, "out", in: "dlpk_model_preprocessing")
        let count = handle.preprocessing.count
        guard index >= 0, index < count else {
            throw DLError(.invalidArgument, "dlpk_model_preprocessing: index \(index) is out of range (the model has \(count) inputs)")
        }
        guard let p = handle.preprocessing[index] else {
            throw DLError(.notFound, "input \(index) '\(handle.model.inputName(index))' has no preprocessing")
        }
        CLayout.writePreprocessing(out, p)
    }
}

@_cdecl("dlpk_model_input_count")
public func dlpk_model_input_count(_ model: OpaquePointer?) -> Int {
    guard let model else { return 0 }
    return ModelHandle.from(model).model.graph.inputs.count
}

@_cdecl("dlpk_model_output_count")
public func dlpk_model_output_count(_ model: OpaquePointer?) -> Int {
    guard let model else { return 0 }
    return ModelHandle.from(model).model.graph.outputs.count
}

@_cdecl("dlpk_model_input_info")
public func dlpk_model_input_info(_ model: OpaquePointer?, _ index: Int, _ info: UnsafeMutableRawPointer?) -> Int32 {
    boundary { () throws(DLError) in
        let handle = ModelHandle.from(try required(model, "model", in: "dlpk_model_input_info"))
        let info = try required(info, "out_info", in: "dlpk_model_input_info")
        let types = handle.model.inputTypes
        guard index >= 0, index < types.count else {
            throw DLError(.invalidArgument, "dlpk_model_input_info: index \(index) is out of range (the model has \(types.count) inputs)")
        }
        CLayout.writeInfo(info, name: UnsafePointer(handle.inputNames[index].pointer), type: types[index])
    }
}

@_cdecl("dlpk_model_output_info")
public func dlpk_model_output_info(_ model: OpaquePointer?, _ index: Int, _ info: UnsafeMutableRawPointer?) -> Int32 {
    boundary { () throws(DLError) in
        let handle = ModelHandle.from(try required(model, "model", in: "dlpk_model_output_info"))
        let info = try required(info, "out_info", in: "dlpk_model_output_info")
        let types = handle.model.outputTypes
        guard index >= 0, index < types.count else {
            throw DLError(.invalidArgument, "dlpk_model_output_info: index \(index) is out of range (the model has \(types.count) outputs)")
        }
        CLayout.writeInfo(info, name: UnsafePointer(handle.outputNames[index].pointer), type: types[index])
    }
}
