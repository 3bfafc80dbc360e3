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

    init(_ model: Model) {
        self.model = model
        producer = CString(model.metadata.producer)
        producerVersion = CString(model.metadata.producerVersion)
        labels = model.metadata.labels.map { CString($0) }
        propertyKeys = model.metadata.properties.map { $0.key }
        propertyValues = model.metadata.properties.map { CString($0.value) }
        inputNames = (0..<model.graph.inputs.count).map { CString(model.inputName($0)) }
        outputNames = (0..<model.graph.outputs.count).map { CString(model.outputName($0)) }
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
