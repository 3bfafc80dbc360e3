"""dlpk: run .dlpk models from Python through libdlpk's C ABI.

    import dlpk, numpy as np
    with dlpk.Model("mnist.dlpk") as model, model.session(threads=1) as session:
        print(model.inputs, model.outputs, model.labels)
        y = session.run({"x": np.zeros((1, 784), np.float32)})["y"]

libdlpk is found through $DLPK_LIBRARY, else the libdlpk.so shipped in this package, else
the system's. Outputs are numpy arrays owning their memory; `Session.run_dlpack` returns
`dlpk.Tensor` objects that export it through DLPack without a copy.
"""
from ._dlpack import Tensor
from ._errors import (BufferTooSmallError, CancelledError, DlpkError, DtypeMismatchError, FileError,
                      InvalidArgumentError, ModelFileNotFoundError, ModelFormatError, NotFoundError,
                      NullPointerError, RunError, ShapeMismatchError, TruncatedModelError, UnsupportedError)
from ._lib import library_path
from ._model import Model, Preprocessing, Session, TensorSpec

__all__ = ["Model", "Session", "Tensor", "TensorSpec", "Preprocessing", "DlpkError", "InvalidArgumentError",
           "NullPointerError", "ShapeMismatchError", "DtypeMismatchError", "BufferTooSmallError", "NotFoundError",
           "FileError", "ModelFileNotFoundError", "ModelFormatError", "TruncatedModelError", "UnsupportedError",
           "RunError", "CancelledError", "library_path", "version"]
__version__ = "0.1.0"


def version() -> str:
    """The loaded libdlpk's version ("MAJOR.MINOR.PATCH")."""
    from . import _lib
    return _lib.lib().dlpk_version_string().decode()
