/// The operators of the `.dlpk` graph: one IR shared by the trainer (export),
/// the converter (import) and the runtime (execution).
///
/// Stored in files as the raw value: **append only, never renumber or reuse**.
/// Unless noted, semantics follow the ONNX operator of the same name, so that the
/// converter maps one to one and the spec can cite ONNX for the fine print.
/// Quantized execution is not a separate op: an op whose tensors are int8 with
/// quantization parameters runs the int8 kernel (as in TFLite).
/// Full table with inputs, outputs and attributes: format/SPEC.md, "Op table".
public enum OpCode: UInt16, CaseIterable, Sendable {
    /// Y = X · Wᵀ + B. X [..., K], W [N, K], B [N] optional.
    /// attrs: `activation` (int, `FusedActivation`, default none).
    case dense = 1
    /// numpy-style (batched, broadcasting) matrix product A · B.
    case matMul = 2
    /// 2-D convolution, NCHW. X [N, C, H, W], W [M, C/group, kH, kW], B [M] optional.
    /// attrs: `strides` [2], `pads` [4] (top, left, bottom, right), `dilations` [2],
    /// `group`, `activation`.
    case conv2d = 3
    /// attrs: `kernel` [2], `strides` [2], `pads` [4], `dilations` [2], `ceil_mode`.
    case maxPool2d = 4
    /// attrs: `kernel` [2], `strides` [2], `pads` [4], `ceil_mode`, `count_include_pad`.
    case avgPool2d = 5
    /// [N, C, H, W] -> [N, C, 1, 1]
    case globalAvgPool = 6
    /// Element-wise with numpy broadcasting.
    case add = 7
    case sub = 8
    case mul = 9
    case div = 10
    case relu = 11
    /// attrs: `min`, `max` (floats; relu6 is clip 0...6).
    case clip = 12
    /// attrs: `alpha` (default 0.01).
    case leakyRelu = 13
    case sigmoid = 14
    case tanh = 15
    /// attrs: `approximate` (int: 0 exact erf, 1 tanh).
    case gelu = 16
    /// attrs: `axis` (default -1).
    case softmax = 17
    /// attrs: `axis` (default -1).
    case logSoftmax = 18
    /// Inference batch normalization over axis 1. Inputs X, scale, bias, mean, var.
    /// attrs: `epsilon`.
    case batchNorm = 19
    /// Inputs X, scale, bias (optional). attrs: `axis` (default -1), `epsilon`.
    case layerNorm = 20
    /// ONNX LSTM (gate order i, o, f, c). Inputs X, W, R, B?, sequence_lens?, initial_h?, initial_c?.
    /// attrs: `hidden_size`, `direction` (0 forward, 1 reverse, 2 bidirectional), `layout`.
    /// W and R (also of GRU and RNN) may be stored int8, symmetric per output row (axis 1):
    /// weights only, the runtime widens them to f32 at load.
    case lstm = 21
    /// ONNX GRU (gate order z, r, h). attrs as LSTM plus `linear_before_reset`.
    case gru = 22
    /// ONNX RNN (tanh). attrs: `hidden_size`, `direction`, `layout`.
    case rnn = 23
    /// attrs: `axis`.
    case concat = 24
    /// attrs: `perm`.
    case transpose = 25
    /// attrs: `shape` (ints; 0 copies the input dimension, -1 is inferred).
    case reshape = 26
    /// attrs: `axis` (default 1): [d0...d(axis-1), rest].
    case flatten = 27
    /// attrs: `axes`.
    case squeeze = 28
    /// attrs: `axes`.
    case unsqueeze = 29
    case identity = 30
    /// Float -> int8/uint8 with the output tensor's quantization parameters.
    case quantize = 31
    /// int8/uint8/int32 -> float with the input tensor's quantization parameters.
    case dequantize = 32
    /// Rows of a table: inputs table [V, D], indices (int32/int64) -> [..., D].
    /// attrs: `axis` (default 0).
    case gather = 33
    /// ONNX MatMulInteger: Y (int32) = (A − a_zero_point) · (B − b_zero_point), exact in int32
    /// (wrapping on overflow). A and B are int8 or uint8 with per-tensor quantization parameters
    /// whose zero points are used (their scales are ignored); numpy MatMul shapes.
    case matMulInteger = 34
}

/// An activation fused into dense or conv2d (attribute `activation`).
public enum FusedActivation: Int, Sendable {
    case none = 0
    case relu = 1
    case relu6 = 2
}

extension OpCode {
    /// The name `dlpack inspect` prints and the spec uses.
    public var name: String {
        switch self {
        case .dense: return "Dense"
        case .matMul: return "MatMul"
        case .conv2d: return "Conv2D"
        case .maxPool2d: return "MaxPool2D"
        case .avgPool2d: return "AvgPool2D"
        case .globalAvgPool: return "GlobalAvgPool"
        case .add: return "Add"
        case .sub: return "Sub"
        case .mul: return "Mul"
        case .div: return "Div"
        case .relu: return "Relu"
        case .clip: return "Clip"
        case .leakyRelu: return "LeakyRelu"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .gelu: return "Gelu"
        case .softmax: return "Softmax"
        case .logSoftmax: return "LogSoftmax"
        case .batchNorm: return "BatchNorm"
        case .layerNorm: return "LayerNorm"
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        case .rnn: return "RNN"
        case .concat: return "Concat"
        case .transpose: return "Transpose"
        case .reshape: return "Reshape"
        case .flatten: return "Flatten"
        case .squeeze: return "Squeeze"
        case .unsqueeze: return "Unsqueeze"
        case .identity: return "Identity"
        case .quantize: return "Quantize"
        case .dequantize: return "Dequantize"
        case .gather: return "Gather"
        case .matMulInteger: return "MatMulInteger"
        }
    }
}
