#!/usr/bin/env python3
"""dlpack (libdlpk) against onnxruntime on the same models, same weights, same thread count.

Each model is built once as ONNX from seeded numpy weights; the .dlpk file is converted
from that ONNX file (`dlpack convert`), so both runtimes hold identical weights. Both are
timed the same way, from Python (ctypes for libdlpk, onnxruntime's Python API), and libdlpk
also from C (bindings/c/examples/bench.c) when --bench-c is given. Outputs are compared
before timing. int8 models are quantized with onnxruntime's static QDQ quantizer from random
calibration data and converted by `dlpack convert` the same way.

    python3 bench_vs_onnxruntime.py --lib PREFIX/lib/libdlpk.so --dlpack .build/release/dlpack \
        [--bench-c ./bench] [--threads 1] [--models mlp_small,mlp_large,cnn,lstm,gru]

Targets (issue 4): batch 1 latency <= 1.0x onnxruntime, batch 64 <= 1.1x.
"""
import argparse
import atexit
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnxruntime as ort
except ImportError as error:  # pragma: no cover
    sys.exit(f"needs onnx and onnxruntime (pip install onnx onnxruntime): {error}")


# ---------------------------------------------------------------- models (ONNX, numpy weights)

def _init(name, array):
    return numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)


def mlp(sizes, seed, weights=None):
    """Gemm+Relu layers; `weights` (w0, b0, w1, b1, ...) or seeded random ones."""
    rng = np.random.default_rng(seed)
    nodes, inits, x = [], [], "x"
    for layer, (k, n) in enumerate(zip(sizes, sizes[1:])):
        w = weights[2 * layer] if weights else rng.uniform(-1, 1, (n, k)) / np.sqrt(k)
        b = weights[2 * layer + 1] if weights else rng.uniform(-0.1, 0.1, n)
        inits += [_init(f"w{layer}", w), _init(f"b{layer}", b)]
        last = layer == len(sizes) - 2
        y = "y" if last else f"h{layer}"
        nodes.append(helper.make_node("Gemm", [x, f"w{layer}", f"b{layer}"], [y if last else y + "_pre"], transB=1))
        if not last:
            nodes.append(helper.make_node("Relu", [y + "_pre"], [y]))
        x = y
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", sizes[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", sizes[-1]])], inits)
    return graph, lambda batch: (batch, sizes[0])


def cnn(seed):
    """[N,1,28,28] conv3x3(16)+relu, maxpool2, conv3x3(32)+relu, maxpool2, flatten, dense 1568->10."""
    rng = np.random.default_rng(seed)
    inits = [_init("c1w", rng.uniform(-1, 1, (16, 1, 3, 3)) / 3), _init("c1b", rng.uniform(-0.1, 0.1, 16)),
             _init("c2w", rng.uniform(-1, 1, (32, 16, 3, 3)) / 12), _init("c2b", rng.uniform(-0.1, 0.1, 32)),
             _init("fw", rng.uniform(-1, 1, (10, 1568)) / 40), _init("fb", rng.uniform(-0.1, 0.1, 10))]
    nodes = [
        helper.make_node("Conv", ["x", "c1w", "c1b"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "c2w", "c2b"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], transB=1),
    ]
    graph = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    return graph, lambda batch: (batch, 1, 28, 28)


def recurrent(op, gates, seed, seq=20, features=32, hidden=64, **attributes):
    """[seq, N, features] -> `op` (hidden) -> last hidden state -> dense -> 10 (onnxruntime has no
    batch-first LSTM or GRU, so the batch is the second dimension)."""
    rng = np.random.default_rng(seed)
    s = 1 / np.sqrt(hidden)
    inits = [_init("W", rng.uniform(-s, s, (1, gates * hidden, features))),
             _init("R", rng.uniform(-s, s, (1, gates * hidden, hidden))),
             _init("B", rng.uniform(-s, s, (1, 2 * gates * hidden))), _init("fw", rng.uniform(-s, s, (10, hidden))),
             _init("fb", np.zeros(10)), numpy_helper.from_array(np.array([-1, hidden], dtype=np.int64), "shape")]
    nodes = [
        helper.make_node(op, ["x", "W", "R", "B"], ["", "h"], hidden_size=hidden, **attributes),
        helper.make_node("Reshape", ["h", "shape"], ["hf"]),
        helper.make_node("Gemm", ["hf", "fw", "fb"], ["y"], transB=1),
    ]
    graph = helper.make_graph(nodes, op.lower(), [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, "N", features])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    return graph, lambda batch: (seq, batch, features)


def lstm(seed):
    return recurrent("LSTM", 4, seed)


def gru(seed):
    """ONNX GRU with the default linear_before_reset = 0 (the candidate's product needs r first)."""
    return recurrent("GRU", 3, seed)


def fixture_mlp(directory):
    """The MLP 64-128-64-10 the Swift tests write (mlp.dlpk) with its raw weights
    (mlp_weights.f32: w0 b0 w1 b1 w2 b2): the same weights as ONNX, no converter needed."""
    sizes = [64, 128, 64, 10]
    raw = np.fromfile(os.path.join(directory, "mlp_weights.f32"), dtype=np.float32)
    weights, at = [], 0
    for k, n in zip(sizes, sizes[1:]):
        weights += [raw[at:at + n * k].reshape(n, k), raw[at + n * k:at + n * k + n]]
        at += n * k + n
    return mlp(sizes, 0, weights)


MODELS = {
    "mlp_small": lambda: mlp([64, 128, 64, 10], 1),
    "mlp_large": lambda: mlp([784, 512, 512, 10], 2),
    "cnn": lambda: cnn(3),
    "lstm": lambda: lstm(4),
    "gru": lambda: gru(5),
}


def save_onnx(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="dlpack-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def quantize_int8(fp32_path, int8_path, input_shape):
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            rng = np.random.default_rng(0)
            self.batches = iter([{"x": rng.uniform(-1, 1, input_shape(8)).astype(np.float32)} for _ in range(8)])

        def get_next(self):
            return next(self.batches, None)

    quantize_static(fp32_path, int8_path, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)


def quantize_dynamic_int8(fp32_path, dynamic_path):
    """onnxruntime's dynamic quantization (int8 weights per output channel, inputs of MatMul/Gemm
    quantized per run): the peer of `dlpack convert --quantize dynamic`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(fp32_path, dynamic_path, per_channel=True, weight_type=QuantType.QInt8)


def export_int8_mlp(int8_path, directory):
    """The quantized layers of onnxruntime's QDQ MLP, for BenchmarkModelTests to rebuild as an
    int8 .dlpk with exactly onnxruntime's integers and scales: per layer, layer<l>.txt holds
    "in_scale in_zp out_scale out_zp n k" and w<l>.i8 / ws<l>.f32 / b<l>.i32 the weights."""
    model = onnx.load(int8_path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    consumers = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    os.makedirs(directory, exist_ok=True)
    gemms = [n for n in model.graph.node if n.op_type == "Gemm"]
    for layer, gemm in enumerate(gemms):
        a, w, b = (producer[i] for i in gemm.input)
        q_out = consumers[gemm.output[0]][0]
        if q_out.op_type != "QuantizeLinear" or any(n.op_type != "DequantizeLinear" for n in (a, w, b)):
            raise RuntimeError(f"unexpected QDQ pattern around {gemm.name}")
        weights, bias = inits[w.input[0]], inits[b.input[0]]
        n, k = weights.shape
        with open(os.path.join(directory, f"layer{layer}.txt"), "w") as f:
            f.write(f"{float(inits[a.input[1]])!r} {int(inits[a.input[2]])} "
                    f"{float(inits[q_out.input[1]])!r} {int(inits[q_out.input[2]])} {n} {k}\n")
        weights.astype(np.int8).tofile(os.path.join(directory, f"w{layer}.i8"))
        inits[w.input[1]].astype(np.float32).tofile(os.path.join(directory, f"ws{layer}.f32"))
        bias.astype(np.int32).tofile(os.path.join(directory, f"b{layer}.i32"))
    return len(gemms)


# ---------------------------------------------------------------- libdlpk through ctypes

class DlpkTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * 8)]


class DlpkOptions(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("num_threads", ctypes.c_int32), ("batch_size", ctypes.c_int32)]


class Dlpk:
    def __init__(self, path):
        lib = ctypes.CDLL(path)
        lib.dlpk_last_error_message.restype = ctypes.c_char_p
        lib.dlpk_model_open_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.dlpk_model_open_file.restype = ctypes.c_int32
        lib.dlpk_session_options_init.argtypes = [ctypes.POINTER(DlpkOptions)]
        lib.dlpk_session_create.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlpkOptions), ctypes.POINTER(ctypes.c_void_p)]
        lib.dlpk_session_create.restype = ctypes.c_int32
        lib.dlpk_session_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlpkTensor), ctypes.c_size_t,
                                         ctypes.POINTER(DlpkTensor), ctypes.c_size_t]
        lib.dlpk_session_run.restype = ctypes.c_int32
        lib.dlpk_session_free.argtypes = [ctypes.c_void_p]
        lib.dlpk_model_free.argtypes = [ctypes.c_void_p]
        self.lib = lib

    def check(self, status, what):
        if status != 0:
            raise RuntimeError(f"{what}: status {status}: {self.lib.dlpk_last_error_message().decode()}")

    def session(self, model_path, batch, threads, x, out_shape):
        """Returns (run, output, close): run() runs once on x into the preallocated output."""
        model, session = ctypes.c_void_p(), ctypes.c_void_p()
        self.check(self.lib.dlpk_model_open_file(model_path.encode(), None, ctypes.byref(model)), "open")
        options = DlpkOptions()
        self.lib.dlpk_session_options_init(ctypes.byref(options))
        options.num_threads, options.batch_size = threads, batch
        self.check(self.lib.dlpk_session_create(model, ctypes.byref(options), ctypes.byref(session)), "session")
        y = np.zeros(out_shape, dtype=np.float32)
        tin, tout = DlpkTensor(), DlpkTensor()
        tin.data, tin.size, tin.dtype, tin.rank = x.ctypes.data, x.nbytes, 1, x.ndim
        for d, v in enumerate(x.shape):
            tin.dims[d] = v
        tout.data, tout.size = y.ctypes.data, y.nbytes
        run_c, lib = self.lib.dlpk_session_run, self.lib

        def run():
            status = run_c(session, ctypes.byref(tin), 1, ctypes.byref(tout), 1)
            if status != 0:
                raise RuntimeError(lib.dlpk_last_error_message().decode())

        def close():
            lib.dlpk_session_free(session)
            lib.dlpk_model_free(model)

        return run, y, close


# ---------------------------------------------------------------- timing

def median_us(run, runs):
    for _ in range(max(10, runs // 10)):
        run()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - t0)
    return float(np.median(times)) / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lib", required=True, help="path to libdlpk.so")
    parser.add_argument("--dlpack", default="dlpack", help="the dlpack CLI (for `dlpack convert`)")
    parser.add_argument("--bench-c", help="bindings/c/examples/bench.c built against the same library")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--precisions", default="fp32,int8")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--swift-export", action="store_true",
                        help="write the fp32 .dlpk files with the Swift format writer (swift test --filter "
                             "BenchmarkModelTests) from the numpy weights, instead of `dlpack convert`")
    parser.add_argument("--fixture-dir", help="also time the Swift tests' mlp.dlpk (fixture_mlp) in this directory")
    args = parser.parse_args()

    dlpk = Dlpk(args.lib)
    work = tempfile.mkdtemp(prefix="dlpk-bench-")
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    rows = []
    names = [n for n in args.models.split(",") if n]
    exported = set()
    if args.swift_export:
        # The weights of each ONNX model as raw f32 files named like its initializers, then the
        # Swift tests build the same graphs from them and write DIR/<model>.dlpk. The int8 MLPs
        # are rebuilt from onnxruntime's own quantized integers and scales (DIR/<model>_int8.dlpk).
        for name in names:
            graph, input_shape = MODELS[name]()
            os.makedirs(os.path.join(work, name), exist_ok=True)
            for init in graph.initializer:
                array = numpy_helper.to_array(init)
                if array.dtype == np.float32:
                    array.tofile(os.path.join(work, name, init.name + ".f32"))
            if name.startswith("mlp") and "int8" in args.precisions:
                save_onnx(graph, os.path.join(work, f"{name}.onnx"))
                quantize_int8(os.path.join(work, f"{name}.onnx"), os.path.join(work, f"{name}_int8.onnx"), input_shape)
                export_int8_mlp(os.path.join(work, f"{name}_int8.onnx"), os.path.join(work, f"{name}_int8"))
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        result = subprocess.run(["swift", "test", "--filter", "BenchmarkModelTests"], cwd=root, capture_output=True,
                                text=True, env=dict(os.environ, DLPK_BENCH_DIR=work))
        if result.returncode != 0:
            sys.exit("swift export failed:\n" + result.stdout[-2000:] + result.stderr[-2000:])
        exported = set(names)
    if args.fixture_dir:
        names.insert(0, "fixture")
    for name in names:
        graph, input_shape = fixture_mlp(args.fixture_dir) if name == "fixture" else MODELS[name]()
        fp32 = os.path.join(work, f"{name}.onnx")
        save_onnx(graph, fp32)
        for precision in (["fp32"] if name == "fixture" else args.precisions.split(",")):
            onnx_path = fp32
            if precision == "int8":
                onnx_path = os.path.join(work, f"{name}_int8.onnx")
                if not os.path.exists(onnx_path):
                    quantize_int8(fp32, onnx_path, input_shape)
            if precision == "dynamic":
                onnx_path = os.path.join(work, f"{name}_dynamic.onnx")
                quantize_dynamic_int8(fp32, onnx_path)
            dlpk_path = onnx_path.replace(".onnx", ".dlpk")
            if name == "fixture":
                dlpk_path = os.path.join(args.fixture_dir, "mlp.dlpk")
                convert = subprocess.CompletedProcess([], 0, "", "")
            elif name in exported and (precision == "fp32" or os.path.exists(dlpk_path)):
                convert = subprocess.CompletedProcess([], 0, "", "")
            elif precision == "dynamic":   # both sides quantize the same float model their own way
                convert = subprocess.run([args.dlpack, "convert", fp32, dlpk_path, "--quantize", "dynamic"],
                                         capture_output=True, text=True)
            else:
                convert = subprocess.run([args.dlpack, "convert", onnx_path, dlpk_path], capture_output=True, text=True)
            for batch in (1, 64):
                x = np.random.default_rng(batch).uniform(-1, 1, input_shape(batch)).astype(np.float32)
                options = ort.SessionOptions()
                options.intra_op_num_threads = args.threads
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                sess = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
                expected = sess.run(None, {"x": x})[0]
                runs = args.runs if batch == 1 else max(20, args.runs // 10)
                ort_us = median_us(lambda: sess.run(None, {"x": x}), runs)
                # onnxruntime's pool threads spin after a run; with more than one thread they would
                # take the cores libdlpk is timed on, so the session goes before libdlpk runs.
                del sess
                row = {"model": name, "precision": precision, "batch": batch, "ort_us": ort_us}
                if convert.returncode != 0:
                    lines = (convert.stderr or convert.stdout or f"exit status {convert.returncode}").strip().splitlines()
                    row["note"] = "convert failed: " + (lines[-1] if lines else "")[:80]
                    rows.append(row)
                    continue
                try:
                    run, y, close = dlpk.session(dlpk_path, batch, args.threads, x, expected.shape)
                    run()
                    row["max_diff"] = float(np.max(np.abs(y - expected)))
                    row["dlpk_py_us"] = median_us(run, runs)
                    close()
                except RuntimeError as error:
                    row["note"] = str(error)[:80]
                if args.bench_c and "dlpk_py_us" in row:
                    out = subprocess.run([args.bench_c, dlpk_path, str(batch), str(runs), str(args.threads)],
                                         capture_output=True, text=True).stdout
                    fields = dict(f.split("=") for f in out.split())
                    row["dlpk_c_us"] = float(fields["median_us"])
                rows.append(row)

    print(f"\nthreads={args.threads}, median latency per run (us); ratio = dlpk / onnxruntime "
          f"(targets: batch 1 <= 1.0, batch 64 <= 1.1)")
    print(f"{'model':10} {'prec':5} {'batch':>5} {'onnxrt':>10} {'dlpk(py)':>10} {'ratio':>6} {'dlpk(C)':>10} {'ratio':>6} "
          f"{'max|diff|':>10}  note")
    for r in rows:
        py, c = r.get("dlpk_py_us"), r.get("dlpk_c_us")
        fmt = lambda v: f"{v:10.1f}" if v is not None else f"{'-':>10}"
        ratio = lambda v: f"{v / r['ort_us']:6.2f}" if v is not None else f"{'-':>6}"
        diff = f"{r['max_diff']:10.2e}" if "max_diff" in r else f"{'-':>10}"
        print(f"{r['model']:10} {r['precision']:5} {r['batch']:5d} {fmt(r['ort_us'])} {fmt(py)} {ratio(py)} {fmt(c)} {ratio(c)} "
              f"{diff}  {r.get('note', '')}")


if __name__ == "__main__":
    main()
