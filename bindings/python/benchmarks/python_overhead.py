"""Per-call overhead and batch-1 / batch-64 latency of dlpk's Python API against
onnxruntime's Python API, on the same models (built as ONNX from seeded numpy weights and
converted with `dlpack convert`), one thread each, in one run.

    DLPK_LIBRARY=/tmp/dlpk/lib/libdlpk.so python3 bindings/python/benchmarks/python_overhead.py \
        --dlpack .build/release/dlpack

Overhead: the median time of a run of a tiny model (x[1, 4] @ w[4, 4] + b), where the
kernels take well under a microsecond, so what is timed is the Python and C call path.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import dlpk


def mlp_onnx(sizes, seed, path):
    rng = np.random.default_rng(seed)
    nodes, inits, x = [], [], "x"
    for i, (k, n) in enumerate(zip(sizes, sizes[1:])):
        inits += [numpy_helper.from_array((rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32), f"w{i}"),
                  numpy_helper.from_array((rng.standard_normal(n) * 0.1).astype(np.float32), f"b{i}")]
        last = i == len(sizes) - 2
        nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], ["y" if last else f"a{i}"])]
        if not last:
            nodes.append(helper.make_node("Relu", [f"a{i}"], [f"h{i}"]))
            x = f"h{i}"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", sizes[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", sizes[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def median_us(fn, runs):
    for _ in range(max(3, runs // 10)):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t)
    return statistics.median(times) / 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dlpack", default=os.environ.get("DLPACK_CLI", "dlpack"), help="the dlpack CLI")
    parser.add_argument("--runs", type=int, default=2000, help="timed runs of the tiny model")
    args = parser.parse_args()
    print(f"libdlpk {dlpk.version()} ({dlpk.library_path()}), onnxruntime {ort.__version__}, numpy {np.__version__}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, sizes, batches, runs in [("tiny 4-4", [4, 4], [1], args.runs),
                                           ("mlp 784-512-512-10", [784, 512, 512, 10], [1, 64], 200)]:
            onnx_path, dlpk_path = os.path.join(tmp, "m.onnx"), os.path.join(tmp, "m.dlpk")
            mlp_onnx(sizes, 1, onnx_path)
            subprocess.run([args.dlpack, "convert", onnx_path, dlpk_path], check=True, capture_output=True)
            ort_session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
            model = dlpk.Model(dlpk_path)
            session = model.session(threads=1)
            for batch in batches:
                x = np.random.default_rng(batch).standard_normal((batch, sizes[0])).astype(np.float32)
                np.testing.assert_allclose(session.run(x)["y"], ort_session.run(None, {"x": x})[0], rtol=1e-3, atol=1e-4)
                out = np.empty((batch, sizes[-1]), np.float32)
                r = runs if batch == 1 else max(50, runs // 4)
                d = median_us(lambda: session.run({"x": x}), r)
                d_out = median_us(lambda: session.run({"x": x}, out=out), r)
                o = median_us(lambda: ort_session.run(None, {"x": x}), r)
                rows.append((name, batch, d, d_out, o))
                if name.startswith("tiny"):
                    # The floor: dlpk_session_run through ctypes with everything bound already.
                    session.run(x, out=out)
                    floor = median_us(lambda: session._run(session._handle, session._in, 1, session._out, 1), r)
            session.close()
            model.close()
    print(f"{'model':22} {'batch':>5} {'dlpk us':>9} {'dlpk out= us':>13} {'ort us':>9} {'ort/dlpk':>9}")
    for name, batch, d, d_out, o in rows:
        print(f"{name:22} {batch:5d} {d:9.2f} {d_out:13.2f} {o:9.2f} {o / d:9.2f}")
    tiny = rows[0]
    print(f"per-call overhead (tiny model, batch 1): dlpk {tiny[2]:.2f} us, dlpk with out= {tiny[3]:.2f} us, "
          f"onnxruntime {tiny[4]:.2f} us; the C call alone (ctypes, pre-bound) {floor:.2f} us")


if __name__ == "__main__":
    sys.exit(main())
