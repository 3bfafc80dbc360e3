"""Finding libdlpk and declaring every function of include/dlpk.h for ctypes.

The library is loaded with ctypes.CDLL, which releases the GIL for the duration of every
call: a long dlpk_session_run does not block other Python threads.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import POINTER, c_char_p, c_int32, c_int64, c_size_t, c_uint, c_void_p, c_float
from typing import Optional

from ._errors import error_class

MAX_RANK = 8
MEMORY_COPY = 0
MEMORY_BORROW = 1
status_t = c_int32


class Tensor(ctypes.Structure):
    """dlpk_tensor."""
    _fields_ = [("data", c_void_p), ("size", c_size_t), ("dtype", c_int32), ("rank", c_int32),
                ("dims", c_int64 * MAX_RANK)]


class TensorInfo(ctypes.Structure):
    """dlpk_tensor_info."""
    _fields_ = [("name", c_char_p), ("dtype", c_int32), ("rank", c_int32), ("dims", c_int64 * MAX_RANK)]


class ModelOptions(ctypes.Structure):
    """dlpk_model_options."""
    _fields_ = [("size", c_size_t), ("verify_checksums", c_int32), ("dequantize_int8_weights", c_int32)]


class SessionOptions(ctypes.Structure):
    """dlpk_session_options."""
    _fields_ = [("size", c_size_t), ("num_threads", c_int32), ("batch_size", c_int32)]


class Preprocessing(ctypes.Structure):
    """dlpk_preprocessing."""
    _fields_ = [("scale", c_float), ("channel_axis", c_int32), ("mean_count", c_size_t),
                ("mean", POINTER(c_float)), ("std_count", c_size_t), ("std", POINTER(c_float))]


model_p = c_void_p
session_p = c_void_p

# name: (restype, argtypes) for every function of dlpk.h.
_SIGNATURES = {
    "dlpk_version_number": (c_uint, []),
    "dlpk_version_string": (c_char_p, []),
    "dlpk_abi_version": (c_uint, []),
    "dlpk_format_version": (c_uint, []),
    "dlpk_status_string": (c_char_p, [status_t]),
    "dlpk_last_error_message": (c_char_p, []),
    "dlpk_dtype_size": (c_size_t, [c_int32]),
    "dlpk_model_options_init": (None, [POINTER(ModelOptions)]),
    "dlpk_model_open_file": (status_t, [c_char_p, POINTER(ModelOptions), POINTER(model_p)]),
    "dlpk_model_open_memory": (status_t, [c_void_p, c_size_t, c_int32, POINTER(ModelOptions), POINTER(model_p)]),
    "dlpk_model_free": (None, [model_p]),
    "dlpk_model_producer": (c_char_p, [model_p]),
    "dlpk_model_producer_version": (c_char_p, [model_p]),
    "dlpk_model_label_count": (c_size_t, [model_p]),
    "dlpk_model_label": (c_char_p, [model_p, c_size_t]),
    "dlpk_model_property": (c_char_p, [model_p, c_char_p]),
    "dlpk_model_created_at": (c_int64, [model_p]),
    "dlpk_model_preprocessing": (status_t, [model_p, c_size_t, POINTER(Preprocessing)]),
    "dlpk_model_input_count": (c_size_t, [model_p]),
    "dlpk_model_output_count": (c_size_t, [model_p]),
    "dlpk_model_input_info": (status_t, [model_p, c_size_t, POINTER(TensorInfo)]),
    "dlpk_model_output_info": (status_t, [model_p, c_size_t, POINTER(TensorInfo)]),
    "dlpk_session_options_init": (None, [POINTER(SessionOptions)]),
    "dlpk_session_create": (status_t, [model_p, POINTER(SessionOptions), POINTER(session_p)]),
    "dlpk_session_arena_size": (status_t, [model_p, POINTER(SessionOptions), POINTER(c_size_t)]),
    "dlpk_session_create_static": (status_t, [model_p, POINTER(SessionOptions), c_void_p, c_size_t,
                                              POINTER(session_p)]),
    "dlpk_session_free": (None, [session_p]),
    "dlpk_session_run": (status_t, [session_p, POINTER(Tensor), c_size_t, POINTER(Tensor), c_size_t]),
    "dlpk_session_run_alloc": (status_t, [session_p, POINTER(Tensor), c_size_t, POINTER(POINTER(Tensor)),
                                          POINTER(c_size_t)]),
    "dlpk_tensors_free": (None, [POINTER(Tensor), c_size_t]),
    "dlpk_session_output_info": (status_t, [session_p, c_size_t, POINTER(TensorInfo)]),
    "dlpk_session_cancel": (status_t, [session_p]),
}


def library_path() -> str:
    """Where libdlpk is loaded from: $DLPK_LIBRARY, else the libdlpk.so shipped in this
    package's directory, else the system's (ctypes.util.find_library("dlpk"))."""
    env = os.environ.get("DLPK_LIBRARY")
    if env:
        return env
    shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libdlpk.so")
    if os.path.exists(shipped):
        return shipped
    found = ctypes.util.find_library("dlpk")
    if found:
        return found
    raise OSError("libdlpk not found: set DLPK_LIBRARY to the path of libdlpk.so, "
                  "or install it (bindings/c/install.sh PREFIX) where the system finds it")


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(library_path())
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


_lib: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The loaded library (loaded at the first use, so that importing dlpk never fails)."""
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def raise_error(code: int, context: str = "") -> None:
    """Raises the exception for a failed call's status, with the thread's last message.
    Must be called on the thread that made the failing call (the message is per thread)."""
    library = lib()
    status = (library.dlpk_status_string(code) or b"").decode()
    message = (library.dlpk_last_error_message() or b"").decode(errors="replace")
    if context:
        message = f"{context}: {message}" if message else context
    raise error_class(code)(code, status, message)


def check(code: int, context: str = "") -> None:
    """Raises for a status other than DLPK_OK."""
    if code != 0:
        raise_error(code, context)
