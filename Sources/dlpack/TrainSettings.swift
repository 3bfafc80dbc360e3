import DLCore
import DLTrain
import Foundation

/// What `dlpack train` trains: from its options, from a JSON or YAML file (--config), or both
/// (an option given on the command line wins over the file). JSON, for example:
///
///     {"layers": ["dense:128", "relu", "dropout:0.2", "dense:10"], "optimizer": "adam",
///      "epochs": 30, "batchSize": 64, "learningRate": 0.002, "scaling": "standardize",
///      "testFraction": 0.2, "seed": 1, "labels": ["zero", "one", ...]}
///
/// `layers` may also be one comma-separated string as on the command line. The same in YAML
/// (the subset MiniYAML reads):
///
///     layers: [dense:128, relu, dropout:0.2, dense:10]
///     optimizer: adam
///     epochs: 30
struct TrainConfig: Decodable {
    var layers: [String]?
    var optimizer: String?
    var epochs: Int?
    var batchSize: Int?
    var learningRate: Float?
    var scaling: String?
    var testFraction: Double?
    var seed: UInt64?
    var labels: [String]?

    private enum CodingKeys: String, CodingKey {
        case layers, optimizer, epochs, batchSize, learningRate, scaling, testFraction, seed, labels
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let list = try? c.decodeIfPresent([String].self, forKey: .layers) {
            layers = list
        } else if let text = try c.decodeIfPresent(String.self, forKey: .layers) {
            layers = text.split(separator: ",").map(String.init)
        }
        optimizer = try c.decodeIfPresent(String.self, forKey: .optimizer)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize)
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate)
        scaling = try c.decodeIfPresent(String.self, forKey: .scaling)
        testFraction = try c.decodeIfPresent(Double.self, forKey: .testFraction)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        labels = try c.decodeIfPresent([String].self, forKey: .labels)
    }

    static func read(path: String) throws(DLError) -> TrainConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw DLError(.fileNotFound, "\(path): no such file") }
        do {
            let isYAML = path.lowercased().hasSuffix(".yaml") || path.lowercased().hasSuffix(".yml")
            let object = isYAML ? try MiniYAML.parse(String(decoding: data, as: UTF8.self), name: path)
                : try JSONSerialization.jsonObject(with: data)
            // Unknown keys are refused: a misspelt "learning_rate" must not silently fall back to the default.
            guard let keys = (object as? [String: Any]).map({ Set($0.keys) }) else {
                throw DLError(.invalidData, "\(path): the model description must be an object of keys (layers, epochs, ...)")
            }
            let unknown = keys.subtracting(["layers", "optimizer", "epochs", "batchSize", "learningRate", "scaling", "testFraction", "seed", "labels"])
            guard unknown.isEmpty else {
                throw DLError(.invalidData, "\(path): unknown key(s) \(unknown.sorted().joined(separator: ", ")) "
                              + "(known: layers, optimizer, epochs, batchSize, learningRate, scaling, testFraction, seed, labels)")
            }
            return try JSONDecoder().decode(TrainConfig.self, from: isYAML ? JSONSerialization.data(withJSONObject: object) : data)
        } catch let error as DLError {
            throw error
        } catch {
            throw DLError(.invalidData, "\(path) is not a model description: \(HistoryFile.reason(error))")
        }
    }
}

/// The settings `dlpack train` runs with, checked. The checks give a message without the
/// source; the caller says whether it was the command line or the file.
struct TrainSettings {
    var hidden: [Int]
    var dropout: Float
    var classes: Int
    var epochs: Int
    var batchSize: Int
    var learningRate: Float
    var scaling: ClassifierRecipe.Scaling
    var testFraction: Double
    var seed: UInt64
    var labels: [String]?

    struct Problem: Error {
        var message: String
    }

    static let defaultLayers = "dense:128,relu,dense:64,relu,dense:10"

    /// dense:N, relu and dropout:P in order, ending with dense:CLASSES.
    static func layers(_ items: [String]) throws(Problem) -> (hidden: [Int], dropout: Float, classes: Int) {
        var dense: [Int] = []
        var dropout: Float = 0
        let items = items.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for (i, item) in items.enumerated() {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            switch parts.first ?? "" {
            case "dense":
                guard parts.count == 2, let n = Int(parts[1]), n > 0 else { throw Problem(message: "layers: '\(item)' needs a positive width, as in dense:64") }
                dense.append(n)
            case "relu":
                guard i > 0, items[i - 1].hasPrefix("dense"), i + 1 < items.count else {
                    throw Problem(message: "layers: relu must follow a hidden dense layer")
                }
            case "dropout":
                guard parts.count == 2, let p = Float(parts[1]), (0..<1).contains(p) else {
                    throw Problem(message: "layers: '\(item)' needs a rate in [0, 1), as in dropout:0.2")
                }
                dropout = p
            default:
                throw Problem(message: "layers: unknown layer '\(item)' (this recipe builds dense:N, relu and dropout:P)")
            }
        }
        guard let classes = dense.last, classes >= 2, items.last?.hasPrefix("dense") == true else {
            throw Problem(message: "layers must end with the output layer dense:CLASSES (at least 2 classes)")
        }
        return (Array(dense.dropLast()), dropout, classes)
    }

    static func scaling(_ text: String) throws(Problem) -> ClassifierRecipe.Scaling {
        switch text {
        case "standardize": return .standardize
        case "minmax": return .minMax
        case "none": return .none
        default:
            guard let k = Float(text), k.isFinite, k != 0 else {
                throw Problem(message: "scaling must be standardize, minmax, none or a non-zero factor")
            }
            return .multiply(k)
        }
    }

    static func check(epochs: Int?, batchSize: Int?, learningRate: Float?, testFraction: Double?, optimizer: String?) throws(Problem) {
        if let epochs, epochs < 1 { throw Problem(message: "epochs must be at least 1") }
        if let batchSize, batchSize < 1 { throw Problem(message: "batch size must be at least 1") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw Problem(message: "the learning rate must be positive") }
        if let testFraction, !(0 < testFraction && testFraction < 1) { throw Problem(message: "the test fraction must be between 0 and 1") }
        if let optimizer, optimizer.lowercased() != "adam" {
            throw Problem(message: "optimizer '\(optimizer)': this recipe trains with adam (cosine-decayed learning rate)")
        }
    }
}
