import DLCore

/// An activation function as a layer: ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax.
public final class ActivationLayer: Layer {
    public enum Kind: Equatable, Sendable {
        case relu, leakyRelu(alpha: Float), sigmoid, tanh, gelu, softmax
    }

    public var name: String
    public let kind: Kind

    public init(_ kind: Kind, name: String? = nil) {
        self.kind = kind
        self.name = name ?? LayerNaming.next("\(kind)".components(separatedBy: "(")[0])
    }

    public var parameters: [Tensor] { [] }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        switch kind {
        case .relu: return x.relu()
        case .leakyRelu(let alpha): return x.leakyRelu(alpha: alpha)
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .gelu: return x.gelu()
        case .softmax: return x.softmax()
        }
    }
}

public func ReLU() -> ActivationLayer { ActivationLayer(.relu) }
public func LeakyReLU(alpha: Float = 0.01) -> ActivationLayer { ActivationLayer(.leakyRelu(alpha: alpha)) }
public func Sigmoid() -> ActivationLayer { ActivationLayer(.sigmoid) }
public func Tanh() -> ActivationLayer { ActivationLayer(.tanh) }
public func GELU() -> ActivationLayer { ActivationLayer(.gelu) }
public func Softmax() -> ActivationLayer { ActivationLayer(.softmax) }
