#!/usr/bin/env python3
"""Real models through `dlpack convert`: an MLP (digits), a CNN and an LSTM (MNIST)
defined and trained in PyTorch, exported to ONNX, converted, and run by dlpack on
the same test inputs as onnxruntime.

Checks (issue 5): fp32 max |dlpack - onnxruntime| <= 1e-4; int8 argmax agreement
with fp32 >= 99% and accuracy within 1 point of fp32. Also reports the sizes of the
ONNX files (fp32 and onnxruntime's int8 QDQ) next to the .dlpk files.

Each model is exported twice: with the TorchScript exporter (opset 17) and, when
onnxscript is installed, with torch's default dynamo exporter (opset 18+).

Usage: python3 Tests/Conformance/real_models.py [--dlpack .build/debug/dlpack] [--work DIR]
Data: Tests/Data/digits.csv and Tests/Data/mnist_5k.csv.gz (see Tests/Data/PROVENANCE.md).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dlpack_runner import run_dlpk  # noqa: E402


def load_digits():
    rows = np.loadtxt(os.path.join(ROOT, "Tests/Data/digits.csv"), delimiter=",", skiprows=1, dtype=np.float32)
    x, y = rows[:, :64] / 16.0, rows[:, 64].astype(np.int64)
    rng = np.random.default_rng(0)
    train, test = [], []
    for c in range(10):  # stratified 75/25
        idx = rng.permutation(np.flatnonzero(y == c))
        cut = int(round(len(idx) * 0.75))
        train += list(idx[:cut])
        test += list(idx[cut:])
    return x[train], y[train], x[test], y[test]


def load_mnist():
    with gzip.open(os.path.join(ROOT, "Tests/Data/mnist_5k.csv.gz"), "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x, y = rows[:, :784] / 255.0, rows[:, 784].astype(np.int64)
    train = np.concatenate([np.arange(500 * c, 500 * c + 400) for c in range(10)])
    test = np.concatenate([np.arange(500 * c + 400, 500 * c + 500) for c in range(10)])
    return x[train], y[train], x[test], y[test]


def build(kind):
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))

        def forward(self, x):
            return self.net(x)

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Linear(16 * 7 * 7, 10)

        def forward(self, x):
            x = self.features(x)
            return self.classifier(x.view(x.size(0), -1))  # exported as a Shape/Gather/Concat/Reshape subgraph

    class RNNClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 64, batch_first=True)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1, :])

    return {"mlp": MLP, "cnn": CNN, "lstm": RNNClassifier}[kind]()


def shape_input(kind, x):
    if kind == "mlp":
        return x
    return x.reshape(-1, 1, 28, 28) if kind == "cnn" else x.reshape(-1, 28, 28)


def train(model, x, y, epochs, seed):
    import torch
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[b]), yt[b])
            loss.backward()
            opt.step()
    model.eval()


def export(model, sample, path):
    import torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.from_numpy(sample),), path, dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def export_dynamo(model, sample, path):
    """torch.onnx.export's default (dynamo) exporter, opset 18+, when onnxscript is installed."""
    import torch
    batch = torch.export.Dim("batch", min=1, max=4096)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.from_numpy(sample),), path, dynamo=True, input_names=["input"],
                          output_names=["logits"], dynamic_shapes=({0: batch},), external_data=False, verbose=False)


def quantize_qdq(fp32_path, qdq_path, calibration):
    """onnxruntime's static int8 QDQ quantization, for the size comparison and the QDQ import."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"input": calibration[i:i + 32]} for i in range(0, len(calibration), 32)])

        def get_next(self):
            return next(self.batches, None)

    quantize_static(fp32_path, qdq_path, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlpack", default=os.path.join(ROOT, ".build/debug/dlpack"))
    parser.add_argument("--work", default="/tmp/dlpack-real-models")
    parser.add_argument("--models", default="mlp,cnn,lstm")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    import onnxruntime as ort
    import torch
    torch.set_num_threads(2)

    data = {"mlp": load_digits()}
    data["cnn"] = data["lstm"] = load_mnist()
    epochs = {"mlp": 40, "cnn": 3, "lstm": 8}
    results, failures = [], []
    for kind in args.models.split(","):
        t0 = time.time()
        xtr, ytr, xte, yte = data[kind]
        xtr, xte = shape_input(kind, xtr), shape_input(kind, xte)
        torch.manual_seed(1)  # the initial weights too: the same model on every run
        model = build(kind)
        train(model, xtr, ytr, epochs[kind], seed=1)
        base = os.path.join(args.work, kind)
        export(model, xte[:2], base + ".onnx")
        calib = np.asarray(order="C", a=xtr[np.random.default_rng(2).permutation(len(xtr))[:256]])
        np.save(base + "_calib.npy", calib)
        np.save(base + "_test.npy", np.asarray(order="C", a=xte))
        quantize_qdq(base + ".onnx", base + "_qdq.onnx", calib)

        ref = ort.InferenceSession(base + ".onnx", providers=["CPUExecutionProvider"]).run(None, {"input": xte})[0]
        ref_qdq = ort.InferenceSession(base + "_qdq.onnx", providers=["CPUExecutionProvider"]).run(None, {"input": xte})[0]
        acc_ref = float((ref.argmax(1) == yte).mean())

        errors = {}

        def convert(name, onnx_path, out, *extra):
            """Converts and runs one variant; None (and the error noted) if either fails."""
            try:
                done = subprocess.run([args.dlpack, "convert", onnx_path, out, *extra], capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError((done.stderr or done.stdout).strip())
                return run_dlpk(args.dlpack, out, {"input": xte})[0]
            except RuntimeError as e:
                errors[name] = str(e)
                return None

        fp32 = convert("fp32", base + ".onnx", base + ".dlpk", "--compress", "0")
        int8 = convert("int8", base + ".onnx", base + "_int8.dlpk", "--quantize", "int8", "--calibrate", base + "_calib.npy", "--compress", "19")
        fp16 = convert("fp16", base + ".onnx", base + "_fp16.dlpk", "--quantize", "fp16", "--compress", "19")
        qdq = convert("qdq", base + "_qdq.onnx", base + "_qdq.dlpk")
        subprocess.run([args.dlpack, "convert", base + ".onnx", base + "_zstd.dlpk", "--compress", "19"],
                       check=True, capture_output=True)
        dynamo = None
        try:
            import onnxscript  # noqa: F401  (the dynamo exporter needs it)
            import contextlib
            import io
            with contextlib.redirect_stdout(io.StringIO()):
                export_dynamo(model, xte[:2], base + "_dynamo.onnx")
            dynamo = convert("dynamo", base + "_dynamo.onnx", base + "_dynamo.dlpk")
        except ImportError:
            errors["dynamo"] = "onnxscript is not installed: the dynamo exporter was not tried"

        def acc(y):
            return None if y is None else float((y.argmax(1) == yte).mean())

        r = {
            "model": kind,
            "fp32_max_abs_error": None if fp32 is None else float(np.abs(fp32 - ref).max()),
            "accuracy_onnxruntime": acc_ref,
            "accuracy_fp32": acc(fp32),
            "accuracy_int8": acc(int8),
            "int8_argmax_agreement": None if int8 is None or fp32 is None else float((int8.argmax(1) == fp32.argmax(1)).mean()),
            "fp16_max_abs_error": None if fp16 is None else float(np.abs(fp16 - ref).max()),
            "dynamo_export_fp32_max_abs_error": None if dynamo is None else float(np.abs(dynamo - ref).max()),
            "qdq_vs_onnxruntime_qdq_max_abs_error": None if qdq is None else float(np.abs(qdq - ref_qdq).max()),
            "accuracy_onnxruntime_qdq": acc(ref_qdq),
            "onnxruntime_qdq_argmax_agreement": float((ref_qdq.argmax(1) == ref.argmax(1)).mean()),
            "accuracy_dlpack_qdq": acc(qdq),
            "bytes": {name: os.path.getsize(base + suffix) for name, suffix in [
                ("onnx_fp32", ".onnx"), ("onnx_int8_qdq", "_qdq.onnx"), ("dlpk_fp32", ".dlpk"), ("dlpk_fp32_zstd", "_zstd.dlpk"),
                ("dlpk_int8_zstd", "_int8.dlpk"), ("dlpk_fp16_zstd", "_fp16.dlpk"), ("dlpk_from_qdq", "_qdq.dlpk")]
                if os.path.exists(base + suffix)},
            "errors": errors,
            "seconds": round(time.time() - t0, 1),
        }
        if "dynamo" in errors and not errors["dynamo"].startswith("onnxscript"):
            failures.append(f"{kind}: the dynamo export did not convert or run: {errors['dynamo']}")
        elif dynamo is not None and r["dynamo_export_fp32_max_abs_error"] > 1e-4:
            failures.append(f"{kind}: dynamo export fp32 max abs error {r['dynamo_export_fp32_max_abs_error']:.2e} > 1e-4")
        if fp32 is None or r["fp32_max_abs_error"] > 1e-4:
            failures.append(f"{kind}: fp32 max abs error {r['fp32_max_abs_error']} > 1e-4 {errors.get('fp32', '')}")
        if int8 is None or r["int8_argmax_agreement"] < 0.99:
            failures.append(f"{kind}: int8 argmax agreement {r['int8_argmax_agreement']} < 0.99 {errors.get('int8', '')}")
        elif r["accuracy_int8"] < r["accuracy_fp32"] - 0.01:
            failures.append(f"{kind}: int8 accuracy {r['accuracy_int8']:.4f} more than 1 point below fp32 {r['accuracy_fp32']:.4f}")
        results.append(r)
        print(json.dumps(r), flush=True)
    with open(os.path.join(args.work, "report.json"), "w") as f:
        json.dump(results, f, indent=1)
    for line in failures:
        print("FAIL", line)
    print(f"{len(results) - len({f.split(':')[0] for f in failures})} passed, {len({f.split(':')[0] for f in failures})} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
