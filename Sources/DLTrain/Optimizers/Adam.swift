import Foundation

/// Adam (Kingma & Ba) with bias correction; `decoupledWeightDecay` makes it AdamW
/// (Loshchilov & Hutter): the decay shrinks the weights directly instead of entering the moments.
public class Adam: Optimizer {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public let decoupledWeightDecay: Bool

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false, clipping: GradientClipping? = nil) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(learningRate: learningRate, weightDecay: weightDecay, clipping: clipping)
    }

    public override var stateSlots: Int { 2 }
    public override var decaysThroughGradient: Bool { !decoupledWeightDecay }

    public override func update(_ w: inout [Float], gradient g: [Float], state: inout [[Float]], step: Int) {
        let c1 = 1 - pow(beta1, Float(step)), c2 = 1 - pow(beta2, Float(step))
        let lr = learningRate, decay = decoupledWeightDecay ? weightDecay * learningRate : 0
        var m = state[0], v = state[1]
        state = []   // so the moments are uniquely referenced while updated
        for i in 0..<w.count {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            let mHat = m[i] / c1, vHat = v[i] / c2
            w[i] -= lr * mHat / (vHat.squareRoot() + epsilon) + decay * w[i]
        }
        state = [m, v]
    }
}

/// AdamW: Adam with decoupled weight decay (default 0.01).
public final class AdamW: Adam {
    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0.01, clipping: GradientClipping? = nil) {
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, decoupledWeightDecay: true, clipping: clipping)
    }
}
