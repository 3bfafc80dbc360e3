import Foundation
import Testing
import DLCore
@testable import DLTrain

/// Exports a trained classifier as fp32 and int8 .dlpk files, runs both in DLRuntime on
/// the test set, and checks the rules: fp32 gives the same outputs (within 1e-5 of the
/// outputs' scale: the runtime may sum in another order, e.g. other batch sizes or prepacked
/// weights, and logits of 10 or more then differ in the last bits), int8 loses at most one
/// point of accuracy.
func checkDeployment(_ model: Sequential, train: Dataset, test: Dataset, name: String) throws {
    let width = model.outputShape.reduce(1, *)
    let ours = try model.predict(Tensor(shape: [test.count] + test.sampleShape, data: test.features)).data
    let accuracy = Metrics.accuracy(predicted: Metrics.argmax(ours, width: width), labels: test.targets.labels!)
    let fp32 = ExportTests.temporaryPath("\(name)32.dlpk"), int8 = ExportTests.temporaryPath("\(name)8.dlpk")
    defer { unlink(fp32); unlink(int8) }
    try model.export(to: fp32)
    try model.export(to: int8, precision: .int8, calibration: train)
    let runtime32 = try ExportTests.runtimeOutputs(fp32, test)
    let runtime8 = try ExportTests.runtimeOutputs(int8, test)
    let accuracy8 = Metrics.accuracy(predicted: Metrics.argmax(runtime8, width: width), labels: test.targets.labels!)
    let scale = max(1, ours.map(abs).max() ?? 0)
    print("\(name): accuracy \(accuracy), int8 in libdlpk \(accuracy8), fp32 max |Δ| \(maxDifference(runtime32, ours)) (outputs up to \(scale))")
    #expect(maxDifference(runtime32, ours) <= 1e-5 * scale)
    #expect(accuracy8 >= accuracy - 0.01)
}
