"""C statuses become DlpkError subclasses carrying the code and the library's message."""
from __future__ import annotations

import numpy as np
import pytest

import dlpk


def test_missing_file(tmp_path) -> None:
    with pytest.raises(dlpk.ModelFileNotFoundError) as info:
        dlpk.Model(str(tmp_path / "absent.dlpk"))
    assert info.value.code == 200 and "absent.dlpk" in info.value.message
    assert isinstance(info.value, OSError)


def test_bad_file(tmp_path) -> None:
    path = tmp_path / "bad.dlpk"
    path.write_bytes(b"not a dlpk model at all" * 10)
    with pytest.raises(dlpk.ModelFormatError) as info:
        dlpk.Model(str(path))
    assert info.value.code == 300 and info.value.status and info.value.message


def test_truncated_file(tmp_path, mlp_path: str) -> None:
    data = open(mlp_path, "rb").read()
    for cut in (16, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut{cut}.dlpk"
        path.write_bytes(data[:cut])
        with pytest.raises(dlpk.ModelFormatError) as info:
            dlpk.Model(str(path))
        assert 300 <= info.value.code < 400 and info.value.message
        with pytest.raises(dlpk.ModelFormatError):
            dlpk.Model.from_bytes(data[:cut])


def test_wrong_shape(mlp_path: str) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        with pytest.raises(dlpk.ShapeMismatchError) as info:
            s.run(np.zeros((2, 63), np.float32))
        assert info.value.code == 102 and "63" in info.value.message
        assert isinstance(info.value, ValueError)
        with pytest.raises(dlpk.ShapeMismatchError):
            s.run(np.zeros((2, 8, 8), np.float32))
        # The session still works after an error.
        assert s.run(np.zeros((2, 64), np.float32))["y"].shape == (2, 10)


def test_wrong_dtype(mlp_path: str) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        with pytest.raises(dlpk.DtypeMismatchError) as info:  # checked by libdlpk
            s.run(np.zeros((2, 64), np.int32))
        assert info.value.code == 103 and info.value.message
        with pytest.raises(dlpk.DtypeMismatchError, match="float64"):  # no dlpk dtype at all
            s.run(np.zeros((2, 64), np.float64))
        with pytest.raises(dlpk.InvalidArgumentError, match="C-contiguous"):
            s.run(np.zeros((64, 2), np.float32).T)


def test_wrong_names_and_closed_objects(mlp_path: str) -> None:
    m = dlpk.Model(mlp_path)
    s = m.session()
    with pytest.raises(dlpk.InvalidArgumentError, match="no input named"):
        s.run({"nope": np.zeros((1, 64), np.float32)})
    s.close()
    s.close()  # idempotent
    with pytest.raises(dlpk.InvalidArgumentError, match="closed"):
        s.run(np.zeros((1, 64), np.float32))
    m.close()
    with pytest.raises(dlpk.InvalidArgumentError, match="closed"):
        m.session()


def test_lists_are_converted_explicitly(mlp_path: str, mlp_input: np.ndarray) -> None:
    with dlpk.Model(mlp_path) as m, m.session() as s:
        np.testing.assert_array_equal(s.run(mlp_input[:1].tolist())["y"], s.run(mlp_input[:1])["y"])
