/// RMSProp: s = ρ·s + (1 − ρ)·g²;  w -= lr · g / (√s + ε).
public final class RMSProp: Optimizer {
    public var rho: Float
    public var epsilon: Float

    public init(learningRate: Float = 0.001, rho: Float = 0.9, epsilon: Float = 1e-7,
                weightDecay: Float = 0, clipping: GradientClipping? = nil) {
        self.rho = rho
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay, clipping: clipping)
    }

    public override var stateSlots: Int { 1 }

    public override func update(_ w: inout [Float], gradient g: [Float], state: inout [[Float]], step: Int) {
        let lr = learningRate, rho = rho, eps = epsilon
        var square = state[0]
        state = []
        square.withUnsafeMutableBufferPointer { s in
            w.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count {
                    s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                    w[i] -= lr * g[i] / (s[i].squareRoot() + eps)
                }
            }
        }
        state = [square]
    }
}
