/// A quality measure reported by `fit` and `evaluate`, computed over a whole epoch or data set.
public enum Metric: Sendable, Hashable {
    case accuracy
    /// The label is among the k highest scores.
    case topK(Int)
    /// Macro-averaged over classes.
    case precision, recall, f1
    case meanSquaredError, meanAbsoluteError
    /// Coefficient of determination.
    case r2

    public var name: String {
        switch self {
        case .accuracy: return "accuracy"
        case .topK(let k): return "top\(k)"
        case .precision: return "precision"
        case .recall: return "recall"
        case .f1: return "f1"
        case .meanSquaredError: return "mse"
        case .meanAbsoluteError: return "mae"
        case .r2: return "r2"
        }
    }

    /// The metric for model outputs (`width` values per sample) against targets.
    public func compute(outputs: [Float], width: Int, targets: Targets) -> Float {
        switch (self, targets) {
        case (.accuracy, .classes(let labels, _)):
            return Metrics.accuracy(predicted: Metrics.argmax(outputs, width: width), labels: labels)
        case (.topK(let k), .classes(let labels, _)):
            return Metrics.topKAccuracy(scores: outputs, width: width, labels: labels, k: k)
        case (.precision, .classes(let labels, let n)):
            return ConfusionMatrix(labels: labels, predicted: Metrics.argmax(outputs, width: width), classes: n).macroPrecision
        case (.recall, .classes(let labels, let n)):
            return ConfusionMatrix(labels: labels, predicted: Metrics.argmax(outputs, width: width), classes: n).macroRecall
        case (.f1, .classes(let labels, let n)):
            return ConfusionMatrix(labels: labels, predicted: Metrics.argmax(outputs, width: width), classes: n).macroF1
        case (.meanSquaredError, .values(let t, _)): return Metrics.meanSquaredError(outputs, t)
        case (.meanAbsoluteError, .values(let t, _)): return Metrics.meanAbsoluteError(outputs, t)
        case (.r2, .values(let t, _)): return Metrics.r2(outputs, t)
        case (.accuracy, .values(let t, _)):
            // Binary outputs (logits) against 0/1 targets.
            var hits = 0
            for i in 0..<t.count where (outputs[i] > 0) == (t[i] > 0.5) { hits += 1 }
            return Float(hits) / Float(max(t.count, 1))
        default:
            return .nan
        }
    }
}

/// The metric formulas, as plain functions over arrays.
public enum Metrics {
    /// The index of the largest value of each row (ties: the first).
    public static func argmax(_ values: [Float], width: Int) -> [Int] {
        (0..<(values.count / max(width, 1))).map { r in
            var best = 0
            for j in 1..<max(width, 1) where values[r * width + j] > values[r * width + best] { best = j }
            return best
        }
    }

    public static func accuracy(predicted: [Int], labels: [Int]) -> Float {
        var hits = 0
        for (p, l) in zip(predicted, labels) where p == l { hits += 1 }
        return Float(hits) / Float(max(labels.count, 1))
    }

    public static func topKAccuracy(scores: [Float], width: Int, labels: [Int], k: Int) -> Float {
        var hits = 0
        for (r, l) in labels.enumerated() {
            let target = scores[r * width + l]
            var higher = 0
            for j in 0..<width where scores[r * width + j] > target { higher += 1 }
            if higher < k { hits += 1 }
        }
        return Float(hits) / Float(max(labels.count, 1))
    }

    public static func meanSquaredError(_ p: [Float], _ t: [Float]) -> Float {
        var s: Double = 0
        for i in 0..<t.count { s += Double(p[i] - t[i]) * Double(p[i] - t[i]) }
        return Float(s / Double(max(t.count, 1)))
    }

    public static func meanAbsoluteError(_ p: [Float], _ t: [Float]) -> Float {
        var s: Double = 0
        for i in 0..<t.count { s += Double(Swift.abs(p[i] - t[i])) }
        return Float(s / Double(max(t.count, 1)))
    }

    /// 1 − SS_res / SS_tot.
    public static func r2(_ p: [Float], _ t: [Float]) -> Float {
        let mean = t.reduce(0.0) { $0 + Double($1) } / Double(max(t.count, 1))
        var res: Double = 0, tot: Double = 0
        for i in 0..<t.count {
            res += Double(p[i] - t[i]) * Double(p[i] - t[i])
            tot += (Double(t[i]) - mean) * (Double(t[i]) - mean)
        }
        return tot == 0 ? 0 : Float(1 - res / tot)
    }
}
