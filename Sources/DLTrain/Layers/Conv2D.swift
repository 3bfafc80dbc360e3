import DLCore

/// 2-D convolution over channels-first images: [C, H, W] -> [filters, H', W'] per sample.
/// Weight [filters, C, kH, kW] (OpCode.conv2d layout), He-initialized by default.
public final class Conv2D: Layer {
    public enum Padding: Sendable, Equatable {
        /// No padding: the output shrinks by kernel − 1.
        case valid
        /// Zero padding that keeps H and W at stride 1 (extra row/column at the bottom/right).
        case same
        /// Explicit (top, left, bottom, right).
        case explicit(Int, Int, Int, Int)
    }

    public var name: String
    public let inChannels: Int, filters: Int
    public let kernel: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let weight: Tensor
    public let bias: Tensor?
    public let weightInitializer: Initializer

    public init(_ inChannels: Int, _ filters: Int, kernel: (Int, Int), strides: (Int, Int) = (1, 1),
                padding: Padding = .valid, useBias: Bool = true, initializer: Initializer = .heUniform,
                seed: UInt64 = 0, name: String? = nil) {
        self.name = name ?? LayerNaming.next("conv2d")
        self.inChannels = inChannels
        self.filters = filters
        self.kernel = kernel
        self.strides = strides
        self.padding = padding
        self.weightInitializer = initializer
        weight = Tensor(zeros: [filters, inChannels, kernel.0, kernel.1], requiresGrad: true)
        bias = useBias ? Tensor(zeros: [filters], requiresGrad: true) : nil
        var rng = SeededRandom(seed: seed)
        resetParameters(using: &rng)
    }

    public var parameters: [Tensor] { bias.map { [weight, $0] } ?? [weight] }

    public func resetParameters(using rng: inout SeededRandom) {
        let fanIn = inChannels * kernel.0 * kernel.1, fanOut = filters * kernel.0 * kernel.1
        weight.data = weightInitializer.values(count: weight.count, fanIn: fanIn, fanOut: fanOut, using: &rng)
        if let bias { bias.data = [Float](repeating: 0, count: filters) }
    }

    /// (top, left, bottom, right) for an input of height h and width w.
    func pads(height h: Int, width w: Int) -> (Int, Int, Int, Int) {
        switch padding {
        case .valid: return (0, 0, 0, 0)
        case .explicit(let t, let l, let b, let r): return (t, l, b, r)
        case .same:
            func split(_ size: Int, _ k: Int, _ s: Int) -> (Int, Int) {
                let out = (size + s - 1) / s
                let total = max((out - 1) * s + k - size, 0)
                return (total / 2, total - total / 2)
            }
            let (t, b) = split(h, kernel.0, strides.0), (l, r) = split(w, kernel.1, strides.1)
            return (t, l, b, r)
        }
    }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard input.count == 3, input[0] == inChannels else {
            throw DLError(.shapeMismatch, "\(name) expects per-sample shape [\(inChannels), height, width], got \(input)")
        }
        let p = pads(height: input[1], width: input[2])
        let oh = (input[1] + p.0 + p.2 - kernel.0) / strides.0 + 1
        let ow = (input[2] + p.1 + p.3 - kernel.1) / strides.1 + 1
        guard input[1] + p.0 + p.2 >= kernel.0, input[2] + p.1 + p.3 >= kernel.1 else {
            throw DLError(.shapeMismatch, "\(name): a \(kernel.0)×\(kernel.1) kernel does not fit a \(input[1])×\(input[2]) input")
        }
        return [filters, oh, ow]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.conv2d(weight: weight, bias: bias, strides: strides, pads: pads(height: x.shape[2], width: x.shape[3]))
    }
}
