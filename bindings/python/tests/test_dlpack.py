"""Zero copy in and out, DLPack capsules and their lifetimes."""
from __future__ import annotations

import gc

import numpy as np
import pytest

import dlpk
from dlpk import _dlpack


def test_output_address_is_what_from_dlpack_sees(mlp_path: str, mlp_input: np.ndarray) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        t = s.run_dlpack(mlp_input)["y"]
        assert isinstance(t, dlpk.Tensor) and t.__dlpack_device__() == (1, 0)
        a = np.from_dlpack(t)
        assert a.ctypes.data == t.data_ptr == t.numpy().ctypes.data
        np.testing.assert_array_equal(a, s.run(mlp_input)["y"])


def test_versioned_and_legacy_capsules() -> None:
    t = dlpk.Tensor(np.arange(12, dtype=np.int32).reshape(3, 4))
    versioned = t.__dlpack__(max_version=(1, 0))
    legacy = t.__dlpack__(max_version=(0, 8))
    assert "dltensor_versioned" in repr(versioned)
    assert '"dltensor"' in repr(legacy) and "dltensor" in repr(t.__dlpack__())
    live = len(_dlpack._live)
    del versioned, legacy
    gc.collect()
    assert len(_dlpack._live) == live - 2  # unconsumed capsules release their struct
    with pytest.raises(BufferError):
        t.__dlpack__(dl_device=(2, 0))


def test_struct_layouts_match_the_spec() -> None:
    assert (_dlpack.DLTensor.data.offset, _dlpack.DLTensor.device.offset, _dlpack.DLTensor.ndim.offset,
            _dlpack.DLTensor.dtype.offset, _dlpack.DLTensor.shape.offset, _dlpack.DLTensor.strides.offset,
            _dlpack.DLTensor.byte_offset.offset) == (0, 8, 16, 20, 24, 32, 40)
    assert ctypes_size(_dlpack.DLTensor) == 48
    assert _dlpack.DLManagedTensor.deleter.offset == 56
    v = _dlpack.DLManagedTensorVersioned
    assert (v.version.offset, v.manager_ctx.offset, v.deleter.offset, v.flags.offset, v.dl_tensor.offset) == \
        (0, 8, 16, 24, 32)


def ctypes_size(t) -> int:
    import ctypes
    return ctypes.sizeof(t)


def test_capsule_outlives_session_and_model(mlp_path: str, mlp_input: np.ndarray, mlp_reference) -> None:
    m = dlpk.Model(mlp_path)
    s = m.session()
    t = s.run_dlpack(mlp_input)["y"]
    capsule = t.__dlpack__(max_version=(1, 0))
    plain = s.run(mlp_input)["y"]
    s.close()
    m.close()
    del s, m
    a = np.from_dlpack(t)
    del t
    gc.collect()
    # Other allocations reuse freed memory: the outputs must still hold their values.
    junk = [np.full((3, 10), 7.0, np.float32) for _ in range(100)]
    np.testing.assert_allclose(a, mlp_reference(mlp_input), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(plain, mlp_reference(mlp_input), rtol=1e-4, atol=1e-5)
    del capsule, junk


def test_torch_takes_outputs_without_copy(mlp_path: str, mlp_input: np.ndarray) -> None:
    torch = pytest.importorskip("torch")
    with dlpk.Model(mlp_path) as m, m.session() as s:
        t = s.run_dlpack(mlp_input)["y"]
        tt = torch.from_dlpack(t)
        assert tt.data_ptr() == t.data_ptr and tuple(tt.shape) == (3, 10)
        np.testing.assert_array_equal(tt.numpy(), t.numpy())
        # And torch tensors are inputs through their __dlpack__, not copied.
        x = torch.from_numpy(mlp_input.copy())
        np.testing.assert_array_equal(s.run(x)["y"], s.run(mlp_input)["y"])


def test_inputs_are_not_copied(mlp_path: str, mlp_input: np.ndarray, monkeypatch) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        seen = []
        original = s._run

        def spy(handle, inputs, n_in, outputs, n_out):
            seen.append(inputs[0].data)
            return original(handle, inputs, n_in, outputs, n_out)
        monkeypatch.setattr(s, "_run", spy)
        x = np.ascontiguousarray(mlp_input)
        s.run(x)
        producer = dlpk.Tensor(x)  # any object with __dlpack__
        s.run({"x": producer})
        assert seen == [x.ctypes.data, x.ctypes.data]


def test_copy_requests_are_honoured() -> None:
    source = np.arange(4, dtype=np.float32)
    t = dlpk.Tensor(source)
    copied = np.from_dlpack(t, copy=True)
    assert copied.ctypes.data != source.ctypes.data
    np.testing.assert_array_equal(copied, source)
    assert np.from_dlpack(t, copy=False).ctypes.data == source.ctypes.data


def test_interpreter_exits_cleanly_with_live_exports(mlp_path: str) -> None:
    import subprocess
    import sys
    script = (
        "import dlpk, numpy as np\n"
        f"m = dlpk.Model({mlp_path!r}); s = m.session()\n"
        "t = s.run_dlpack(np.ones((3, 64), np.float32))['y']\n"
        "keep = [np.from_dlpack(t), t.__dlpack__(max_version=(1, 0)), t.__dlpack__()]\n"
        "s.close(); m.close(); print(float(keep[0].sum()))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    float(done.stdout)
