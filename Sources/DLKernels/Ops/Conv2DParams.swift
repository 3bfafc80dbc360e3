import DLCore

/// The geometry of a 2-D convolution over NCHW tensors (ONNX Conv).
///
/// Input X [batch, inChannels, inHeight, inWidth], weight W [outChannels, inChannels/groups,
/// kernelHeight, kernelWidth], bias B [outChannels], output Y [batch, outChannels, outHeight, outWidth].
/// Pads follow the `.dlpk`/ONNX order (top, left, bottom, right). The runtime's prepare step
/// checks that the channel counts divide by `groups` and that the output is at least 1×1;
/// the kernels trust it.
public struct Conv2DParams: Equatable, Hashable, Sendable {
    public var batch: Int
    public var inChannels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideH: Int
    public var strideW: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var dilationH: Int
    public var dilationW: Int
    public var groups: Int
    /// Applied to the output after the bias (forward only).
    public var activation: FusedActivation

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strides: (Int, Int) = (1, 1), pads: (Int, Int, Int, Int) = (0, 0, 0, 0),
                dilations: (Int, Int) = (1, 1), groups: Int = 1, activation: FusedActivation = .none) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        (strideH, strideW) = strides
        (padTop, padLeft, padBottom, padRight) = pads
        (dilationH, dilationW) = dilations
        self.groups = groups
        self.activation = activation
    }

    @inlinable public var outHeight: Int {
        (inHeight + padTop + padBottom - dilationH * (kernelHeight - 1) - 1) / strideH + 1
    }
    @inlinable public var outWidth: Int {
        (inWidth + padLeft + padRight - dilationW * (kernelWidth - 1) - 1) / strideW + 1
    }
    @inlinable public var inChannelsPerGroup: Int { inChannels / groups }
    @inlinable public var outChannelsPerGroup: Int { outChannels / groups }
    /// Elements of X, W and Y.
    @inlinable public var inputCount: Int { batch * inChannels * inHeight * inWidth }
    @inlinable public var weightCount: Int { outChannels * inChannelsPerGroup * kernelHeight * kernelWidth }
    @inlinable public var outputCount: Int { batch * outChannels * outHeight * outWidth }
    /// Multiply-adds of one forward pass (FLOPs are twice this).
    @inlinable public var multiplyAdds: Int {
        batch * outChannels * outHeight * outWidth * inChannelsPerGroup * kernelHeight * kernelWidth
    }
    /// Each group maps exactly one input channel to `outChannels / inChannels` output channels.
    @inlinable public var isDepthwise: Bool { groups == inChannels && groups > 1 && outChannels % inChannels == 0 }
}

extension FusedActivation {
    /// The activation applied to one value.
    @inlinable @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return x > 0 ? x : 0
        case .relu6: return x > 0 ? (x < 6 ? x : 6) : 0
        }
    }

    /// Applies the activation in place to `count` values.
    @inlinable
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .none: return
        case .relu: for i in 0..<count { x[i] = x[i] > 0 ? x[i] : 0 }
        case .relu6: for i in 0..<count { x[i] = x[i] > 0 ? (x[i] < 6 ? x[i] : 6) : 0 }
        }
    }
}
