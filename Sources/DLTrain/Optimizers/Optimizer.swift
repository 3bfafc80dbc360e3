/// Updates parameters from their gradients. Subclasses implement only `update`,
/// the per-parameter rule; `step` applies weight decay and clipping the same way
/// for all of them, then clears the gradients.
open class Optimizer {
    /// The current learning rate (a schedule may change it every step).
    public var learningRate: Float
    /// L2 penalty added to the gradient (coupled; AdamW decouples it instead).
    public var weightDecay: Float
    public var clipping: GradientClipping?
    /// Steps taken so far.
    public private(set) var iterations = 0
    private var states: [ObjectIdentifier: [[Float]]] = [:]

    public init(learningRate: Float, weightDecay: Float = 0, clipping: GradientClipping? = nil) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.clipping = clipping
    }

    /// The number of per-parameter state slots (velocity, moments, …).
    open var stateSlots: Int { 0 }

    /// Updates `parameter` in place from `gradient`; `state` holds `stateSlots` arrays.
    open func update(_ parameter: inout [Float], gradient: [Float], state: inout [[Float]], step: Int) {
        fatalError("Optimizer subclasses implement update")
    }

    /// One update of every parameter that has a gradient, then the gradients are cleared.
    public func step(_ parameters: [Tensor]) {
        iterations += 1
        var grads = parameters.map { $0.grad ?? [] }
        if let clipping { clipping.apply(&grads) }
        for (p, var g) in zip(parameters, grads) where !g.isEmpty {
            if weightDecay != 0 && decaysThroughGradient {
                let decay = weightDecay, w = p.data
                for i in 0..<g.count { g[i] += decay * w[i] }
            }
            let id = ObjectIdentifier(p)
            var state = states.removeValue(forKey: id) ?? [[Float]](repeating: [Float](repeating: 0, count: p.count), count: stateSlots)
            update(&p.data, gradient: g, state: &state, step: iterations)
            states[id] = state
            p.grad = nil
        }
    }

    /// False for optimizers that apply weight decay to the weights directly (AdamW).
    open var decaysThroughGradient: Bool { true }

    /// Clears the gradients without updating (e.g. after an evaluation pass).
    public static func zeroGradients(_ parameters: [Tensor]) {
        for p in parameters { p.grad = nil }
    }
}

/// Limits gradients before an update.
public enum GradientClipping: Sendable {
    /// Rescales all gradients together so their global L2 norm is at most this.
    case norm(Float)
    /// Clamps each gradient element to ±this.
    case value(Float)

    func apply(_ grads: inout [[Float]]) {
        switch self {
        case .norm(let maxNorm):
            var sq: Double = 0
            for g in grads { for v in g { sq += Double(v) * Double(v) } }
            let norm = Float(sq.squareRoot())
            guard norm > maxNorm, norm > 0 else { return }
            let k = maxNorm / norm
            for i in grads.indices { for j in grads[i].indices { grads[i][j] *= k } }
        case .value(let limit):
            for i in grads.indices { for j in grads[i].indices { grads[i][j] = min(max(grads[i][j], -limit), limit) } }
        }
    }
}
