import DLCore

/// A ready-made path from a labelled table to a trained MLP classifier, for tools such
/// as `dlpack train` that should not have to assemble layers, splits and callbacks.
///
/// Concretely:
/// ```swift
/// let data = try CSVLoader.classification(path: "digits.csv", classes: 10)
/// let result = try ClassifierRecipe(hidden: [128, 64], epochs: 40).train(data)
/// print(result.report)
/// ```
public struct ClassifierRecipe: Sendable {
    public enum Scaling: Sendable, Equatable {
        case none
        /// Zero mean, unit variance per feature (fitted on the training split).
        case standardize
        /// [0, 1] per feature (fitted on the training split).
        case minMax
        /// Every feature times this factor (pixels / 255, say).
        case multiply(Float)
    }

    public var hidden: [Int]
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var dropout: Float
    /// The share held out (stratified) for the test figures.
    public var testFraction: Double
    public var scaling: Scaling
    public var seed: UInt64

    public init(hidden: [Int] = [128, 64], epochs: Int = 30, batchSize: Int = 32, learningRate: Float = 3e-3,
                dropout: Float = 0.2, testFraction: Double = 0.25, scaling: Scaling = .standardize, seed: UInt64 = 0) {
        self.hidden = hidden
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.dropout = dropout
        self.testFraction = testFraction
        self.scaling = scaling
        self.seed = seed
    }

    public struct Result {
        public var model: Sequential
        public var scaler: FeatureScaler
        public var history: History
        /// The scaled training and test splits (the training split calibrates int8 export).
        public var train: Dataset
        public var test: Dataset
        public var testMetrics: [String: Float]
        public var confusion: ConfusionMatrix

        public var report: String {
            let metrics = testMetrics.keys.sorted().map { "\($0) \(String(format: "%.4f", testMetrics[$0]!))" }
            return (["test: " + metrics.joined(separator: ", "), "confusion matrix (rows: true class):",
                     confusion.rendered()]).joined(separator: "\n")
        }
    }

    /// Splits, scales, builds Dense-ReLU-Dropout blocks and a Dense head, trains with Adam and
    /// a cosine schedule, and evaluates on the held-out split.
    public func train(_ data: Dataset, progress: Bool? = nil) throws(DLError) -> Result {
        guard let classes = data.targets.classCount, data.sampleShape.count == 1 else {
            throw DLError(.invalidArgument, "ClassifierRecipe needs class labels and flat samples, got \(data.sampleShape)")
        }
        let parts = try data.split([1 - testFraction, testFraction], seed: seed)
        let scaler: FeatureScaler = switch scaling {
        case .none: .scaling(by: 1, features: data.sampleWidth)
        case .standardize: .standardize(parts[0])
        case .minMax: .minMax(parts[0])
        case .multiply(let k): .scaling(by: k, features: data.sampleWidth)
        }
        let train = scaler.apply(parts[0]), test = scaler.apply(parts[1])
        var layers: [any Layer] = []
        var width = data.sampleWidth
        for h in hidden {
            layers += [Dense(width, h, initializer: .heUniform), ReLU()]
            if dropout > 0 { layers.append(Dropout(dropout)) }
            width = h
        }
        layers.append(Dense(width, classes))
        let model = try Sequential(inputShape: data.sampleShape, seed: seed &+ 1, layers)
        let steps = epochs * ((train.count + batchSize - 1) / batchSize)
        let history = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: learningRate),
                                    epochs: epochs, batchSize: batchSize, metrics: [.accuracy],
                                    callbacks: [LearningRateScheduler(.cosine(steps: steps))],
                                    seed: seed &+ 2, progress: progress)
        let metrics = try model.evaluate(test, loss: .crossEntropy, metrics: [.accuracy, .precision, .recall, .f1])
        let confusion = ConfusionMatrix(labels: test.targets.labels!, predicted: try model.predictClasses(test), classes: classes)
        return Result(model: model, scaler: scaler, history: history, train: train, test: test,
                      testMetrics: metrics, confusion: confusion)
    }
}
