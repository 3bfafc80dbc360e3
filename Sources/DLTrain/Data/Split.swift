import DLCore

extension Dataset {
    /// The samples in a seeded random order.
    public func shuffled(seed: UInt64) -> Dataset {
        var order = Array(0..<count)
        var rng = SeededRandom(seed: seed)
        rng.shuffle(&order)
        return subset(order)
    }

    /// Splits into parts with the given fractions (the last part takes the rest), keeping
    /// each class's share the same in every part (stratified) when targets are classes.
    /// The order within each part is shuffled with `seed`.
    public func split(_ fractions: [Double], stratified: Bool = true, seed: UInt64) throws(DLError) -> [Dataset] {
        guard !fractions.isEmpty, fractions.allSatisfy({ $0 > 0 }), fractions.reduce(0, +) <= 1.0 + 1e-9 else {
            throw DLError(.invalidArgument, "split fractions \(fractions) must be positive and sum to at most 1")
        }
        var rng = SeededRandom(seed: seed)
        var groups: [[Int]]
        if stratified, case .classes(let labels, let n) = targets {
            groups = [[Int]](repeating: [], count: n)
            for (i, l) in labels.enumerated() { groups[l].append(i) }
        } else {
            groups = [Array(0..<count)]
        }
        var parts = [[Int]](repeating: [], count: fractions.count + (fractions.reduce(0, +) < 1 - 1e-9 ? 1 : 0))
        for var g in groups {
            rng.shuffle(&g)
            var start = 0
            var cumulative = 0.0
            for p in 0..<parts.count {
                let end: Int
                if p == parts.count - 1 { end = g.count } else {
                    cumulative += fractions[p]
                    end = min(g.count, Int((cumulative * Double(g.count)).rounded()))
                }
                parts[p] += g[start..<end]
                start = end
            }
        }
        return parts.map { var rows = $0; rng.shuffle(&rows); return subset(rows) }
    }

    /// k folds for cross-validation: (train, validation) pairs, stratified by class.
    public func folds(_ k: Int, seed: UInt64) throws(DLError) -> [(train: Dataset, validation: Dataset)] {
        guard k >= 2, k <= count else { throw DLError(.invalidArgument, "k-fold: k = \(k) for \(count) samples") }
        let parts = try split([Double](repeating: 1 / Double(k), count: k - 1) + [1 / Double(k)], seed: seed)
        return (0..<k).map { i in
            let train = parts.indices.filter { $0 != i }.map { parts[$0] }
            return (Dataset.concatenate(train), parts[i])
        }
    }

    static func concatenate(_ parts: [Dataset]) -> Dataset {
        var first = parts[0]
        for p in parts.dropFirst() {
            first.features += p.features
            switch (first.targets, p.targets) {
            case (.classes(let a, let n), .classes(let b, _)): first.targets = .classes(a + b, count: n)
            case (.values(let a, let s), .values(let b, _)): first.targets = .values(a + b, shape: s)
            default: break
            }
        }
        return first
    }
}
