/// Sets the optimizer's learning rate before every batch from a schedule over steps.
public final class LearningRateScheduler: Callback {
    public let schedule: LearningRateSchedule
    private var base: Float?

    public init(_ schedule: LearningRateSchedule) { self.schedule = schedule }

    public func trainingWillBegin(_ state: TrainingState) {
        if base == nil { base = state.optimizer.learningRate }
    }

    public func batchWillBegin(_ batch: Int, _ state: TrainingState) {
        let step = state.epoch * state.batchesPerEpoch + batch
        state.optimizer.learningRate = schedule.rate(at: step, base: base ?? state.optimizer.learningRate)
    }
}
