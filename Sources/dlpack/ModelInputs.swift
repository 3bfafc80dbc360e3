import DLConvert
import DLCore
import DLTrain

/// Inputs for a one-input model read from a file, for `quantize --calibrate` and
/// `plot --model --data`.
///
/// - `.npy` (or a directory of them): the model's inputs as the graph takes them (already
///   preprocessed), samples along the first axis, as `convert --calibrate` reads them.
/// - `.csv`: raw rows as `dlpack train` reads them (a header row allowed), one sample per
///   row; a last column beyond the model's input width is the class label. The
///   preprocessing stored in the model (scale, mean, std) is applied, as at deployment.
struct ModelInputs {
    var data: CalibrationData
    /// Class labels from a CSV's extra last column.
    var labels: [Int]?

    static func load(path: String, graph: Graph, metadata: ModelMetadata) throws(DLError) -> ModelInputs {
        guard path.lowercased().hasSuffix(".csv") else {
            return ModelInputs(data: try CalibrationData.load(path: path, graph: graph), labels: nil)
        }
        guard graph.inputs.count == 1 else {
            throw DLError(.invalidArgument, "\(path): a CSV feeds a one-input model; this one has \(graph.inputs.count) inputs (give .npy files)")
        }
        let shape = graph.tensors[graph.inputs[0]].shape
        let sampleDims = Array(shape.dims.dropFirst())
        guard !sampleDims.contains(where: { $0 < 0 }) else {
            throw DLError(.invalidArgument, "\(path): the model's input \(shape) has dynamic dimensions beyond the batch (give a .npy file)")
        }
        let width = sampleDims.reduce(1, *)
        let table = try CSVLoader.read(path: path)
        guard table.rows > 0 else { throw DLError(.invalidData, "\(path) has no data rows") }
        guard table.width == width || table.width == width + 1 else {
            throw DLError(.shapeMismatch, "\(path) has \(table.width) columns, the model takes \(width) features (plus an optional label column)")
        }
        var features = [Float]()
        features.reserveCapacity(table.rows * width)
        var labels: [Int]? = table.width == width + 1 ? [] : nil
        for r in 0..<table.rows {
            let row = table.values[r * table.width ..< (r + 1) * table.width]
            features.append(contentsOf: row.prefix(width))
            if labels != nil {
                let label = row.last!
                guard label.isFinite, label.rounded() == label, label >= 0 else {
                    throw DLError(.invalidData, "\(path), row \(r + 1): label \(label) is not a class index")
                }
                labels!.append(Int(label))
            }
        }
        if let pre = metadata.preprocessing.first(where: { $0.input == 0 }) {
            try apply(pre, to: &features, sampleDims: sampleDims)
        }
        let tensor = HostTensor(name: graph.tensors[graph.inputs[0]].name, floats: features, dims: [table.rows] + sampleDims)
        return ModelInputs(data: CalibrationData(inputs: [tensor]), labels: labels)
    }

    /// x' = (x · scale − mean[c]) / std[c], c the index along the channel axis (1 = the first
    /// axis after the batch); one value applies to every element.
    static func apply(_ pre: Preprocessing, to values: inout [Float], sampleDims: [Int]) throws(DLError) {
        let axis = pre.channelAxis - 1
        guard axis >= 0, axis < max(sampleDims.count, 1) else {
            throw DLError(.invalidModel, "the model's preprocessing names channel axis \(pre.channelAxis) of an input with \(sampleDims.count + 1) axes")
        }
        let channels = sampleDims.isEmpty ? 1 : sampleDims[axis]
        let inner = sampleDims.dropFirst(axis + 1).reduce(1, *)
        for (what, count) in [("mean", pre.mean.count), ("std", pre.std.count)] where count > 1 && count != channels {
            throw DLError(.invalidModel, "the model's preprocessing has \(count) \(what) values for \(channels) channels")
        }
        for i in values.indices {
            let c = (i / inner) % channels
            let mean = pre.mean.isEmpty ? 0 : pre.mean[pre.mean.count == 1 ? 0 : c]
            let std = pre.std.isEmpty ? 1 : pre.std[pre.std.count == 1 ? 0 : c]
            values[i] = (values[i] * pre.scale - mean) / std
        }
    }
}
