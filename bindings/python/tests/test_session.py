"""Several inputs and outputs, cancellation, and where the library comes from."""
from __future__ import annotations

import os

import numpy as np
import pytest

import dlpk
from dlpk import _lib


def test_two_inputs_two_outputs(two_input_model: str) -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.full((2, 3), 0.5, np.float32)
    with dlpk.Model(two_input_model) as m, m.session() as s:
        assert [i.name for i in m.inputs] == ["a", "b"] and [o.name for o in m.outputs] == ["s", "p"]
        y = s.run({"a": a, "b": b})
        np.testing.assert_array_equal(y["s"], a + b)
        np.testing.assert_array_equal(y["p"], a * b)
        z = s.run([a[:1], b[:1]])  # in order, another batch
        np.testing.assert_array_equal(z["s"], (a + b)[:1])
        with pytest.raises(dlpk.InvalidArgumentError, match="missing inputs"):
            s.run({"a": a})
        with pytest.raises(dlpk.InvalidArgumentError, match="pass a dict"):
            s.run(a)
        outs = {"s": np.empty((2, 3), np.float32), "p": np.empty((2, 3), np.float32)}
        r = s.run({"a": a, "b": b}, out=outs)
        assert r["s"] is outs["s"] and r["p"] is outs["p"]
        np.testing.assert_array_equal(outs["p"], a * b)


def test_cancel_before_a_run_cancels_it(mlp_path: str, mlp_input: np.ndarray) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        s.cancel()
        with pytest.raises(dlpk.CancelledError) as info:
            s.run(mlp_input)
        assert info.value.code == 500
        assert s.run(mlp_input)["y"].shape == (3, 10)  # one cancel, one run


def test_library_lookup_order(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DLPK_LIBRARY", "/somewhere/libdlpk.so")
    assert _lib.library_path() == "/somewhere/libdlpk.so"
    monkeypatch.delenv("DLPK_LIBRARY")
    shipped = os.path.join(os.path.dirname(_lib.__file__), "libdlpk.so")
    if os.path.exists(shipped):
        assert _lib.library_path() == shipped
    else:
        monkeypatch.setattr(_lib.ctypes.util, "find_library", lambda name: "libdlpk.so.sys" if name == "dlpk" else None)
        assert _lib.library_path() == "libdlpk.so.sys"
        monkeypatch.setattr(_lib.ctypes.util, "find_library", lambda name: None)
        with pytest.raises(OSError, match="DLPK_LIBRARY"):
            _lib.library_path()


def test_every_header_function_is_declared() -> None:
    header = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "dlpk.h")
    if not os.path.exists(header):
        pytest.skip("include/dlpk.h not next to the tests")
    import re
    declared = set(re.findall(r"DLPK_API\s+[^;]*?\b(dlpk_\w+)\s*\(", open(header).read()))
    assert declared and declared == set(_lib._SIGNATURES)
    library = _lib.lib()
    for name in declared:
        assert getattr(library, name).argtypes is not None


def test_empty_and_garbage_bytes_are_refused() -> None:
    with pytest.raises(dlpk.DlpkError):
        dlpk.Model.from_bytes(b"")
    with pytest.raises(dlpk.ModelFormatError):
        dlpk.Model.from_bytes(bytes(range(256)) * 4)
