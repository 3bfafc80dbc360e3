import DLCore
import DLRuntime

/// Field offsets of the C structs in include/dlpk.h (LP64). The C test suite checks the
/// same numbers with offsetof, so the two sides cannot drift apart unnoticed.
enum CLayout {
    /// dlpk_tensor { void* data; size_t size; int32 dtype; int32 rank; int64 dims[8]; }
    enum Tensor {
        static let data = 0, size = 8, dtype = 16, rank = 20, dims = 24, stride = 88
    }
    /// dlpk_tensor_info { const char* name; int32 dtype; int32 rank; int64 dims[8]; }
    enum TensorInfo {
        static let name = 0, dtype = 8, rank = 12, dims = 16, stride = 80
    }
    /// dlpk_session_options { size_t size; int32 num_threads; int32 batch_size; }
    enum Options {
        static let size = 0, numThreads = 8, batchSize = 12, stride = 16
    }

    /// dlpk_preprocessing { float scale; int32 channel_axis; size_t mean_count; const float* mean;
    ///                      size_t std_count; const float* std; }
    enum Preprocessing {
        static let scale = 0, channelAxis = 4, meanCount = 8, mean = 16, stdCount = 24, std = 32, stride = 40
    }

    static func writePreprocessing(_ out: UnsafeMutableRawPointer, _ p: FloatArrays) {
        out.storeBytes(of: p.scale, toByteOffset: Preprocessing.scale, as: Float.self)
        out.storeBytes(of: p.channelAxis, toByteOffset: Preprocessing.channelAxis, as: Int32.self)
        out.storeBytes(of: p.meanCount, toByteOffset: Preprocessing.meanCount, as: Int.self)
        out.storeBytes(of: UnsafePointer(p.mean.baseAddress), toByteOffset: Preprocessing.mean, as: UnsafePointer<Float>?.self)
        out.storeBytes(of: p.stdCount, toByteOffset: Preprocessing.stdCount, as: Int.self)
        out.storeBytes(of: UnsafePointer(p.std.baseAddress), toByteOffset: Preprocessing.std, as: UnsafePointer<Float>?.self)
    }

    /// dlpk_model_options { size_t size; int32 verify_checksums; int32 dequantize_int8_weights; }
    enum ModelOptionsLayout {
        static let size = 0, verifyChecksums = 8, dequantizeInt8Weights = 12, stride = 16
    }

    /// The model options the caller passed (NULL: defaults), as (verify checksums, runtime options).
    static func readModelOptions(_ p: UnsafeRawPointer?) throws(DLError) -> (verify: Bool, options: ModelOptions) {
        var verify = true
        var options = ModelOptions()
        guard let p else { return (verify, options) }
        let size = p.load(fromByteOffset: ModelOptionsLayout.size, as: Int.self)
        guard size >= ModelOptionsLayout.verifyChecksums + 4 else {
            throw DLError(.invalidArgument, "dlpk_model_options.size is \(size): initialize the options with dlpk_model_options_init()")
        }
        verify = p.load(fromByteOffset: ModelOptionsLayout.verifyChecksums, as: Int32.self) != 0
        if size >= ModelOptionsLayout.dequantizeInt8Weights + 4 {
            options.dequantizeInt8Weights = p.load(fromByteOffset: ModelOptionsLayout.dequantizeInt8Weights, as: Int32.self) != 0
        }
        return (verify, options)
    }

    static func writeInfo(_ out: UnsafeMutableRawPointer, name: UnsafePointer<CChar>?, type: TensorType) {
        out.storeBytes(of: name, toByteOffset: TensorInfo.name, as: UnsafePointer<CChar>?.self)
        out.storeBytes(of: Int32(type.dtype.rawValue), toByteOffset: TensorInfo.dtype, as: Int32.self)
        writeShape(out, rankOffset: TensorInfo.rank, dimsOffset: TensorInfo.dims, shape: type.shape)
    }

    /// Fills an output dlpk_tensor's dtype, rank and dims.
    static func writeTensorType(_ out: UnsafeMutableRawPointer, type: TensorType) {
        out.storeBytes(of: Int32(type.dtype.rawValue), toByteOffset: Tensor.dtype, as: Int32.self)
        writeShape(out, rankOffset: Tensor.rank, dimsOffset: Tensor.dims, shape: type.shape)
    }

    static func writeShape(_ out: UnsafeMutableRawPointer, rankOffset: Int, dimsOffset: Int, shape: Shape) {
        out.storeBytes(of: Int32(shape.rank), toByteOffset: rankOffset, as: Int32.self)
        for d in 0..<Shape.maxRank {
            let v = d < shape.rank ? Int64(shape[d]) : 0
            out.storeBytes(of: v, toByteOffset: dimsOffset + 8 * d, as: Int64.self)
        }
    }

    /// The session options the caller passed (NULL: defaults); fields beyond the caller's
    /// `size` keep their defaults; 0 in a field means its default.
    static func readOptions(_ p: UnsafeRawPointer?) throws(DLError) -> SessionOptions {
        var options = SessionOptions()
        guard let p else { return options }
        let size = p.load(fromByteOffset: Options.size, as: Int.self)
        guard size >= Options.numThreads + 4 else {
            throw DLError(.invalidArgument, "dlpk_session_options.size is \(size): initialize the options with dlpk_session_options_init()")
        }
        let threads = p.load(fromByteOffset: Options.numThreads, as: Int32.self)
        if threads != 0 { options.threads = Int(threads) }
        if size >= Options.batchSize + 4 {
            let batch = p.load(fromByteOffset: Options.batchSize, as: Int32.self)
            if batch != 0 { options.batchSize = Int(batch) }
        }
        return options
    }
}
