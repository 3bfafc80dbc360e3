import Testing
import DLCore
@testable import DLTrain

@Suite struct DigitsMLPTests {
    static func model(seed: UInt64) throws -> Sequential {
        try Sequential(inputShape: [64], seed: seed, [
            Dense(64, 128, initializer: .heUniform), ReLU(), Dropout(0.2),
            Dense(128, 64, initializer: .heUniform), ReLU(), Dropout(0.2),
            Dense(64, 10),
        ])
    }

    @Test func digitsSplitIsStratified() throws {
        let (train, test) = try TestData.digits()
        #expect(train.count + test.count == 1797)
        for c in 0..<10 {
            let total = (train.targets.labels! + test.targets.labels!).filter { $0 == c }.count
            let inTest = test.targets.labels!.filter { $0 == c }.count
            #expect(inTest == total - Int((0.75 * Double(total)).rounded()))
        }
    }

    @Test func mlpReaches97PercentOnDigits() throws {
        let (train, test) = try TestData.digits()
        let model = try Self.model(seed: 42)
        let history = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: 3e-3),
                                    epochs: 40, batchSize: 32, metrics: [.accuracy],
                                    callbacks: [LearningRateScheduler(.cosine(steps: 40 * 43))], seed: 7)
        let result = try model.evaluate(test, loss: .crossEntropy, metrics: [.accuracy])
        print("digits MLP: train loss \(history["loss"].last!), test accuracy \(result["accuracy"]!)")
        #expect(result["accuracy"]! >= 0.97)
        try checkDeployment(model, train: train, test: test, name: "digits")
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        let (train, _) = try TestData.digits()
        let small = train.subset(Array(0..<256))
        func run() throws -> [[Float]] {
            let m = try Self.model(seed: 3)
            _ = try m.fit(small, loss: .crossEntropy, optimizer: Adam(), epochs: 2, batchSize: 32, seed: 5)
            return m.parameters.map(\.data)
        }
        let a = try run(), b = try run()
        #expect(a.map { $0.map(\.bitPattern) } == b.map { $0.map(\.bitPattern) })
        let other = try Self.model(seed: 4).parameters.map(\.data)
        #expect(other != a)
    }
}
