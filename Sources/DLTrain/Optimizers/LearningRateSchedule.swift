import Foundation

/// The learning rate as a function of the optimizer step (0-based), given the base rate.
public indirect enum LearningRateSchedule: Sendable {
    case constant
    /// Multiplies by `factor` every `every` steps.
    case step(every: Int, factor: Float)
    /// Cosine decay from the base rate to `minimum` over `steps` steps, then `minimum`.
    case cosine(steps: Int, minimum: Float = 0)
    /// Linear warm-up from 0 over `steps`, then `then` (counted from the end of the warm-up).
    case warmup(steps: Int, then: LearningRateSchedule)

    public func rate(at step: Int, base: Float) -> Float {
        switch self {
        case .constant:
            return base
        case .step(let every, let factor):
            return base * pow(factor, Float(step / max(every, 1)))
        case .cosine(let steps, let minimum):
            let t = min(Float(step) / Float(max(steps, 1)), 1)
            return minimum + (base - minimum) * 0.5 * (1 + cos(Float.pi * t))
        case .warmup(let steps, let then):
            if step < steps { return base * Float(step + 1) / Float(steps) }
            return then.rate(at: step - steps, base: base)
        }
    }
}
