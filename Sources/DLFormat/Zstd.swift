import CZstd
import DLCore

/// The zstd codec, with every size checked: decoding never writes or allocates
/// more than the caller's declared raw size.
enum Zstd {
    /// Compresses `source` at `level` (1...ZSTD_maxCLevel()); the frame records its content size.
    static func compress(_ source: UnsafeRawBufferPointer, level: Int32) throws(DLError) -> [UInt8] {
        guard level >= 1, level <= ZSTD_maxCLevel() else {
            throw DLError(.invalidArgument, "zstd level \(level) is outside 1...\(ZSTD_maxCLevel())")
        }
        let bound = ZSTD_compressBound(source.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            ZSTD_compress(dst.baseAddress, dst.count, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(written) != 0 {
            throw DLError(.internalError, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        out.removeLast(out.count - written)
        return out
    }

    /// Decodes one zstd frame into `destination`, which must receive exactly its size.
    /// `what` names the blob in errors.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                           what: String) throws(DLError) {
        let frameSize = ZSTD_findFrameCompressedSize(source.baseAddress, source.count)
        guard ZSTD_isError(frameSize) == 0 else {
            throw DLError(.decompressionFailed, "\(what): not a complete zstd frame (\(String(cString: ZSTD_getErrorName(frameSize))))")
        }
        guard frameSize == source.count else {
            throw DLError(.decompressionFailed, "\(what): \(source.count - frameSize) bytes after the zstd frame")
        }
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values.
        let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        guard declared < UInt64.max - 1 else {
            throw DLError(.decompressionFailed, "\(what): the zstd frame does not declare its content size")
        }
        guard declared == UInt64(destination.count) else {
            throw DLError(.decompressionFailed,
                          "\(what): the zstd frame declares \(declared) bytes, the manifest \(destination.count)")
        }
        let written = ZSTD_decompress(destination.baseAddress, destination.count, source.baseAddress, source.count)
        guard ZSTD_isError(written) == 0 else {
            throw DLError(.decompressionFailed, "\(what): zstd: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == destination.count else {
            throw DLError(.decompressionFailed, "\(what): decoded \(written) bytes, the manifest declares \(destination.count)")
        }
    }
}
