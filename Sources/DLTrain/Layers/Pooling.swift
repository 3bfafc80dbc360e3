import DLCore

/// Max or average pooling over channels-first images: [C, H, W] -> [C, H', W'].
public final class Pool2D: Layer {
    public enum Kind: Sendable { case max, average }
    public var name: String
    public let kind: Kind
    public let size: (Int, Int)
    public let strides: (Int, Int)

    public init(_ kind: Kind, size: (Int, Int), strides: (Int, Int)? = nil, name: String? = nil) {
        self.kind = kind
        self.size = size
        self.strides = strides ?? size
        self.name = name ?? LayerNaming.next(kind == .max ? "maxpool2d" : "avgpool2d")
    }

    public var parameters: [Tensor] { [] }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard input.count == 3, input[1] >= size.0, input[2] >= size.1 else {
            throw DLError(.shapeMismatch, "\(name): a \(size.0)×\(size.1) window needs [channels, height ≥ \(size.0), width ≥ \(size.1)], got \(input)")
        }
        return [input[0], (input[1] - size.0) / strides.0 + 1, (input[2] - size.1) / strides.1 + 1]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        kind == .max ? x.maxPool2d(kernel: size, strides: strides) : x.avgPool2d(kernel: size, strides: strides)
    }
}

public func MaxPool2D(_ size: (Int, Int) = (2, 2), strides: (Int, Int)? = nil) -> Pool2D { Pool2D(.max, size: size, strides: strides) }
public func AvgPool2D(_ size: (Int, Int) = (2, 2), strides: (Int, Int)? = nil) -> Pool2D { Pool2D(.average, size: size, strides: strides) }

/// [C, H, W] -> [C]: the mean of each channel's plane.
public final class GlobalAvgPool: Layer {
    public var name: String
    public init(name: String? = nil) { self.name = name ?? LayerNaming.next("global_avgpool") }
    public var parameters: [Tensor] { [] }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] {
        guard input.count == 3 else { throw DLError(.shapeMismatch, "\(name) expects [channels, height, width], got \(input)") }
        return [input[0]]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor { x.globalAvgPool() }
}
