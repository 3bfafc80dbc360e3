import DLCore
import Foundation

/// The values one hyperparameter may take.
public enum ParameterRange: Sendable {
    /// A list (grid search tries all; random search picks one).
    case choice([Double])
    /// Uniform in [low, high] (random search only).
    case uniform(Double, Double)
    /// Log-uniform in [low, high], for learning rates (random search only).
    case logUniform(Double, Double)
}

/// One configuration: named values in the order the search space lists them.
public struct Hyperparameters: Sendable, CustomStringConvertible {
    public var values: [(name: String, value: Double)]

    public subscript(name: String) -> Double {
        guard let v = values.first(where: { $0.name == name }) else {
            preconditionFailure("no hyperparameter named \(name)")
        }
        return v.value
    }

    public func int(_ name: String) -> Int { Int(self[name].rounded()) }

    public var description: String {
        values.map { "\($0.name)=\(Self.format($0.value))" }.joined(separator: " ")
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(format: "%.4g", v)
    }
}

/// How configurations are scored.
public enum Validation: Sendable {
    /// Hold out this fraction (stratified) once.
    case holdout(fraction: Double, seed: UInt64)
    /// k-fold cross-validation: the mean score over the folds.
    case kFold(k: Int, seed: UInt64)
}

/// Grid or random search over hyperparameters, scored on a validation split or k folds.
///
/// Concretely:
/// ```swift
/// let search = HyperparameterSearch(space: [("lr", .choice([1e-3, 3e-3])), ("hidden", .choice([32, 64]))],
///                                   metric: "accuracy")
/// let result = try search.grid(data, validation: .holdout(fraction: 0.2, seed: 1)) { h, train, val in
///     let model = try Sequential(inputShape: [64], seed: 1, [Dense(64, h.int("hidden")), ReLU(), Dense(h.int("hidden"), 10)])
///     _ = try model.fit(train, loss: .crossEntropy, optimizer: Adam(learningRate: Float(h["lr"])), epochs: 10)
///     return try model.evaluate(val, loss: .crossEntropy, metrics: [.accuracy])
/// }
/// print(result.table)
/// ```
public struct HyperparameterSearch: Sendable {
    public var space: [(name: String, range: ParameterRange)]
    /// The key of the evaluation logs to optimize ("accuracy", "loss", …).
    public var metric: String
    public var mode: MonitorMode

    public init(space: [(name: String, range: ParameterRange)], metric: String = "loss", mode: MonitorMode = .auto) {
        self.space = space
        self.metric = metric
        self.mode = mode
    }

    /// Trains and evaluates one configuration on (train, validation), returning evaluation logs.
    public typealias Trial = (Hyperparameters, Dataset, Dataset) throws(DLError) -> [String: Float]

    public struct Result: Sendable {
        public var metric: String
        public var trials: [(hyperparameters: Hyperparameters, score: Float)]
        public var bestIndex: Int
        public var best: Hyperparameters { trials[bestIndex].hyperparameters }
        public var bestScore: Float { trials[bestIndex].score }

        /// One row per trial, the best one marked.
        public var table: String {
            var lines = ["  #  " + (trials.first?.hyperparameters.values.map { $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() ?? "") + metric]
            for (i, t) in trials.enumerated() {
                let cells = t.hyperparameters.values.map { Hyperparameters.format($0.value).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined()
                lines.append((i == bestIndex ? "* " : "  ") + String(format: "%-3d", i + 1) + cells + String(format: "%.4f", t.score))
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Every combination of the `.choice` lists.
    public func grid(_ data: Dataset, validation: Validation, print printTable: Bool = false, _ trial: Trial) throws(DLError) -> Result {
        var configs: [[(String, Double)]] = [[]]
        for (name, range) in space {
            guard case .choice(let values) = range, !values.isEmpty else {
                throw DLError(.invalidArgument, "grid search: \(name) needs a non-empty .choice list")
            }
            configs = configs.flatMap { c in values.map { c + [(name, $0)] } }
        }
        return try run(configs.map { Hyperparameters(values: $0.map { (name: $0.0, value: $0.1) }) }, data, validation, printTable, trial)
    }

    /// `trials` configurations drawn at random (seeded) from the ranges.
    public func random(_ data: Dataset, trials: Int, seed: UInt64, validation: Validation, print printTable: Bool = false,
                       _ trial: Trial) throws(DLError) -> Result {
        var rng = SeededRandom(seed: seed)
        let configs = (0..<trials).map { _ in
            Hyperparameters(values: space.map { (name, range) in
                let u = Double(rng.nextUniform())
                switch range {
                case .choice(let values): return (name: name, value: values[rng.nextIndex(values.count)])
                case .uniform(let lo, let hi): return (name: name, value: lo + (hi - lo) * u)
                case .logUniform(let lo, let hi): return (name: name, value: Foundation.exp(Foundation.log(lo) + (Foundation.log(hi) - Foundation.log(lo)) * u))
                }
            })
        }
        return try run(configs, data, validation, printTable, trial)
    }

    private func run(_ configs: [Hyperparameters], _ data: Dataset, _ validation: Validation, _ printTable: Bool,
                     _ trial: Trial) throws(DLError) -> Result {
        guard !configs.isEmpty else { throw DLError(.invalidArgument, "hyperparameter search: no configurations") }
        let splits: [(train: Dataset, validation: Dataset)]
        switch validation {
        case .holdout(let fraction, let seed):
            let parts = try data.split([1 - fraction, fraction], seed: seed)
            splits = [(parts[0], parts[1])]
        case .kFold(let k, let seed):
            splits = try data.folds(k, seed: seed)
        }
        let higher = mode.higherIsBetter(metric)
        var trials: [(hyperparameters: Hyperparameters, score: Float)] = []
        for h in configs {
            var total: Float = 0
            for (train, val) in splits {
                let logs = try trial(h, train, val)
                guard let score = logs[metric] else {
                    throw DLError(.invalidArgument, "hyperparameter search: the trial returned no '\(metric)' (got \(logs.keys.sorted()))")
                }
                total += score
            }
            trials.append((h, total / Float(splits.count)))
        }
        let best = trials.indices.max { higher ? trials[$0].score < trials[$1].score : trials[$0].score > trials[$1].score }!
        let result = Result(metric: metric, trials: trials, bestIndex: best)
        if printTable { print(result.table) }
        return result
    }
}
