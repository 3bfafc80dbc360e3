import Foundation
import Testing
import DLCore
import DLFormat
import DLRuntime
@testable import DLTrain

/// Export to .dlpk, then run the file in DLRuntime: fp32 matches training's own outputs
/// within 1e-5, fp16 closely, and int8 agrees on the class for ≥ 99% of the test samples.
@Suite struct ExportTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dltrain-\(UInt32.random(in: 0...UInt32.max))-\(name)").path
    }

    /// Runs a .dlpk file on `data` through the runtime, `batch` samples at a time.
    static func runtimeOutputs(_ path: String, _ data: Dataset, batch: Int = 100) throws -> [Float] {
        let model = try DLRuntime.Model.open(path: path)
        let session = try Session(model: model)
        var out: [Float] = []
        for start in stride(from: 0, to: data.count, by: batch) {
            let rows = Array(start..<min(start + batch, data.count))
            let x = data.batch(rows: rows)
            out += try session.run([x.data], shapes: [Shape(x.shape)])[0]
        }
        return out
    }

    static func agreement(_ a: [Float], _ b: [Float], width: Int) -> Float {
        Metrics.accuracy(predicted: Metrics.argmax(a, width: width), labels: Metrics.argmax(b, width: width))
    }

    @Test func digitsMLPRunsTheSameInTheRuntime() throws {
        let (train, test) = try TestData.digits()
        let model = try Sequential(inputShape: [64], seed: 1, [
            Dense(64, 32, initializer: .heUniform), ReLU(), Dropout(0.1), Dense(32, 16), Tanh(), Dense(16, 10),
        ])
        _ = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: 3e-3), epochs: 5, seed: 2)
        let ours = try model.predict(Tensor(shape: [test.count, 64], data: test.features)).data
        let labels = (0..<10).map { "digit \($0)" }
        let scaling = FeatureScaler.scaling(by: 1 / 16, features: 64).metadata

        let fp32 = Self.temporaryPath("digits32.dlpk")
        defer { unlink(fp32) }
        try model.export(to: fp32, labels: labels, preprocessing: [scaling])
        let theirs = try Self.runtimeOutputs(fp32, test)
        #expect(maxDifference(theirs, ours) <= 1e-5)
        let file = try DLPKModel.open(path: fp32)
        #expect(file.metadata.labels == labels && file.metadata.preprocessing == [scaling])
        #expect(file.graph.nodes.contains { $0.op == .dense && $0.int("activation", default: 0) == 1 })

        let fp16 = Self.temporaryPath("digits16.dlpk")
        defer { unlink(fp16) }
        try model.export(to: fp16, precision: .float16)
        #expect(maxDifference(try Self.runtimeOutputs(fp16, test), ours) < 2e-2)

        let int8 = Self.temporaryPath("digits8.dlpk")
        defer { unlink(int8) }
        try model.export(to: int8, precision: .int8, calibration: train)
        let q = try Self.runtimeOutputs(int8, test)
        #expect(Self.agreement(q, ours, width: 10) >= 0.99)
        let qFile = try DLPKModel.open(path: int8)
        #expect(qFile.graph.tensors.contains { $0.dtype == .int8 && $0.kind == .constant && $0.quant?.axis == 0 })
    }

    @Test func convolutionalModelRunsTheSameInTheRuntime() throws {
        let (train, test) = try TestData.mnist()
        let model = try Sequential(inputShape: [1, 28, 28], seed: 3, [
            Conv2D(1, 4, kernel: (3, 3), padding: .same), ReLU(), MaxPool2D(),
            Conv2D(4, 8, kernel: (3, 3)), BatchNorm(8), ReLU(), AvgPool2D(),
            Flatten(), Dense(8 * 6 * 6, 10),
        ])
        let small = train.subset(Array(0..<600)), probe = test.subset(Array(stride(from: 0, to: 1000, by: 4)))
        _ = try model.fit(small, loss: .crossEntropy, optimizer: Adam(learningRate: 3e-3), epochs: 1, seed: 4)
        let ours = try model.predict(Tensor(shape: [probe.count, 1, 28, 28], data: probe.features)).data

        let fp32 = Self.temporaryPath("cnn32.dlpk")
        defer { unlink(fp32) }
        try model.export(to: fp32)
        #expect(maxDifference(try Self.runtimeOutputs(fp32, probe), ours) <= 1e-5)

        let int8 = Self.temporaryPath("cnn8.dlpk")
        defer { unlink(int8) }
        try model.export(to: int8, precision: .int8, calibration: small)
        #expect(Self.agreement(try Self.runtimeOutputs(int8, probe), ours, width: 10) >= 0.97)
    }

    @Test(arguments: ["lstm", "gru", "rnn"])
    func recurrentModelsRunTheSameInTheRuntime(_ kind: String) throws {
        let data = try SequenceTaskTests.markedSum(count: 64, seed: 5)
        let cell: any Layer = switch kind {
        case "lstm": LSTM(2, 6, output: .sequence)
        case "gru": GRU(2, 6, output: .sequence)
        default: SimpleRNN(2, 6, output: .sequence)
        }
        let model = try Sequential(inputShape: [12, 2], seed: 6, [cell, LayerNorm(6), Flatten(), Dense(72, 2)])
        for p in model.parameters where p.shape.count == 1 { p.data = p.data.map { $0 + 0.1 } }
        let ours = try model.predict(Tensor(shape: [data.count, 12, 2], data: data.features)).data
        let path = Self.temporaryPath("\(kind).dlpk")
        defer { unlink(path) }
        try model.export(to: path)
        #expect(maxDifference(try Self.runtimeOutputs(path, data, batch: 16), ours) <= 1e-5)

        // int8: W and R stored int8 per output row (weights only, widened at load), the rest as
        // for any int8 export; the runtime's outputs stay close to the float model's.
        let int8 = Self.temporaryPath("\(kind)8.dlpk")
        defer { unlink(int8) }
        try model.export(to: int8, precision: .int8, calibration: data)
        let file = try DLPKModel.open(path: int8)
        let recurrent = try #require(file.graph.nodes.first { [.lstm, .gru, .rnn].contains($0.op) })
        for w in recurrent.inputs[1...2] {
            #expect(file.graph.tensors[w].dtype == .int8 && file.graph.tensors[w].quant?.axis == 1)
        }
        let quantized = try Self.runtimeOutputs(int8, data, batch: 16)
        let scale = ours.map(abs).max() ?? 1
        #expect(maxDifference(quantized, ours) <= 0.05 * scale, "\(kind) int8")
    }

    @Test func recipeExportCarriesScalingAndLabels() throws {
        let data = try CSVLoader.classification(path: TestData.path("digits.csv"), classes: 10)
        let result = try ClassifierRecipe(hidden: [16], epochs: 2, seed: 1).train(data)
        let path = Self.temporaryPath("recipe.dlpk")
        defer { unlink(path) }
        let labels = (0..<10).map { "d\($0)" }
        try result.export(to: path, precision: .int8, labels: labels)
        let file = try DLPKModel.open(path: path)
        #expect(file.metadata.labels == labels && file.metadata.preprocessing == [result.scaler.metadata])
        #expect(file.metadata.preprocessing[0].mean.count == 64)
    }

    @Test func int8ExportNeedsCalibrationAndUnsupportedLayersSayWhich() throws {
        let model = try Sequential(inputShape: [4], [Dense(4, 2)])
        #expect(throws: DLError.self) { try model.exportModel(precision: .int8) }
        let embedding = try Sequential(inputShape: [3], [Embedding(10, 4), Flatten(), Dense(12, 2)])
        do {
            _ = try embedding.exportModel()
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("embedding"))
        }
    }
}
