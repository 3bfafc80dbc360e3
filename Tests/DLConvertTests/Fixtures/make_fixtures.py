#!/usr/bin/env python3
"""Writes the small ONNX models and numpy references DLConvertTests reads.

Run from this directory after changing it: python3 make_fixtures.py
(needs onnx and numpy; the outputs are committed so that `swift test` needs neither).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
here = os.path.dirname(os.path.abspath(__file__))


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(here, name))


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# Gemm with transB, alpha, beta and a [N] bias: folds into Dense(W = alpha * B, bias = beta * C).
b = f32(4, 3)
c = f32(4)
g = helper.make_graph(
    [helper.make_node("Gemm", ["x", "B", "C"], ["y"], name="fc", transB=1, alpha=0.5, beta=2.0)],
    "gemm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    [numpy_helper.from_array(b, "B"), numpy_helper.from_array(c, "C")])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "gemm_transb.onnx")
np.save(os.path.join(here, "gemm_transb_weight.npy"), 0.5 * b)
np.save(os.path.join(here, "gemm_transb_bias.npy"), 2.0 * c)

# Conv -> BatchNormalization -> Relu: BN folds into the conv, Relu fuses.
w = f32(2, 3, 3, 3)
wb = f32(2)
gamma, beta, mean = f32(2), f32(2), f32(2)
var = np.abs(f32(2)) + 0.5
eps = 1e-3
g = helper.make_graph(
    [helper.make_node("Conv", ["x", "W", "WB"], ["c"], name="conv", pads=[1, 1, 1, 1]),
     helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"], name="bn", epsilon=eps),
     helper.make_node("Relu", ["n"], ["y"], name="relu")],
    "convbn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2, 8, 8])],
    [numpy_helper.from_array(a, n) for a, n in [(w, "W"), (wb, "WB"), (gamma, "gamma"), (beta, "beta"), (mean, "mean"), (var, "var")]])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "conv_bn_relu.onnx")
s = gamma / np.sqrt(var + eps)
np.save(os.path.join(here, "conv_bn_relu_weight.npy"), (w * s[:, None, None, None]).astype(np.float32))
np.save(os.path.join(here, "conv_bn_relu_bias.npy"), ((wb - mean) * s + beta).astype(np.float32))

# x.view(x.size(0), -1) as exporters write it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
g = helper.make_graph(
    [helper.make_node("Shape", ["x"], ["s"], name="shape"),
     helper.make_node("Constant", [], ["zero"], name="k0", value=numpy_helper.from_array(np.array(0, np.int64))),
     helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
     helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze"),
     helper.make_node("Concat", ["n1", "minus1"], ["shape2"], name="concat", axis=0),
     helper.make_node("Reshape", ["x", "shape2"], ["y"], name="reshape")],
    "flatten", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 3, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 24])],
    [numpy_helper.from_array(np.array([0], np.int64), "axes"), numpy_helper.from_array(np.array([-1], np.int64), "minus1")])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "shape_subgraph.onnx")

# Ops dlpack does not import, twice, plus a custom domain: one error lists all three.
g = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["a"], name="ok"),
     helper.make_node("Erf", ["a"], ["b"], name="erf1"),
     helper.make_node("Sin", ["b"], ["c"], name="sin1"),
     helper.make_node("Fancy", ["c"], ["y"], name="custom", domain="com.example")],
    "unsupported", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)]), "unsupported.onnx")

# Softmax at opset 11 over axis 1 of a rank-3 tensor: normalizes over axes 1 and 2 together.
g = helper.make_graph(
    [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
    "softmax11", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 4])])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)]), "softmax_opset11.onnx")

# The same float tensor three ways: raw_data, float_data, and external data next to the model.
t = f32(3, 5)
raw = numpy_helper.from_array(t, "raw")
typed = helper.make_tensor("typed", TensorProto.FLOAT, t.shape, t.flatten().tolist())
external = numpy_helper.from_array(t, "external")
with open(os.path.join(here, "weights.bin"), "wb") as f:
    f.write(b"\0" * 16 + t.tobytes())
external.ClearField("raw_data")
external.data_location = TensorProto.EXTERNAL
for k, v in [("location", "weights.bin"), ("offset", "16"), ("length", str(t.nbytes))]:
    e = external.external_data.add()
    e.key, e.value = k, v
g = helper.make_graph(
    [helper.make_node("Add", ["x", "raw"], ["a"], name="add1"), helper.make_node("Add", ["a", "typed"], ["b"], name="add2"),
     helper.make_node("Add", ["b", "external"], ["y"], name="add3")],
    "storage", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 5])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 5])], [raw, typed, external])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(here, "tensor_storage.onnx"))
np.save(os.path.join(here, "tensor_storage_values.npy"), t)
# The same model pointing outside its directory: must be refused.
escape = onnx.load(os.path.join(here, "tensor_storage.onnx"), load_external_data=False)
for init in escape.graph.initializer:
    for e in init.external_data:
        if e.key == "location":
            e.value = "../../../etc/passwd"
onnx.save(escape, os.path.join(here, "external_escape.onnx"))

# A QDQ Gemm as quantization tools write it: fuses into one int8 Dense.
wq = rng.integers(-127, 128, size=(3, 4)).astype(np.int8)
ws = np.array([0.01, 0.02, 0.03], np.float32)
xs = np.float32(0.02)
bq = rng.integers(-500, 500, size=3).astype(np.int32)
inits = [numpy_helper.from_array(a, n) for a, n in [
    (wq, "Wq"), (ws, "ws"), (np.zeros(3, np.int8), "wzp"), (bq, "bq"), (ws * xs, "bs"), (np.zeros(3, np.int32), "bzp"),
    (np.array(xs), "xs"), (np.array(128, np.uint8), "xzp"), (np.array(0.05, np.float32), "ys"), (np.array(120, np.uint8), "yzp")]]
g = helper.make_graph(
    [helper.make_node("QuantizeLinear", ["x", "xs", "xzp"], ["xq"], name="qx"),
     helper.make_node("DequantizeLinear", ["xq", "xs", "xzp"], ["xf"], name="dqx"),
     helper.make_node("DequantizeLinear", ["Wq", "ws", "wzp"], ["Wf"], name="dqw", axis=0),
     helper.make_node("DequantizeLinear", ["bq", "bs", "bzp"], ["bf"], name="dqb", axis=0),
     helper.make_node("Gemm", ["xf", "Wf", "bf"], ["yf"], name="fc", transB=1),
     helper.make_node("QuantizeLinear", ["yf", "ys", "yzp"], ["yq"], name="qy"),
     helper.make_node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], name="dqy")],
    "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "qdq_gemm.onnx")
np.save(os.path.join(here, "qdq_gemm_wq.npy"), wq)
np.save(os.path.join(here, "qdq_gemm_bq.npy"), bq)

# numpy files of several dtypes for the .npy reader.
np.save(os.path.join(here, "npy_f32.npy"), np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7)
np.save(os.path.join(here, "npy_i64.npy"), np.array([[-3, 5], [7, 1 << 40]], dtype=np.int64))
np.save(os.path.join(here, "npy_u8_scalar.npy"), np.array(200, dtype=np.uint8))
# Two Dense layers with a Relu between: int8 quantization chains them without a float round trip.
g = helper.make_graph(
    [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1", transB=1),
     helper.make_node("Relu", ["h"], ["r"], name="relu1"),
     helper.make_node("Gemm", ["r", "W2", "b2"], ["y"], name="fc2", transB=1)],
    "mlp2", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
    [numpy_helper.from_array(a, n) for a, n in [(f32(5, 6), "W1"), (f32(5), "b1"), (f32(3, 5), "W2"), (f32(3), "b2")]])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "mlp2.onnx")

# 1-D convolution and pooling over [N, C, L] (run as 2-D with a kernel of height 1).
g = helper.make_graph(
    [helper.make_node("Conv", ["x", "W1d"], ["c"], name="conv1d", pads=[2, 1], strides=[2], dilations=[2]),
     helper.make_node("MaxPool", ["c"], ["y"], name="pool1d", kernel_shape=[2])],
    "conv1d", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 17])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 7])],
    [numpy_helper.from_array(f32(4, 3, 3), "W1d")])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "conv1d.onnx")

# An LSTM whose zero initial state is sized by the batch at run time, as torch's dynamo
# exporter writes it: Shape -> Concat -> Expand -> Slice, folded away by the importer.
H, I = 4, 3
k = lambda *a: numpy_helper.from_array(np.array(a, np.int64))
g = helper.make_graph(
    [helper.make_node("Shape", ["x"], ["batch"], name="shape", start=1, end=2),
     helper.make_node("Constant", [], ["one"], name="c1", value=k(1)),
     helper.make_node("Constant", [], ["hid"], name="c2", value=k(H)),
     helper.make_node("Concat", ["one", "batch", "hid"], ["state_shape"], name="concat", axis=0),
     helper.make_node("Constant", [], ["zero"], name="c0", value=numpy_helper.from_array(np.array(0, np.float32))),
     helper.make_node("Expand", ["zero", "state_shape"], ["zeros"], name="expand"),
     helper.make_node("Constant", [], ["s0"], name="c3", value=k(0)),
     helper.make_node("Slice", ["zeros", "s0", "one", "s0"], ["h0"], name="slice"),
     helper.make_node("LSTM", ["x", "Wl", "Rl", "Bl", "", "h0", "h0"], ["Y", "Y_h"], name="lstm", hidden_size=H)],
    "lstm_zero_state", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, "N", I])],
    [helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [1, "N", H])],
    [numpy_helper.from_array(a, n) for a, n in [(f32(1, 4 * H, I), "Wl"), (f32(1, 4 * H, H), "Rl"), (f32(1, 8 * H), "Bl")]])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)]), "lstm_zero_state.onnx")

# QDQ Conv -> MaxPool -> Flatten -> Gemm as onnxruntime's static quantizer writes it: the pool
# and the flatten sit between a Dequantize and a Quantize. With the conv output's scale and zero
# point on the pool output they run in int8 (qdq_cnn); with another scale the pool stays float
# (qdq_cnn_rescaled).
def qdq_cnn(name, pool_scale, pool_zero):
    r = np.random.default_rng(11)
    cw = r.integers(-127, 128, size=(4, 2, 3, 3)).astype(np.int8)
    cws = np.array([0.002, 0.004, 0.003, 0.006], np.float32)
    xs, cs = np.float32(0.03), np.float32(0.05)
    cb = r.integers(-300, 300, size=4).astype(np.int32)
    fw = r.integers(-127, 128, size=(3, 64)).astype(np.int8)
    fws = np.array([0.004, 0.006, 0.005], np.float32)
    fb = r.integers(-500, 500, size=3).astype(np.int32)
    inits = [numpy_helper.from_array(a, n) for a, n in [
        (cw, "cw"), (cws, "cws"), (np.zeros(4, np.int8), "cwz"), (cb, "cb"), (cws * xs, "cbs"), (np.zeros(4, np.int32), "cbz"),
        (fw, "fw"), (fws, "fws"), (np.zeros(3, np.int8), "fwz"), (fb, "fb"), (fws * np.float32(pool_scale), "fbs"),
        (np.zeros(3, np.int32), "fbz"), (np.array(xs), "xs"), (np.array(128, np.uint8), "xz"), (np.array(cs), "cs"),
        (np.array(100, np.uint8), "cz"), (np.array(pool_scale, np.float32), "ps"), (np.array(pool_zero, np.uint8), "pz"),
        (np.array(0.1, np.float32), "ys"), (np.array(120, np.uint8), "yz")]]
    g = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="qx"),
         helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xf"], name="dqx"),
         helper.make_node("DequantizeLinear", ["cw", "cws", "cwz"], ["cwf"], name="dqcw", axis=0),
         helper.make_node("DequantizeLinear", ["cb", "cbs", "cbz"], ["cbf"], name="dqcb", axis=0),
         helper.make_node("Conv", ["xf", "cwf", "cbf"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("QuantizeLinear", ["c", "cs", "cz"], ["cq"], name="qc"),
         helper.make_node("DequantizeLinear", ["cq", "cs", "cz"], ["cf"], name="dqc"),
         helper.make_node("MaxPool", ["cf"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("QuantizeLinear", ["p", "ps", "pz"], ["pq"], name="qp"),
         helper.make_node("DequantizeLinear", ["pq", "ps", "pz"], ["pf"], name="dqp"),
         helper.make_node("Flatten", ["pf"], ["f"], name="flatten"),
         helper.make_node("QuantizeLinear", ["f", "ps", "pz"], ["fq"], name="qf"),
         helper.make_node("DequantizeLinear", ["fq", "ps", "pz"], ["ff"], name="dqf"),
         helper.make_node("DequantizeLinear", ["fw", "fws", "fwz"], ["fwf"], name="dqfw", axis=0),
         helper.make_node("DequantizeLinear", ["fb", "fbs", "fbz"], ["fbf"], name="dqfb", axis=0),
         helper.make_node("Gemm", ["ff", "fwf", "fbf"], ["yf"], name="fc", transB=1),
         helper.make_node("QuantizeLinear", ["yf", "ys", "yz"], ["yq"], name="qy"),
         helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"], name="dqy")],
        name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), name + ".onnx")


qdq_cnn("qdq_cnn", 0.05, 100)
qdq_cnn("qdq_cnn_rescaled", 0.06, 90)

# onnxruntime's outputs on fixed inputs, for the import-then-run tests.
import onnxruntime as ort  # noqa: E402

for name, shape in [("gemm_transb", (2, 3)), ("conv_bn_relu", (2, 3, 8, 8)), ("shape_subgraph", (3, 2, 3, 4)),
                    ("softmax_opset11", (2, 3, 4)), ("tensor_storage", (3, 5)), ("qdq_gemm", (5, 4)), ("mlp2", (64, 6)), ("conv1d", (2, 3, 17)), ("lstm_zero_state", (5, 2, 3)),
                    ("qdq_cnn", (3, 2, 8, 8)), ("qdq_cnn_rescaled", (3, 2, 8, 8))]:
    x = np.random.default_rng(len(name)).standard_normal(shape).astype(np.float32)  # independent of the models above
    session = ort.InferenceSession(os.path.join(here, name + ".onnx"), providers=["CPUExecutionProvider"])
    y = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.save(os.path.join(here, name + "_input.npy"), x)
    np.save(os.path.join(here, name + "_expected.npy"), y)
print("fixtures written")
