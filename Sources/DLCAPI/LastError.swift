#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DLCore

/// The per-thread message behind `dlpk_last_error_message()`: a malloc'd C string held in a
/// pthread key, replaced by the next failure on the same thread and freed at thread exit.
enum LastError {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    static let empty: StaticString = ""

    static func set(_ message: String) {
        let copy = message.withCString { strdup($0) }
        let old = pthread_getspecific(key)
        pthread_setspecific(key, copy)
        free(old)
    }

    static var message: UnsafePointer<CChar> {
        if let p = pthread_getspecific(key) { return UnsafePointer(p.assumingMemoryBound(to: CChar.self)) }
        return UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}

/// Runs the body of a C entry point: a thrown error becomes its status and the thread's message.
@inline(__always)
func boundary(_ body: () throws(DLError) -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch {
        LastError.set(error.message)
        return error.code.rawValue
    }
}

/// A NULL check with a message naming the function and the argument.
@inline(__always)
func required<T>(_ pointer: T?, _ name: String, in function: String) throws(DLError) -> T {
    guard let pointer else { throw DLError(.nullPointer, "\(function): \(name) is NULL") }
    return pointer
}
