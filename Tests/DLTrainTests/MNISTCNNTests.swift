import Testing
import DLCore
@testable import DLTrain

@Suite struct MNISTCNNTests {
    static func model(seed: UInt64) throws -> Sequential {
        try Sequential(inputShape: [1, 28, 28], seed: seed, [
            Conv2D(1, 8, kernel: (3, 3)), ReLU(), MaxPool2D(),
            Conv2D(8, 16, kernel: (3, 3)), ReLU(), MaxPool2D(),
            Flatten(), Dense(16 * 5 * 5, 10),
        ])
    }

    /// Slow in debug builds: runs when DLPACK_TRAIN_FULL=1 (CI: in release).
    @Test(.enabled(if: TestData.fullTraining))
    func cnnReaches95PercentOnMNIST5k() throws {
        let (train, test) = try TestData.mnist()
        let model = try Self.model(seed: 1)
        _ = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: 3e-3), epochs: 8, batchSize: 32,
                          callbacks: [LearningRateScheduler(.cosine(steps: 8 * 125))], seed: 2)
        let accuracy = try model.evaluate(test, loss: .crossEntropy, metrics: [.accuracy])["accuracy"]!
        print("MNIST-5k CNN test accuracy: \(accuracy)")
        #expect(accuracy >= 0.95)
        try checkDeployment(model, train: train, test: test, name: "mnist-cnn")
    }

    /// A short run that always executes: one epoch on 800 images must already beat chance by far.
    @Test func cnnLearnsOnASmallSubset() throws {
        let (train, test) = try TestData.mnist()
        let model = try Self.model(seed: 1)
        _ = try model.fit(train.subset(Array(0..<800)), loss: .crossEntropy, optimizer: Adam(learningRate: 3e-3),
                          epochs: 1, batchSize: 32, seed: 2)
        let accuracy = try model.evaluate(test.subset(Array(stride(from: 0, to: 1000, by: 5))), loss: .crossEntropy,
                                          metrics: [.accuracy])["accuracy"]!
        #expect(accuracy > 0.5)
    }
}
