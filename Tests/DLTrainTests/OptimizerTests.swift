import Foundation
import Testing
@testable import DLTrain

/// Three steps on f(w) = Σ c·w², c = [1, 2, 3], w₀ = [1, −2, 3]; expected weights from
/// PyTorch 2.13 (torch.optim with the same settings; /tmp script in the PR notes).
@Suite struct OptimizerTests {
    nonisolated(unsafe) static let cases: [(String, () -> Optimizer, [Float])] = [
        ("sgd", { SGD(learningRate: 0.1) }, [0.512, -0.432, 0.192]),
        ("momentum", { SGD(learningRate: 0.1, momentum: 0.9) }, [0.062, 1.0799999, -2.5619998]),
        ("nesterov", { SGD(learningRate: 0.1, momentum: 0.9, nesterov: true) }, [-0.108352, 0.8665919, -0.9121919]),
        ("sgd + weight decay", { SGD(learningRate: 0.1, weightDecay: 0.5) }, [0.421875, -0.33275, 0.128625]),
        ("adam", { Adam(learningRate: 0.1) }, [0.7015863, -1.7006234, 2.7003815]),
        ("adam + L2", { Adam(learningRate: 0.1, weightDecay: 0.5) }, [0.7015862, -1.7006234, 2.7003815]),
        ("adamw", { AdamW(learningRate: 0.1, weightDecay: 0.5) }, [0.5749739, -1.4310251, 2.2880518]),
        ("rmsprop", { RMSProp(learningRate: 0.01, rho: 0.9, epsilon: 1e-7) }, [0.9270531, -1.9266337, 2.9264965]),
    ]

    @Test(arguments: 0..<8)
    func threeStepsMatchPyTorch(_ index: Int) {
        let (name, make, expected) = Self.cases[index]
        let optimizer = make()
        let w = Tensor(shape: [3], data: [1, -2, 3], requiresGrad: true)
        let c = Tensor(shape: [3], data: [1, 2, 3])
        for _ in 0..<3 {
            (c * w * w).sum().backward()
            optimizer.step([w])
        }
        #expect(maxDifference(w.data, expected) < 1e-5, "\(name): \(w.data) vs \(expected)")
    }

    @Test func clippingByNormRescalesAllGradientsTogether() {
        var grads: [[Float]] = [[3, 0], [4]]
        GradientClipping.norm(1).apply(&grads)
        #expect(maxDifference(grads[0] + grads[1], [0.6, 0, 0.8]) < 1e-6)
        var small: [[Float]] = [[0.3], [0.4]]
        GradientClipping.norm(1).apply(&small)
        #expect(small == [[0.3], [0.4]])
        var values: [[Float]] = [[-5, 0.5, 2]]
        GradientClipping.value(1).apply(&values)
        #expect(values == [[-1, 0.5, 1]])
    }

    @Test func schedulesFollowTheirFormulas() {
        #expect(LearningRateSchedule.step(every: 10, factor: 0.5).rate(at: 25, base: 1) == 0.25)
        let cosine = LearningRateSchedule.cosine(steps: 100, minimum: 0.1)
        #expect(abs(cosine.rate(at: 0, base: 1) - 1) < 1e-6)
        #expect(abs(cosine.rate(at: 50, base: 1) - 0.55) < 1e-6)
        #expect(abs(cosine.rate(at: 100, base: 1) - 0.1) < 1e-6)
        #expect(abs(cosine.rate(at: 500, base: 1) - 0.1) < 1e-6)
        let warm = LearningRateSchedule.warmup(steps: 4, then: .constant)
        #expect([0, 1, 2, 3, 4, 9].map { warm.rate(at: $0, base: 2) } == [0.5, 1, 1.5, 2, 2, 2])
    }

    @Test func schedulerCallbackDrivesTheOptimizerDuringFit() throws {
        let data = try Dataset(features: (0..<40).map { Float($0) / 40 }, sampleShape: [1],
                               targets: .values((0..<40).map { Float($0) / 20 }, shape: [1]))
        let model = try Sequential(inputShape: [1], seed: 1, [Dense(1, 1)])
        let optimizer = SGD(learningRate: 0.1)
        let history = try model.fit(data, loss: .meanSquaredError, optimizer: optimizer, epochs: 3, batchSize: 10,
                                    callbacks: [LearningRateScheduler(.step(every: 4, factor: 0.1))])
        // 4 batches per epoch: the last batch of epoch e is step 4e + 3.
        #expect(maxDifference(history["lr"], [0.1, 0.01, 0.001]) < 1e-7)
    }
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
