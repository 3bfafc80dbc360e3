"""What the conformance run covers: the ops dlpack imports, and the test cases of
those ops that are out of scope, each with the reason (kept in one place so that
the report lists them)."""

# Ops that `dlpack convert` maps onto the .dlpk graph (OnnxImporter.supportedOps).
SUPPORTED_OPS = {
    "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Gelu", "Clip",
    "Softmax", "LogSoftmax", "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
    "BatchNormalization", "Flatten", "Reshape", "Transpose", "Concat", "Squeeze", "Unsqueeze",
    "Identity", "Dropout", "LSTM", "GRU", "RNN", "LayerNormalization",
    "QuantizeLinear", "DequantizeLinear", "QLinearMatMul", "QLinearConv", "MatMulInteger",
}

# Ops evaluated at conversion time when their inputs are known (shape subgraphs).
FOLDED_OPS = {"Constant", "Shape", "Gather", "Cast", "Slice", "ConstantOfShape", "Expand"}

# Inputs (by position) that dlpack reads at conversion time, as exported models
# have them (initializers); the harness freezes the test's values into the model.
PARAMETER_INPUTS = {
    "Reshape": (1,), "Squeeze": (1,), "Unsqueeze": (1,), "Clip": (1, 2), "Dropout": (1, 2),
    "QuantizeLinear": (1, 2), "DequantizeLinear": (1, 2), "MatMulInteger": (2, 3),
    "QLinearMatMul": (1, 2, 4, 5, 6, 7), "QLinearConv": (1, 2, 4, 5, 6, 7),
}

# Element types the .dlpk graph has (float64 and others are out of scope).
_TENSOR_TYPES = {1: "float", 2: "uint8", 3: "int8", 6: "int32", 7: "int64", 10: "float16"}


def out_of_scope_reason(name, model):
    """None if dlpack should pass the case, else why it is out of scope."""
    for node in model.graph.node:
        attrs = {a.name: a for a in node.attribute}
        if node.op_type == "Dropout" and len(node.input) > 2 and node.input[2]:
            return "training-mode Dropout (training_mode input): inference only"
        if node.op_type == "Dropout" and len(node.output) > 1 and node.output[1]:
            return ("Dropout's mask output: a bool tensor, and .dlpk has no bool element type "
                    "(in inference the mask is all true; exporters drop it)")
        if node.op_type == "BatchNormalization" and (len(node.output) > 1 or "training_mode" in attrs):
            return "training-mode BatchNormalization (running statistics): inference only"
        if node.op_type in ("MaxPool", "AveragePool", "Conv", "QLinearConv"):
            k = attrs.get("kernel_shape")
            kernel_rank = len(k.ints) if k is not None else None
            if kernel_rank is not None and kernel_rank not in (1, 2):
                return f"{kernel_rank}-D {node.op_type}: dlpack has 1-D and 2-D convolution and pooling only"
            if node.op_type == "MaxPool" and len(node.output) > 1:
                return "MaxPool's Indices output: not in the .dlpk op set"
            if node.op_type == "AveragePool" and "dilations" in attrs and any(d != 1 for d in attrs["dilations"].ints):
                return "dilated AveragePool: not in the .dlpk op set"
        if node.op_type in ("LSTM", "GRU", "RNN"):
            if "clip" in attrs:
                return "recurrent cell clipping: not in the .dlpk op set"
            if node.op_type == "LSTM" and len(node.input) > 7 and node.input[7]:
                return "LSTM peepholes: not in the .dlpk op set"
            if "activations" in attrs:
                return "non-default recurrent activations: not in the .dlpk op set"
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            if "block_size" in attrs and attrs["block_size"].i:
                return "blocked quantization: not in the .dlpk format"
        if node.op_type == "Reshape" and "allowzero" in attrs and attrs["allowzero"].i:
            return "Reshape allowzero with zero-sized dimensions (empty tensors)"
    ints = {2: "uint8", 3: "int8", 6: "int32", 7: "int64"}
    for node in model.graph.node:
        if node.op_type in ("Add", "Sub", "Mul", "Div", "Clip", "MaxPool", "AveragePool"):
            types = {vi.name: vi.type.tensor_type.elem_type for vi in list(model.graph.input) + list(model.graph.output)}
            t = types.get(node.input[0])
            if t in ints:
                return (f"{node.op_type} on plain (unquantized) {ints[t]} tensors: the .dlpk op set computes on "
                        "floats and on quantized int8 (scale and zero point), not integer arithmetic")
    for vi in list(model.graph.input) + list(model.graph.output):
        kind = vi.type.WhichOneof("value")
        if kind != "tensor_type":
            return f"{kind.replace('_type', '')} values ({vi.name}): .dlpk graphs carry tensors only"
        t = vi.type.tensor_type.elem_type
        if t not in _TENSOR_TYPES:
            return f"element type {t} ({vi.name}) is not a .dlpk tensor type"
        dims = vi.type.tensor_type.shape.dim
        if any(d.HasField("dim_value") and d.dim_value == 0 for d in dims):
            return "empty tensors (a zero dimension)"
    return None
