/// Affine quantization parameters: `real = (q - zeroPoint) * scale`.
///
/// Per tensor when `axis` is nil (one scale, one zero point); per channel along
/// `axis` otherwise (one scale and zero point per index of that axis).
/// Rules (DESIGN.md): int8 weights are symmetric (zero point 0, range -127...127),
/// activations asymmetric per tensor, biases int32 with scale = input scale x weight scale.
public struct QuantParams: Equatable, Hashable, Sendable {
    public var scales: [Float]
    public var zeroPoints: [Int32]
    public var axis: Int?

    public init(scales: [Float], zeroPoints: [Int32], axis: Int? = nil) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
    }

    public init(scale: Float, zeroPoint: Int32) {
        self.init(scales: [scale], zeroPoints: [zeroPoint], axis: nil)
    }

    @inlinable public var isPerChannel: Bool { axis != nil }

    /// Checks the parameters against the shape of the tensor they describe:
    /// counts match the channel axis, scales are finite and positive.
    public func validate(for shape: Shape) throws(DLError) {
        guard !scales.isEmpty, scales.count == zeroPoints.count else {
            throw DLError(.invalidModel, "quantization: \(scales.count) scales but \(zeroPoints.count) zero points")
        }
        if let axis {
            guard axis >= 0, axis < shape.rank else {
                throw DLError(.invalidModel, "quantization axis \(axis) is outside a tensor of rank \(shape.rank)")
            }
            let channels = shape[axis]
            guard channels < 0 || channels == scales.count else {
                throw DLError(.invalidModel, "quantization: \(scales.count) scales for \(channels) channels on axis \(axis)")
            }
        } else if scales.count != 1 {
            throw DLError(.invalidModel, "quantization: per-tensor parameters need 1 scale, found \(scales.count)")
        }
        for s in scales where !(s > 0 && s.isFinite) {
            throw DLError(.invalidModel, "quantization scale \(s) is not a finite positive number")
        }
    }
}
