import DLCore

/// Batch normalization over the channel axis (axis 1 of the batch; [C] or [C, H, W] per sample).
/// Training normalizes with batch statistics and updates running averages
/// (running = (1 − momentum)·running + momentum·batch, unbiased variance, as PyTorch);
/// inference uses the running statistics. Exported as OpCode.batchNorm.
public final class BatchNorm: Layer {
    public var name: String
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let scale: Tensor, bias: Tensor
    public let runningMean: Tensor, runningVariance: Tensor

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, name: String? = nil) {
        self.name = name ?? LayerNaming.next("batchnorm")
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        scale = Tensor(shape: [channels], data: [Float](repeating: 1, count: channels), requiresGrad: true)
        bias = Tensor(zeros: [channels], requiresGrad: true)
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(shape: [channels], data: [Float](repeating: 1, count: channels))
    }

    public var parameters: [Tensor] { [scale, bias] }
    public var buffers: [Tensor] { [runningMean, runningVariance] }

    public func resetParameters(using rng: inout SeededRandom) {
        scale.data = [Float](repeating: 1, count: channels)
        bias.data = [Float](repeating: 0, count: channels)
        runningMean.data = [Float](repeating: 0, count: channels)
        runningVariance.data = [Float](repeating: 1, count: channels)
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard let c = input.first, c == channels else {
            throw DLError(.shapeMismatch, "\(name) normalizes \(channels) channels (first per-sample axis), got \(input)")
        }
        return input
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training else {
            return x.batchNormInference(scale: scale, bias: bias, mean: runningMean.data,
                                        variance: runningVariance.data, epsilon: epsilon)
        }
        let (y, mean, variance) = x.batchNormTraining(scale: scale, bias: bias, epsilon: epsilon)
        for c in 0..<channels {
            runningMean.data[c] = (1 - momentum) * runningMean.data[c] + momentum * mean[c]
            runningVariance.data[c] = (1 - momentum) * runningVariance.data[c] + momentum * variance[c]
        }
        return y
    }
}

/// Layer normalization over the last axis of each sample, with learned scale and bias.
public final class LayerNorm: Layer {
    public var name: String
    public let size: Int
    public let epsilon: Float
    public let scale: Tensor, bias: Tensor

    public init(_ size: Int, epsilon: Float = 1e-5, name: String? = nil) {
        self.name = name ?? LayerNaming.next("layernorm")
        self.size = size
        self.epsilon = epsilon
        scale = Tensor(shape: [size], data: [Float](repeating: 1, count: size), requiresGrad: true)
        bias = Tensor(zeros: [size], requiresGrad: true)
    }

    public var parameters: [Tensor] { [scale, bias] }

    public func resetParameters(using rng: inout SeededRandom) {
        scale.data = [Float](repeating: 1, count: size)
        bias.data = [Float](repeating: 0, count: size)
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard input.last == size else {
            throw DLError(.shapeMismatch, "\(name) normalizes a last axis of \(size), got \(input)")
        }
        return input
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor { x.layerNorm(scale: scale, bias: bias, epsilon: epsilon) }
}
