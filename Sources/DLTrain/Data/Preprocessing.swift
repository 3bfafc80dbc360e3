import DLCore

/// Per-feature scaling fitted on training data and applied to any split, recorded
/// in the exported model's metadata so deployment reproduces it:
/// x' = (x · scale − mean) / std.
public struct FeatureScaler: Sendable, Equatable {
    public var scale: Float
    /// Per feature (one entry per value of a sample).
    public var mean: [Float]
    public var std: [Float]
    /// When the statistics are per channel of [C, …] samples: C (the metadata then stores C values).
    public var channels: Int?

    public init(scale: Float, mean: [Float], std: [Float], channels: Int? = nil) {
        self.scale = scale
        self.mean = mean
        self.std = std
        self.channels = channels
    }

    /// Per-channel standardization of images [C, H, W] (the usual CNN input normalization):
    /// one mean and standard deviation per channel over all pixels of the training set.
    public static func perChannel(_ data: Dataset, scale: Float = 1) -> FeatureScaler {
        let c = data.sampleShape.first ?? 1, w = data.sampleWidth, plane = w / max(c, 1)
        var sum = [Double](repeating: 0, count: c), sq = sum
        for i in 0..<data.features.count {
            let v = Double(data.features[i] * scale), ch = (i % w) / plane
            sum[ch] += v
            sq[ch] += v * v
        }
        let n = Double(max(data.count * plane, 1))
        var mean = [Float](), std = [Float]()
        for ch in 0..<c {
            let m = sum[ch] / n, variance = sq[ch] / n - m * m
            mean += [Float](repeating: Float(m), count: plane)
            std += [Float](repeating: variance > 1e-12 ? Float(variance.squareRoot()) : 1, count: plane)
        }
        return FeatureScaler(scale: scale, mean: mean, std: std, channels: c)
    }

    /// Standardization: zero mean and unit variance per feature (constant features get std 1).
    public static func standardize(_ data: Dataset) -> FeatureScaler {
        let w = data.sampleWidth, n = max(data.count, 1)
        var mean = [Double](repeating: 0, count: w), sq = [Double](repeating: 0, count: w)
        for r in 0..<data.count {
            for j in 0..<w {
                let v = Double(data.features[r * w + j])
                mean[j] += v
                sq[j] += v * v
            }
        }
        var std = [Float](repeating: 1, count: w)
        for j in 0..<w {
            mean[j] /= Double(n)
            let variance = sq[j] / Double(n) - mean[j] * mean[j]
            if variance > 1e-12 { std[j] = Float(variance.squareRoot()) }
        }
        return FeatureScaler(scale: 1, mean: mean.map(Float.init), std: std)
    }

    /// Min-max scaling to [0, 1] per feature (constant features map to 0).
    public static func minMax(_ data: Dataset) -> FeatureScaler {
        let w = data.sampleWidth
        var lo = [Float](repeating: .infinity, count: w), hi = [Float](repeating: -.infinity, count: w)
        for r in 0..<data.count {
            for j in 0..<w {
                lo[j] = min(lo[j], data.features[r * w + j])
                hi[j] = max(hi[j], data.features[r * w + j])
            }
        }
        return FeatureScaler(scale: 1, mean: lo, std: zip(lo, hi).map { $1 > $0 ? $1 - $0 : 1 })
    }

    /// A fixed scale for every feature (pixels / 255, say).
    public static func scaling(by scale: Float, features: Int) -> FeatureScaler {
        FeatureScaler(scale: scale, mean: [Float](repeating: 0, count: features), std: [Float](repeating: 1, count: features))
    }

    public func apply(_ data: Dataset) -> Dataset {
        var d = data
        let w = mean.count
        d.features.withUnsafeMutableBufferPointer { f in
            for i in 0..<f.count { f[i] = (f[i] * scale - mean[i % w]) / std[i % w] }
        }
        return d
    }

    /// The scaling as model metadata (per feature, or one value when all features share it).
    public var metadata: Preprocessing {
        if let c = channels, c > 0, mean.count % c == 0 {
            let plane = mean.count / c
            return Preprocessing(input: 0, scale: scale, mean: (0..<c).map { mean[$0 * plane] },
                                 std: (0..<c).map { std[$0 * plane] }, channelAxis: 1)
        }
        let uniform = Set(mean).count <= 1 && Set(std).count <= 1
        return Preprocessing(input: 0, scale: scale, mean: uniform ? Array(mean.prefix(1)) : mean,
                             std: uniform ? Array(std.prefix(1)) : std, channelAxis: 1)
    }
}

/// Class indices -> one-hot rows.
public func oneHot(_ labels: [Int], classes: Int) throws(DLError) -> Tensor {
    var data = [Float](repeating: 0, count: labels.count * classes)
    for (i, l) in labels.enumerated() {
        guard l >= 0, l < classes else {
            throw DLError(.invalidData, "one-hot: label \(l) of sample \(i) is outside 0..<\(classes)")
        }
        data[i * classes + l] = 1
    }
    return Tensor(shape: [labels.count, classes], data: data)
}
