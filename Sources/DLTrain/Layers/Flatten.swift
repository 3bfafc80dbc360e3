import DLCore

/// [batch, d1, d2, …] -> [batch, d1·d2·…] (OpCode.flatten with axis 1).
public final class Flatten: Layer {
    public var name: String
    public init(name: String? = nil) { self.name = name ?? LayerNaming.next("flatten") }
    public var parameters: [Tensor] { [] }

    public func outputShape(for input: [Int]) throws(DLError) -> [Int] { [input.reduce(1, *)] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.reshaped([x.shape[0], x.count / max(x.shape[0], 1)])
    }
}
