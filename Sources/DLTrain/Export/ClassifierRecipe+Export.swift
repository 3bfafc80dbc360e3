import DLCore

extension ClassifierRecipe.Result {
    /// Writes the trained classifier with its input scaling and class labels in the metadata;
    /// int8 is calibrated on the training split.
    public func export(to path: String, precision: ExportPrecision = .float32, labels: [String] = []) throws(DLError) {
        try model.export(to: path, precision: precision, labels: labels, preprocessing: [scaler.metadata],
                         calibration: precision == .int8 ? train : nil)
    }
}
