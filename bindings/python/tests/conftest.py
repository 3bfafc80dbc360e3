"""Test models and references.

- DLPK_LIBRARY: the libdlpk.so under test (required).
- DLPK_TEST_FIXTURES: the directory the Swift tests write (mlp.dlpk with labels, metadata and
  preprocessing, its raw weights mlp_weights.f32 and mlp_input_3x64.f32; see
  Tests/DLRuntimeTests/FileModelTests.swift).
- DLPACK_CLI: the dlpack CLI, to convert ONNX models built here (default: `dlpack` on PATH).
- DLPK_CLASSIFY: bindings/c/examples/classify built against the same library.
bindings/python/run-tests.sh sets all of them.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest

MLP_SIZES = [64, 128, 64, 10]


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("DLPK_LIBRARY"):
        raise pytest.UsageError("set DLPK_LIBRARY to the libdlpk.so to test (bindings/python/run-tests.sh does)")


@pytest.fixture(scope="session")
def fixtures_dir() -> str:
    path = os.environ.get("DLPK_TEST_FIXTURES")
    if not path or not os.path.exists(os.path.join(path, "mlp.dlpk")):
        pytest.skip("DLPK_TEST_FIXTURES (the Swift tests' model files) not set")
    return path


@pytest.fixture(scope="session")
def mlp_path(fixtures_dir: str) -> str:
    return os.path.join(fixtures_dir, "mlp.dlpk")


@pytest.fixture(scope="session")
def mlp_input(fixtures_dir: str) -> np.ndarray:
    return np.fromfile(os.path.join(fixtures_dir, "mlp_input_3x64.f32"), dtype=np.float32).reshape(3, 64)


@pytest.fixture(scope="session")
def mlp_reference(fixtures_dir: str):
    """The fixture MLP in numpy, from its raw weights (w [n, k], b [n] per layer)."""
    raw = np.fromfile(os.path.join(fixtures_dir, "mlp_weights.f32"), dtype=np.float32)
    layers, at = [], 0
    for k, n in zip(MLP_SIZES, MLP_SIZES[1:]):
        layers.append((raw[at:at + n * k].reshape(n, k), raw[at + n * k:at + n * k + n]))
        at += n * k + n

    def forward(x: np.ndarray) -> np.ndarray:
        h = x.astype(np.float64)
        for i, (w, b) in enumerate(layers):
            h = h @ w.T.astype(np.float64) + b
            if i < len(layers) - 1:
                h = np.maximum(h, 0)
        return h
    return forward


@pytest.fixture(scope="session")
def onnx_model(tmp_path_factory: pytest.TempPathFactory):
    """(onnx path, dlpk path): an MLP 32-48-5 with a softmax, built with the onnx package from
    seeded weights and converted by `dlpack convert`."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    cli = os.environ.get("DLPACK_CLI") or shutil.which("dlpack")
    if not cli:
        pytest.skip("DLPACK_CLI (the dlpack CLI) not set")
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal((32, 48)).astype(np.float32) / 6
    b0 = rng.standard_normal(48).astype(np.float32) / 10
    w1 = rng.standard_normal((48, 5)).astype(np.float32) / 7
    b1 = rng.standard_normal(5).astype(np.float32) / 10
    nodes = [helper.make_node("MatMul", ["x", "w0"], ["m0"]), helper.make_node("Add", ["m0", "b0"], ["a0"]),
             helper.make_node("Relu", ["a0"], ["h0"]), helper.make_node("MatMul", ["h0", "w1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["probs"], axis=-1)]
    graph = helper.make_graph(nodes, "mlp",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 32])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 5])],
                              [numpy_helper.from_array(a, n) for a, n in [(w0, "w0"), (b0, "b0"), (w1, "w1"), (b1, "b1")]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    directory = tmp_path_factory.mktemp("onnx")
    onnx_path, dlpk_path = str(directory / "mlp.onnx"), str(directory / "mlp.dlpk")
    onnx.save(model, onnx_path)
    done = subprocess.run([cli, "convert", onnx_path, dlpk_path], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return onnx_path, dlpk_path


@pytest.fixture(scope="session")
def two_input_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A converted ONNX model with two inputs and two outputs: s = a + b, p = a * b ([?, 3])."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    cli = os.environ.get("DLPACK_CLI") or shutil.which("dlpack")
    if not cli:
        pytest.skip("DLPACK_CLI (the dlpack CLI) not set")
    graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Mul", ["a", "b"], ["p"])],
                              "two", [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n", 3]) for n in "ab"],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n", 3]) for n in "sp"])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    directory = tmp_path_factory.mktemp("two")
    onnx_path, dlpk_path = str(directory / "two.onnx"), str(directory / "two.dlpk")
    onnx.save(model, onnx_path)
    done = subprocess.run([cli, "convert", onnx_path, dlpk_path], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return dlpk_path


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory):
    """(path, features): a classifier `dlpack train` writes from a CSV, with labels and the
    standardization fitted on the data stored as the model's preprocessing."""
    cli = os.environ.get("DLPACK_CLI") or shutil.which("dlpack")
    if not cli:
        pytest.skip("DLPACK_CLI (the dlpack CLI) not set")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 3)) * [1, 10, 100] + [0, 5, 50]
    y = (x[:, 0] > 0).astype(int)
    directory = tmp_path_factory.mktemp("train")
    csv, path = directory / "data.csv", str(directory / "model.dlpk")
    csv.write_text("a,b,c,label\n" + "".join(f"{p},{q},{r},{l}\n" for (p, q, r), l in zip(x, y)))
    done = subprocess.run([cli, "train", str(csv), "--layers", "dense:2", "--epochs", "2", "--labels", "neg,pos",
                           "--out", path], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return path, x.astype(np.float32)
