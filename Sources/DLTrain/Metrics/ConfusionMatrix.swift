import Foundation

/// Counts of (true class, predicted class) pairs, and the per-class and macro
/// precision, recall and F1 derived from them.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    /// counts[true][predicted]
    public private(set) var counts: [[Int]]

    public init(labels: [Int], predicted: [Int], classes: Int) {
        self.classes = classes
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (l, p) in zip(labels, predicted) where l >= 0 && l < classes && p >= 0 && p < classes {
            counts[l][p] += 1
        }
    }

    public func precision(_ c: Int) -> Float {
        let predicted = (0..<classes).reduce(0) { $0 + counts[$1][c] }
        return predicted == 0 ? 0 : Float(counts[c][c]) / Float(predicted)
    }

    public func recall(_ c: Int) -> Float {
        let actual = counts[c].reduce(0, +)
        return actual == 0 ? 0 : Float(counts[c][c]) / Float(actual)
    }

    public func f1(_ c: Int) -> Float {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    public var macroPrecision: Float { (0..<classes).reduce(0) { $0 + precision($1) } / Float(classes) }
    public var macroRecall: Float { (0..<classes).reduce(0) { $0 + recall($1) } / Float(classes) }
    public var macroF1: Float { (0..<classes).reduce(0) { $0 + f1($1) } / Float(classes) }

    /// A text table, rows = true class, columns = predicted class.
    public func rendered(labels names: [String]? = nil) -> String {
        let names = names ?? (0..<classes).map(String.init)
        let w = max(5, names.map(\.count).max() ?? 1, String(counts.joined().max() ?? 0).count + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var lines = [pad("") + " " + names.map(pad).joined()]
        for (i, row) in counts.enumerated() {
            lines.append(pad(names[i]) + " " + row.map { pad(String($0)) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
