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
        // Locals, not properties, inside the loop: no exclusivity checks per element.
        let b1 = beta1, b2 = beta2, eps = epsilon, lr = learningRate
        let c1 = 1 - pow(b1, Float(step)), c2 = 1 - pow(b2, Float(step))
        let decay = decoupledWeightDecay ? weightDecay * learningRate : 0
        var m = state[0], v = state[1]
        state = []   // so the moments are uniquely referenced while updated
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                w.withUnsafeMutableBufferPointer { w in
                    g.withUnsafeBufferPointer { g in
                        for i in 0..<w.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps) + decay * w[i]
                        }
                    }
                }
            }
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
