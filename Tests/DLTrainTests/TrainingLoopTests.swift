import Foundation
import Testing
import DLCore
@testable import DLTrain

@Suite struct TrainingLoopTests {
    /// y = 2·x₀ − x₁ + noise-free, 200 samples.
    static func regression(count: Int = 200, seed: UInt64 = 1) throws -> Dataset {
        var rng = SeededRandom(seed: seed)
        var x: [Float] = []
        for _ in 0..<(2 * count) { x.append(2 * rng.nextUniform() - 1) }
        var y: [Float] = []
        for i in 0..<count { y.append(2 * x[2 * i] - x[2 * i + 1]) }
        return try Dataset(features: x, sampleShape: [2], targets: .values(y, shape: [1]))
    }

    @Test func layersThatDoNotFitAreReportedAtBuildNamingBoth() {
        do {
            _ = try Sequential(inputShape: [4], [Dense(4, 8, name: "hidden"), ReLU(), Dense(6, 2, name: "head")])
            Issue.record("expected a shape error")
        } catch {
            #expect(error.code == .shapeMismatch)
            #expect(error.message.contains("relu") && error.message.contains("head") && error.message.contains("[8]"))
        }
        #expect(throws: DLError.self) { try Sequential(inputShape: [3], [Dense(4, 2)]) }
    }

    @Test func nonFiniteDataStopsTrainingNamingEpochAndBatch() throws {
        var data = try Self.regression(count: 40)
        data.features[2 * 35] = .nan
        let model = try Sequential(inputShape: [2], seed: 1, [Dense(2, 1)])
        do {
            _ = try model.fit(data, loss: .meanSquaredError, optimizer: SGD(), epochs: 2, batchSize: 10, shuffle: false)
            Issue.record("expected a numerical error")
        } catch {
            #expect(error.code == .numericalError)
            #expect(error.message.contains("epoch 1, batch 4") && error.message.contains("sample 35"))
        }
    }

    @Test func nonFiniteLossStopsTrainingNamingEpochAndBatch() throws {
        let base = try Self.regression(count: 40)
        guard case .values(var y, let shape) = base.targets else { return }
        y[15] = .infinity
        let data = try Dataset(features: base.features, sampleShape: [2], targets: .values(y, shape: shape))
        let model = try Sequential(inputShape: [2], seed: 1, [Dense(2, 1)])
        do {
            _ = try model.fit(data, loss: .meanSquaredError, optimizer: SGD(), epochs: 2, batchSize: 10, shuffle: false)
            Issue.record("expected a numerical error")
        } catch {
            #expect(error.code == .numericalError && error.message.contains("epoch 1, batch 2"))
        }
    }

    @Test func fitLearnsALinearFunctionAndReportsRegressionMetrics() throws {
        let data = try Self.regression()
        let model = try Sequential(inputShape: [2], seed: 2, [Dense(2, 1)])
        let history = try model.fit(data, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1, momentum: 0.9),
                                    epochs: 30, batchSize: 20, metrics: [.r2, .meanAbsoluteError])
        #expect(history["loss"].last! < 1e-4)
        #expect(maxDifference(model.parameters[0].data, [2, -1]) < 1e-2)
        let logs = try model.evaluate(data, loss: .meanSquaredError, metrics: [.r2])
        #expect(logs["r2"]! > 0.999)
    }

    @Test func earlyStoppingRestoresTheBestWeights() throws {
        let (train, test) = try TestData.digits()
        let small = train.subset(Array(0..<300))
        let model = try Sequential(inputShape: [64], seed: 5, [Dense(64, 32), ReLU(), Dense(32, 10)])
        let stopper = EarlyStopping(monitor: "val_loss", patience: 2)
        // A large learning rate makes the validation loss bounce, so stopping happens early.
        let history = try model.fit(small, loss: .crossEntropy, optimizer: Adam(learningRate: 0.05), epochs: 40,
                                    batchSize: 16, validation: test, callbacks: [stopper])
        #expect(history.epochs.count < 40)
        #expect(stopper.bestEpoch == history.bestEpoch("val_loss"))
        let after = try model.evaluate(test, loss: .crossEntropy)
        #expect(abs(after["loss"]! - history["val_loss"].min()!) < 1e-5)
    }

    @Test func checkpointsAreWrittenAtomicallyAndReload() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dltrain-ckpt-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("best.weights").path
        let data = try Self.regression()
        let model = try Sequential(inputShape: [2], seed: 3, [Dense(2, 4), Tanh(), Dense(4, 1)])
        let checkpoint = ModelCheckpoint(path: path, monitor: "loss")
        _ = try model.fit(data, loss: .meanSquaredError, optimizer: Adam(learningRate: 0.01), epochs: 5, callbacks: [checkpoint])
        #expect(checkpoint.savedEpochs == [0, 1, 2, 3, 4])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["best.weights"])
        let copy = try Sequential(inputShape: [2], seed: 99, [Dense(2, 4), Tanh(), Dense(4, 1)])
        try WeightsFile.load(copy, from: path)
        let x = Tensor(shape: [3, 2], data: [0.1, 0.2, -0.5, 0.3, 0.9, -0.9])
        #expect(try copy.predict(x).data == model.predict(x).data)
        // A model of another shape is refused, naming the mismatch.
        let other = try Sequential(inputShape: [2], [Dense(2, 5), Dense(5, 1)])
        #expect(throws: DLError.self) { try WeightsFile.load(other, from: path) }
        // A checkpoint that cannot be written stops fit with the error.
        let bad = ModelCheckpoint(path: dir.appendingPathComponent("missing/dir/x.weights").path, monitor: "loss")
        #expect(throws: DLError.self) {
            try model.fit(data, loss: .meanSquaredError, optimizer: SGD(), epochs: 1, callbacks: [bad])
        }
        // A truncated file is an error, not a crash.
        let bytes = FileManager.default.contents(atPath: path)!
        #expect(FileManager.default.createFile(atPath: path, contents: bytes.prefix(bytes.count - 3)))
        #expect(throws: DLError.self) { try WeightsFile.load(copy, from: path) }
    }

    @Test func predictRejectsWrongSampleShapes() throws {
        let model = try Sequential(inputShape: [2], [Dense(2, 1)])
        #expect(throws: DLError.self) { try model.predict(Tensor(zeros: [3, 3])) }
        let data = try Dataset(features: [0, 0, 1], sampleShape: [3], targets: .values([0], shape: [1]))
        #expect(throws: DLError.self) { try model.fit(data, loss: .meanSquaredError, optimizer: SGD(), epochs: 1) }
    }
}

@Suite struct MetricTests {
    @Test func classificationMetricsFromAConfusionMatrix() {
        let labels = [0, 0, 0, 1, 1, 2]
        let predicted = [0, 1, 0, 1, 2, 2]
        let cm = ConfusionMatrix(labels: labels, predicted: predicted, classes: 3)
        #expect(cm.counts == [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        // precision per class: 2/2, 1/2, 1/2; recall: 2/3, 1/2, 1/1
        #expect(abs(cm.macroPrecision - (1 + 0.5 + 0.5) / 3) < 1e-6)
        #expect(abs(cm.macroRecall - (2.0 / 3 + 0.5 + 1) / 3) < 1e-6)
        let f1First: Float = 2 * (2.0 / 3) / (1 + 2.0 / 3)
        let f1Third: Float = 2 * 0.5 / 1.5
        #expect(abs(cm.macroF1 - (f1First + 0.5 + f1Third) / 3) < 1e-6)
        #expect(cm.rendered().contains("2"))
        #expect(Metrics.accuracy(predicted: predicted, labels: labels) == 4.0 / 6)
    }

    @Test func topKAndRegressionMetrics() {
        let scores: [Float] = [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]
        #expect(Metrics.topKAccuracy(scores: scores, width: 3, labels: [2, 2], k: 1) == 0)
        #expect(Metrics.topKAccuracy(scores: scores, width: 3, labels: [2, 2], k: 2) == 0.5)
        #expect(Metrics.meanSquaredError([1, 2, 3], [1, 2, 5]) == 4.0 / 3)
        #expect(Metrics.meanAbsoluteError([1, 2, 3], [1, 2, 5]) == 2.0 / 3)
        // t = [1, 2, 5], p = [1, 2, 3]: SS_res = 4, mean 8/3, SS_tot = 25/9 + 4/9 + 49/9 = 78/9.
        let r2: Double = 1 - 4 / (78.0 / 9)
        #expect(abs(Double(Metrics.r2([1, 2, 3], [1, 2, 5])) - r2) < 1e-6)
    }
}

@Suite struct SearchTests {
    @Test func gridSearchTriesEveryCombinationAndPicksTheBest() throws {
        let data = try TrainingLoopTests.regression(count: 120)
        let search = HyperparameterSearch(space: [("lr", .choice([0.001, 0.1])), ("momentum", .choice([0, 0.9]))],
                                          metric: "loss")
        let result = try search.grid(data, validation: .holdout(fraction: 0.25, seed: 1)) { h, train, val throws(DLError) in
            let model = try Sequential(inputShape: [2], seed: 1, [Dense(2, 1)])
            _ = try model.fit(train, loss: .meanSquaredError,
                              optimizer: SGD(learningRate: Float(h["lr"]), momentum: Float(h["momentum"])), epochs: 5, batchSize: 10)
            return try model.evaluate(val, loss: .meanSquaredError)
        }
        #expect(result.trials.count == 4)
        #expect(result.bestScore == result.trials.map(\.score).min())
        #expect(result.best["lr"] == 0.1)
        #expect(result.table.contains("* "))
    }

    @Test func randomSearchIsSeededAndKFoldAverages() throws {
        let data = try TrainingLoopTests.regression(count: 60)
        let search = HyperparameterSearch(space: [("lr", .logUniform(1e-3, 1e-1)), ("units", .choice([2, 4]))])
        var seen: [Int] = []
        let trial: HyperparameterSearch.Trial = { h, train, val throws(DLError) in
            seen.append(train.count)
            let model = try Sequential(inputShape: [2], seed: 1, [Dense(2, h.int("units")), Dense(h.int("units"), 1)])
            _ = try model.fit(train, loss: .meanSquaredError, optimizer: SGD(learningRate: Float(h["lr"])), epochs: 2)
            return try model.evaluate(val, loss: .meanSquaredError)
        }
        let a = try search.random(data, trials: 3, seed: 7, validation: .kFold(k: 3, seed: 1), trial)
        let b = try search.random(data, trials: 3, seed: 7, validation: .kFold(k: 3, seed: 1), trial)
        #expect(a.trials.map { $0.hyperparameters.description } == b.trials.map { $0.hyperparameters.description })
        #expect(a.trials.allSatisfy { $0.hyperparameters["lr"] >= 1e-3 && $0.hyperparameters["lr"] <= 1e-1 })
        #expect(seen.count == 18 && seen.allSatisfy { $0 == 40 })
    }
}
