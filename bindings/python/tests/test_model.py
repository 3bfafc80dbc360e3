"""Opening models, their declarations and metadata, and results against references."""
from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

import dlpk


def test_library_is_the_one_dlpk_library_names() -> None:
    assert dlpk.library_path() == os.environ["DLPK_LIBRARY"]
    assert dlpk.version().count(".") == 2


def test_inputs_outputs_labels_metadata(mlp_path: str) -> None:
    with dlpk.Model(mlp_path) as m:
        assert m.inputs == [dlpk.TensorSpec("x", np.dtype(np.float32), (None, 64))]
        assert m.outputs == [dlpk.TensorSpec("y", np.dtype(np.float32), (None, 10))]
        assert m.labels == ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        assert m.metadata == {"producer": "dlpack-tests", "producer_version": "1", "created_at": 1_790_000_000}
        assert m.property("task") == "digits"
        assert m.property("absent") is None
        pre = m.preprocessing(0)
        assert pre is not None and pre.scale == pytest.approx(1 / 255) and pre.channel_axis == 1
        assert pre.mean == (0.5,) and pre.std == (0.25, 0.5)


def test_run_matches_numpy_reference(mlp_path: str, mlp_input: np.ndarray, mlp_reference) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        for batch in (3, 1, 2, 3):  # shape changes re-plan; outputs sized for each
            x = mlp_input[:batch]
            y = s.run({"x": x})["y"]
            assert y.shape == (batch, 10)
            np.testing.assert_allclose(y, mlp_reference(x), rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(s.run(mlp_input)["y"], s.run({"x": mlp_input})["y"])


def test_from_bytes_matches_file(mlp_path: str, mlp_input: np.ndarray) -> None:
    data = open(mlp_path, "rb").read()
    with dlpk.Model(mlp_path) as a, dlpk.Model.from_bytes(data) as b:
        del data  # copied at open
        np.testing.assert_array_equal(a.session().run(mlp_input)["y"], b.session().run(mlp_input)["y"])


def test_run_matches_c_example(mlp_path: str, mlp_input: np.ndarray, fixtures_dir: str) -> None:
    classify = os.environ.get("DLPK_CLASSIFY")
    if not classify:
        pytest.skip("DLPK_CLASSIFY (the C example) not set")
    out = subprocess.run([classify, mlp_path, os.path.join(fixtures_dir, "mlp_input_3x64.f32"), "10"],
                         capture_output=True, text=True, check=True).stdout
    # "  1. class 2 two        0.114430": the C example's top 10 of the first sample.
    c_scores = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] == "class":
            c_scores[int(parts[2])] = float(parts[-1])
    assert len(c_scores) == 10
    with dlpk.Model(mlp_path) as m, m.session() as s:
        y = s.run(mlp_input[:1])["y"][0]
        labels = m.labels
    for index, score in c_scores.items():
        assert abs(y[index] - score) <= 1e-6 + 1e-6 * abs(score)
    assert labels[int(np.argmax(y))] in out


def test_converted_onnx_matches_onnxruntime(onnx_model) -> None:
    ort = pytest.importorskip("onnxruntime")
    onnx_path, dlpk_path = onnx_model
    x = np.random.default_rng(3).standard_normal((16, 32)).astype(np.float32)
    expected = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    with dlpk.Model(dlpk_path) as m, m.session() as s:
        assert [o.name for o in m.outputs] == ["probs"] and m.inputs[0].shape == (None, 32)
        np.testing.assert_allclose(s.run(x)["probs"], expected, rtol=1e-5, atol=1e-6)


def test_dynamic_quantization_matches_onnxruntime_quantize_dynamic(onnx_model, tmp_path) -> None:
    """`dlpack convert --quantize dynamic` and onnxruntime's quantize_dynamic (per-channel int8
    weights, inputs quantized per run to uint8 over their own range) follow the same rules:
    the same integers, the same scales, so the same logits; only the final softmax may differ
    in the last bit."""
    ort = pytest.importorskip("onnxruntime")
    from onnxruntime.quantization import QuantType, quantize_dynamic
    onnx_path, float_dlpk = onnx_model
    ort_dynamic, dlpk_dynamic = str(tmp_path / "dynamic.onnx"), str(tmp_path / "dynamic.dlpk")
    quantize_dynamic(onnx_path, ort_dynamic, per_channel=True, weight_type=QuantType.QInt8)
    cli = os.environ.get("DLPACK_CLI") or "dlpack"
    done = subprocess.run([cli, "convert", onnx_path, dlpk_dynamic, "--quantize", "dynamic"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    x = np.random.default_rng(5).standard_normal((16, 32)).astype(np.float32)
    expected = ort.InferenceSession(ort_dynamic, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    with dlpk.Model(dlpk_dynamic) as m, m.session() as s:
        got = s.run(x)["probs"]
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    with dlpk.Model(float_dlpk) as m, m.session() as s:
        assert np.max(np.abs(s.run(x)["probs"] - got)) > 1e-5   # it did compute in int8
    assert os.path.getsize(dlpk_dynamic) < os.path.getsize(float_dlpk) / 2.5


@pytest.mark.parametrize("per_channel", [True, False])
def test_onnxruntime_quantize_dynamic_models_import_exactly(onnx_model, tmp_path, per_channel: bool) -> None:
    """A model onnxruntime's quantize_dynamic wrote (DynamicQuantizeLinear → MatMulInteger →
    Cast → Mul per layer) converts to dynamic-range Dense layers that compute what it does."""
    ort = pytest.importorskip("onnxruntime")
    from onnxruntime.quantization import QuantType, quantize_dynamic
    onnx_path, _ = onnx_model
    ort_dynamic, converted = str(tmp_path / "dynamic.onnx"), str(tmp_path / "converted.dlpk")
    quantize_dynamic(onnx_path, ort_dynamic, per_channel=per_channel, weight_type=QuantType.QInt8)
    cli = os.environ.get("DLPACK_CLI") or "dlpack"
    done = subprocess.run([cli, "convert", ort_dynamic, converted], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    x = np.random.default_rng(9).standard_normal((16, 32)).astype(np.float32)
    expected = ort.InferenceSession(ort_dynamic, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    with dlpk.Model(converted) as m, m.session() as s:
        np.testing.assert_allclose(s.run(x)["probs"], expected, rtol=1e-6, atol=1e-7)


def test_predict_applies_stored_preprocessing(onnx_model, mlp_path: str, mlp_input: np.ndarray) -> None:
    # The converted model stores no preprocessing: predict is run.
    _, dlpk_path = onnx_model
    x = np.random.default_rng(5).standard_normal((2, 32)).astype(np.float32)
    with dlpk.Model(dlpk_path) as m, m.session() as s:
        assert m.preprocessing(0) is None
        np.testing.assert_array_equal(s.predict(x)["probs"], s.run(x)["probs"])
    # The fixture's preprocessing in numpy: (x * scale - mean) / std[c] along axis 1.
    pre = dlpk.Preprocessing(scale=0.5, channel_axis=1, mean=(0.25,), std=(2.0, 4.0))
    x2 = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_allclose(pre.apply(x2), (x2 * 0.5 - 0.25) / np.array([[2.0, 4.0]]))
    with dlpk.Model(mlp_path) as m, m.session() as s:
        stored = m.preprocessing(0)
        with pytest.raises(ValueError, match="std"):  # 2 std values for 64 channels
            s.predict(mlp_input)
        assert stored is not None


def test_out_writes_into_caller_arrays(mlp_path: str, mlp_input: np.ndarray) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        out = np.full((3, 10), np.nan, np.float32)
        result = s.run(mlp_input, out=out)
        assert result["y"] is out
        np.testing.assert_array_equal(out, s.run(mlp_input)["y"])
        big = np.zeros(100, np.float32)  # larger: a view of its start
        view = s.run(mlp_input[:1], out={"y": big})["y"]
        assert view.shape == (1, 10) and np.shares_memory(view, big)
        with pytest.raises(dlpk.BufferTooSmallError):
            s.run(mlp_input, out=np.zeros((1, 10), np.float32))
        with pytest.raises(dlpk.DtypeMismatchError):
            s.run(mlp_input, out=np.zeros((3, 10), np.float64))
        with pytest.raises(dlpk.InvalidArgumentError, match="C-contiguous"):
            s.run(mlp_input, out=np.zeros((10, 3), np.float32).T)


def test_each_run_returns_its_own_arrays(mlp_path: str, mlp_input: np.ndarray, mlp_reference) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        first = [s.run(mlp_input[i:i + 1])["y"] for i in range(3)]  # repeated shapes: the fast path
        for i, y in enumerate(first):
            np.testing.assert_allclose(y, mlp_reference(mlp_input[i:i + 1]), rtol=1e-4, atol=1e-5)
        assert len({y.ctypes.data for y in first}) == 3


def test_predict_with_the_trained_models_standardization(trained_model) -> None:
    path, x = trained_model
    with dlpk.Model(path) as m, m.session() as s:
        assert m.labels == ["neg", "pos"] and m.metadata["producer"] == "dlpack-train"
        pre = m.preprocessing(0)
        assert pre is not None and pre.channel_axis == 1 and len(pre.mean) == 3 and len(pre.std) == 3
        # Fitted on (most of) these features: close to their mean and spread.
        assert np.all(np.abs(np.array(pre.mean) - x.mean(axis=0)) < 0.5 * np.array(pre.std))
        assert np.all(np.abs(np.array(pre.std) / x.std(axis=0) - 1) < 0.3)
        standardized = ((x * pre.scale - np.float32(pre.mean)) / np.float32(pre.std)).astype(np.float32)
        np.testing.assert_allclose(s.predict(x)["dense_out"], s.run(standardized)["dense_out"], rtol=1e-5, atol=1e-6)
        assert not np.allclose(s.predict(x)["dense_out"], s.run(x)["dense_out"])
