import DLTrain

extension TrainBenchmark {
    /// The MNIST-5k CNN of issue 8: conv 8 3×3 + max-pool, conv 16 3×3 + max-pool, dense 10,
    /// on the per-class 400/100 split, pixels / 255.
    static func cnnSetups(dataDir: String) throws -> [Setup] {
        let all = try CSVLoader.classification(path: dataDir + "/mnist_5k.csv.gz", classes: 10)
        let scaled = try FeatureScaler.scaling(by: 1 / 255, features: 784).apply(all).reshaped([1, 28, 28])
        let train = (0..<10).flatMap { c in (500 * c)..<(500 * c + 400) }
        let test = (0..<10).flatMap { c in (500 * c + 400)..<(500 * c + 500) }
        return [Setup(name: "MNIST-5k CNN", model: "cnn", epochs: 8, batch: 32, learningRate: 3e-3,
                      train: scaled.subset(train).shuffled(seed: 1), test: scaled.subset(test)) {
            try Sequential(inputShape: [1, 28, 28], seed: 1, [
                Conv2D(1, 8, kernel: (3, 3)), ReLU(), MaxPool2D(),
                Conv2D(8, 16, kernel: (3, 3)), ReLU(), MaxPool2D(),
                Flatten(), Dense(16 * 5 * 5, 10),
            ])
        }]
    }
}
