import Testing
import DLCore
@testable import DLTrain

/// A synthetic sequence task that needs memory: 12 steps of 2 features (a value in [-1, 1]
/// and a marker that is 1 on exactly two steps); the class is whether the sum of the two
/// marked values is positive (the "adding problem" as classification).
@Suite struct SequenceTaskTests {
    static func markedSum(count: Int, steps: Int = 12, seed: UInt64) throws -> Dataset {
        var rng = SeededRandom(seed: seed)
        var x: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let a = rng.nextIndex(steps)
            var b = rng.nextIndex(steps - 1)
            if b >= a { b += 1 }
            var sum: Float = 0
            for t in 0..<steps {
                let v = 2 * rng.nextUniform() - 1
                let marked = t == a || t == b
                if marked { sum += v }
                x += [v, marked ? 1 : 0]
            }
            labels.append(sum > 0 ? 1 : 0)
        }
        return try Dataset(features: x, sampleShape: [steps, 2], targets: .labels(labels, classes: 2))
    }

    @Test(arguments: ["lstm", "gru"])
    func recurrentModelLearnsTheMarkedSum(_ kind: String) throws {
        let train = try Self.markedSum(count: 2000, seed: 1), test = try Self.markedSum(count: 500, seed: 2)
        let cell: any Layer = kind == "lstm" ? LSTM(2, 16) : GRU(2, 16)
        let model = try Sequential(inputShape: [12, 2], seed: 3, [cell, Dense(16, 2)])
        _ = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: 1e-2), epochs: 12, batchSize: 32, seed: 4)
        let acc = try model.evaluate(test, loss: .crossEntropy, metrics: [.accuracy])["accuracy"]!
        print("\(kind) marked-sum accuracy: \(acc)")
        #expect(acc >= 0.95)
        try checkDeployment(model, train: train, test: test, name: kind)
    }
}
