/// Stochastic gradient descent, optionally with momentum (heavy ball or Nesterov):
/// v = μ·v + g;  w -= lr · (Nesterov ? g + μ·v : v).
public final class SGD: Optimizer {
    public var momentum: Float
    public var nesterov: Bool

    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0, clipping: GradientClipping? = nil) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(learningRate: learningRate, weightDecay: weightDecay, clipping: clipping)
    }

    public override var stateSlots: Int { momentum == 0 ? 0 : 1 }

    public override func update(_ w: inout [Float], gradient g: [Float], state: inout [[Float]], step: Int) {
        let lr = learningRate, mu = momentum, nesterov = nesterov
        if mu == 0 {
            w.withUnsafeMutableBufferPointer { w in for i in 0..<w.count { w[i] -= lr * g[i] } }
            return
        }
        var velocity = state[0]
        state = []
        velocity.withUnsafeMutableBufferPointer { vel in
            w.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count {
                    let v = mu * vel[i] + g[i]
                    vel[i] = v
                    w[i] -= lr * (nesterov ? g[i] + mu * v : v)
                }
            }
        }
        state = [velocity]
    }
}
