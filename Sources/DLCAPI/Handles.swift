#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DLCore
import DLRuntime

/// A C string the library owns, for getters that return borrowed `const char*`.
final class CString {
    let pointer: UnsafeMutablePointer<CChar>
    init(_ string: String) { pointer = string.withCString { strdup($0)! } }
    deinit { free(pointer) }
}

/// One input's preprocessing with its mean and std copied to memory C can borrow.
final class FloatArrays {
    let scale: Float
    let channelAxis: Int32
    let mean: UnsafeMutableBufferPointer<Float>
    let std: UnsafeMutableBufferPointer<Float>

    init(_ p: Preprocessing) {
        scale = p.scale
        channelAxis = Int32(truncatingIfNeeded: p.channelAxis)
        mean = .allocate(capacity: max(p.mean.count, 1))
        std = .allocate(capacity: max(p.std.count, 1))
        _ = mean.initialize(from: p.mean)
        _ = std.initialize(from: p.std)
        meanCount = p.mean.count
        stdCount = p.std.count
    }

    let meanCount: Int
    let stdCount: Int

    deinit {
        mean.deallocate()
        std.deallocate()
    }
}

/// What a `dlpk_model*` points to: the model plus the C strings its getters hand out.
final class ModelHandle {
    let model: Model
    let producer: CString
    let producerVersion: CString
    let labels: [CString]
    let propertyKeys: [String]
    let propertyValues: [CString]
    let inputNames: [CString]
    let outputNames: [CString]
    /// Per graph input: its preprocessing's mean and std as C arrays, if it has any.
    let preprocessing: [FloatArrays?]

    init(_ model: Model) {
        self.model = model
        producer = CString(model.metadata.producer)
        producerVersion = CString(model.metadata.producerVersion)
        labels = model.metadata.labels.map { CString($0) }
        propertyKeys = model.metadata.properties.map { $0.key }
        propertyValues = model.metadata.properties.map { CString($0.value) }
        inputNames = (0..<model.graph.inputs.count).map { CString(model.inputName($0)) }
        outputNames = (0..<model.graph.outputs.count).map { CString(model.outputName($0)) }
        var preprocessing = [FloatArrays?](repeating: nil, count: model.graph.inputs.count)
        for p in model.metadata.preprocessing where p.input >= 0 && p.input < preprocessing.count {
            preprocessing[p.input] = FloatArrays(p)
        }
        self.preprocessing = preprocessing
    }

    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ p: OpaquePointer) -> ModelHandle {
        Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }
}

/// What a `dlpk_session*` points to: the session and the model handle it keeps alive.
final class SessionHandle {
    let session: Session
    let model: ModelHandle

    init(_ session: Session, model: ModelHandle) {
        self.session = session
        self.model = model
    }

    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ p: OpaquePointer) -> SessionHandle {
        Unmanaged<SessionHandle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }
}
