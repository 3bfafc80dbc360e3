#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DLCore
import DLRuntime

// Sessions (include/dlpk.h, "Sessions").

@_cdecl("dlpk_session_options_init")
public func dlpk_session_options_init(_ options: UnsafeMutableRawPointer?) {
    guard let options else { return }
    options.storeBytes(of: CLayout.Options.stride, toByteOffset: CLayout.Options.size, as: Int.self)
    options.storeBytes(of: Int32(1), toByteOffset: CLayout.Options.numThreads, as: Int32.self)
    options.storeBytes(of: Int32(1), toByteOffset: CLayout.Options.batchSize, as: Int32.self)
}

@_cdecl("dlpk_session_create")
public func dlpk_session_create(_ model: OpaquePointer?, _ options: UnsafeRawPointer?,
                                _ outSession: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    outSession?.pointee = nil
    return boundary { () throws(DLError) in
        let out = try required(outSession, "out_session", in: "dlpk_session_create")
        let handle = ModelHandle.from(try required(model, "model", in: "dlpk_session_create"))
        let session = try Session(model: handle.model, options: try CLayout.readOptions(options))
        out.pointee = SessionHandle(session, model: handle).retainedPointer()
    }
}

@_cdecl("dlpk_session_arena_size")
public func dlpk_session_arena_size(_ model: OpaquePointer?, _ options: UnsafeRawPointer?,
                                    _ outSize: UnsafeMutablePointer<Int>?) -> Int32 {
    boundary { () throws(DLError) in
        let out = try required(outSize, "out_size", in: "dlpk_session_arena_size")
        let handle = ModelHandle.from(try required(model, "model", in: "dlpk_session_arena_size"))
        out.pointee = try Session.arenaSize(model: handle.model, options: try CLayout.readOptions(options))
    }
}

@_cdecl("dlpk_session_create_static")
public func dlpk_session_create_static(_ model: OpaquePointer?, _ options: UnsafeRawPointer?,
                                       _ arena: UnsafeMutableRawPointer?, _ arenaSize: Int,
                                       _ outSession: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    outSession?.pointee = nil
    return boundary { () throws(DLError) in
        let out = try required(outSession, "out_session", in: "dlpk_session_create_static")
        let handle = ModelHandle.from(try required(model, "model", in: "dlpk_session_create_static"))
        let arena = try required(arena, "arena", in: "dlpk_session_create_static")
        guard arenaSize >= 0 else { throw DLError(.invalidArgument, "dlpk_session_create_static: arena_size is too large") }
        let session = try Session(model: handle.model, options: try CLayout.readOptions(options),
                                  arena: UnsafeMutableRawBufferPointer(start: arena, count: arenaSize))
        out.pointee = SessionHandle(session, model: handle).retainedPointer()
    }
}

@_cdecl("dlpk_session_free")
public func dlpk_session_free(_ session: OpaquePointer?) {
    guard let session else { return }
    Unmanaged<SessionHandle>.fromOpaque(UnsafeRawPointer(session)).release()
}

@_cdecl("dlpk_session_cancel")
public func dlpk_session_cancel(_ session: OpaquePointer?) -> Int32 {
    boundary { () throws(DLError) in
        SessionHandle.from(try required(session, "session", in: "dlpk_session_cancel")).session.cancel()
    }
}

@_cdecl("dlpk_session_output_info")
public func dlpk_session_output_info(_ session: OpaquePointer?, _ index: Int, _ info: UnsafeMutableRawPointer?) -> Int32 {
    boundary { () throws(DLError) in
        let handle = SessionHandle.from(try required(session, "session", in: "dlpk_session_output_info"))
        let info = try required(info, "out_info", in: "dlpk_session_output_info")
        let count = handle.model.outputNames.count
        guard index >= 0, index < count else {
            throw DLError(.invalidArgument, "dlpk_session_output_info: index \(index) is out of range (the model has \(count) outputs)")
        }
        CLayout.writeInfo(info, name: UnsafePointer(handle.model.outputNames[index].pointer), type: handle.session.outputType(index))
    }
}

/// Binds the caller's input tensors to the session (checking counts, dtypes and shapes).
private func bindInputs(_ session: Session, _ inputs: UnsafeRawPointer?, _ count: Int, in function: String) throws(DLError) {
    let expected = session.model.graph.inputs.count
    guard count == expected else {
        throw DLError(.invalidArgument, "\(function): \(count) inputs given, the model has \(expected)")
    }
    guard count > 0 else { return }
    let inputs = try required(inputs, "inputs", in: function)
    for i in 0..<count {
        let t = inputs + i * CLayout.Tensor.stride
        let rawDType = t.load(fromByteOffset: CLayout.Tensor.dtype, as: Int32.self)
        guard let dtype = DType(rawValue: UInt8(truncatingIfNeeded: rawDType)), Int32(dtype.rawValue) == rawDType else {
            throw DLError(.dtypeMismatch, "\(function): input \(i) has unknown dtype \(rawDType)")
        }
        let rank = t.load(fromByteOffset: CLayout.Tensor.rank, as: Int32.self)
        guard rank >= 0, rank <= Int32(Shape.maxRank) else {
            throw DLError(.shapeMismatch, "\(function): input \(i) has rank \(rank), outside 0...\(Shape.maxRank)")
        }
        try session.setInput(i, data: t.load(fromByteOffset: CLayout.Tensor.data, as: UnsafeRawPointer?.self),
                             byteCount: t.load(fromByteOffset: CLayout.Tensor.size, as: Int.self),
                             dtype: dtype, rank: Int(rank),
                             dims: (t + CLayout.Tensor.dims).assumingMemoryBound(to: Int64.self))
    }
}

@_cdecl("dlpk_session_run")
public func dlpk_session_run(_ session: OpaquePointer?, _ inputs: UnsafeRawPointer?, _ inputCount: Int,
                             _ outputs: UnsafeMutableRawPointer?, _ outputCount: Int) -> Int32 {
    boundary { () throws(DLError) in
        let function = "dlpk_session_run"
        let session = SessionHandle.from(try required(session, "session", in: function)).session
        let expected = session.model.graph.outputs.count
        guard outputCount == expected else {
            throw DLError(.invalidArgument, "\(function): \(outputCount) outputs given, the model has \(expected)")
        }
        let outputs = try required(outputs, "outputs", in: function)
        try bindInputs(session, inputs, inputCount, in: function)
        for i in 0..<outputCount {
            let t = outputs + i * CLayout.Tensor.stride
            try session.setOutput(i, data: t.load(fromByteOffset: CLayout.Tensor.data, as: UnsafeMutableRawPointer?.self),
                                  byteCount: t.load(fromByteOffset: CLayout.Tensor.size, as: Int.self))
        }
        do throws(DLError) {
            try session.run()
        } catch {
            // Tell the caller the shapes so that it can size its buffers and retry.
            if error.code == .bufferTooSmall { writeOutputTypes(session, outputs) }
            throw error
        }
        writeOutputTypes(session, outputs)
    }
}

private func writeOutputTypes(_ session: Session, _ outputs: UnsafeMutableRawPointer) {
    for i in 0..<session.model.graph.outputs.count {
        CLayout.writeTensorType(outputs + i * CLayout.Tensor.stride, type: session.outputType(i))
    }
}

@_cdecl("dlpk_session_run_alloc")
public func dlpk_session_run_alloc(_ session: OpaquePointer?, _ inputs: UnsafeRawPointer?, _ inputCount: Int,
                                   _ outOutputs: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                   _ outCount: UnsafeMutablePointer<Int>?) -> Int32 {
    outOutputs?.pointee = nil
    outCount?.pointee = 0
    return boundary { () throws(DLError) in
        let function = "dlpk_session_run_alloc"
        let session = SessionHandle.from(try required(session, "session", in: function)).session
        let outOutputs = try required(outOutputs, "out_outputs", in: function)
        let outCount = try required(outCount, "out_count", in: function)
        try bindInputs(session, inputs, inputCount, in: function)
        try session.prepareForBoundInputs()
        // One block: the tensor array, then each output's data at a 64-byte boundary.
        let count = session.model.graph.outputs.count
        var total = (count * CLayout.Tensor.stride + 63) & ~63
        var offsets = [Int]()
        var sizes = [Int]()
        for i in 0..<count {
            let t = session.outputType(i)
            let bytes = t.dtype.storageBytes(count: t.shape.elementCount ?? 0) ?? 0
            offsets.append(total)
            sizes.append(bytes)
            total += (bytes + 63) & ~63
        }
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, max(total, 64)) == 0, let block = raw else {
            throw DLError(.outOfMemory, "\(function): cannot allocate \(total) bytes for the outputs")
        }
        for i in 0..<count {
            let t = block + i * CLayout.Tensor.stride
            t.storeBytes(of: block + offsets[i], toByteOffset: CLayout.Tensor.data, as: UnsafeMutableRawPointer?.self)
            t.storeBytes(of: sizes[i], toByteOffset: CLayout.Tensor.size, as: Int.self)
            CLayout.writeTensorType(t, type: session.outputType(i))
        }
        do throws(DLError) {
            for i in 0..<count { try session.setOutput(i, data: block + offsets[i], byteCount: sizes[i]) }
            try session.run()
        } catch {
            free(block)
            throw error
        }
        outOutputs.pointee = block
        outCount.pointee = count
    }
}

@_cdecl("dlpk_tensors_free")
public func dlpk_tensors_free(_ tensors: UnsafeMutableRawPointer?, _ count: Int) {
    free(tensors)
}
