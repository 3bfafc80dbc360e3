import Foundation
import Testing
@testable import DLTrain

@Suite struct LossTests {
    @Test(arguments: [LossReduction.mean, .sum])
    func lossesMatchFiniteDifferences(_ reduction: LossReduction) throws {
        let p = randomTensor([4, 3], seed: 20), t = randomTensor([4, 3], seed: 21)
        #expect(gradientError([p, t]) { meanSquaredError(p, t, reduction: reduction) } < 2e-3)
        // Keep |p - t| away from the kink at 0.
        let q = Tensor(shape: [4, 3], data: t.data.enumerated().map { $0.element + ($0.offset % 2 == 0 ? 0.3 : -0.3) }, requiresGrad: true)
        #expect(gradientError([q], h: 1e-3) { meanAbsoluteError(q, t.detached(), reduction: reduction) } < 2e-3)
        let probs = Tensor(shape: [4, 3], data: t.data.map { ($0 + 1) / 2 }, requiresGrad: true)
        #expect(gradientError([p, probs]) { binaryCrossEntropy(logits: p, targets: probs, reduction: reduction) } < 2e-3)
        let labels = [0, 2, 1, 2]
        #expect(gradientError([p]) { try! crossEntropy(logits: p, labels: labels, reduction: reduction) } < 2e-3)
        let soft = Tensor(shape: [4, 3], data: probs.data)
        #expect(gradientError([p]) { crossEntropy(logits: p, targets: soft, reduction: reduction) } < 2e-3)
    }

    @Test func unreducedLossesArePerSample() throws {
        let p = Tensor(shape: [2, 2], data: [1, 2, 3, 5]), t = Tensor(shape: [2, 2], data: [0, 0, 3, 3])
        #expect(meanSquaredError(p, t, reduction: .none).data == [2.5, 2])
        #expect(meanAbsoluteError(p, t, reduction: .none).data == [1.5, 1])
    }

    @Test func crossEntropyMatchesDirectFormula() throws {
        let z: [Float] = [1, 2, 3, -1, 0, 1]
        let loss = try crossEntropy(logits: Tensor(shape: [2, 3], data: z), labels: [2, 0], reduction: .none)
        let row0 = -log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)))
        let row1 = -log(exp(-1.0) / (exp(-1.0) + exp(0.0) + exp(1.0)))
        #expect(abs(Double(loss.data[0]) - row0) < 1e-5 && abs(Double(loss.data[1]) - row1) < 1e-5)
    }

    @Test func crossEntropyIsStableForHugeLogits() throws {
        let loss = try crossEntropy(logits: Tensor(shape: [1, 2], data: [1e4, -1e4]), labels: [1])
        #expect(abs(loss.scalar - 2e4) < 1)
        let bce = binaryCrossEntropy(logits: Tensor(shape: [2, 1], data: [500, -500]), targets: Tensor(shape: [2, 1], data: [0, 1]))
        #expect(abs(bce.scalar - 500) < 1e-2)
    }

    @Test func labelsOutsideTheClassesAreAnError() {
        #expect(throws: DLError.self) { try crossEntropy(logits: Tensor(zeros: [1, 3]), labels: [3]) }
        #expect(throws: DLError.self) { try Targets.labels([0, 10], classes: 10) }
    }
}

import DLCore
