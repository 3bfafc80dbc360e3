"""DLPack export: the struct layouts of the DLPack spec (v1.0) in ctypes, and `Tensor`, an
output type whose `__dlpack__` hands its memory to any consumer without a copy.

The capsule's DLManagedTensor(Versioned) holds a reference to the numpy array that owns
the memory (in `_live`, keyed by the struct's address) until the consumer calls the
deleter, or until the capsule is destroyed unconsumed. The memory belongs to that array,
never to a session's arena, so a capsule outliving its session stays valid.
"""
from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_int32, c_int64, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p
from typing import Any, Dict, Optional, Tuple

import numpy as np

KDL_CPU = 1
_CODE_INT, _CODE_UINT, _CODE_FLOAT, _CODE_BFLOAT = 0, 1, 2, 4
FLAG_READ_ONLY = 1 << 0
FLAG_IS_COPIED = 1 << 1


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", c_int32), ("device_id", c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", c_uint8), ("bits", c_uint8), ("lanes", c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", c_void_p), ("device", DLDevice), ("ndim", c_int32), ("dtype", DLDataType),
                ("shape", POINTER(c_int64)), ("strides", POINTER(c_int64)), ("byte_offset", c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", c_void_p), ("deleter", DELETER)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", c_uint32), ("minor", c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    pass


DELETER_VERSIONED = ctypes.CFUNCTYPE(None, POINTER(DLManagedTensorVersioned))
DLManagedTensorVersioned._fields_ = [("version", DLPackVersion), ("manager_ctx", c_void_p),
                                     ("deleter", DELETER_VERSIONED), ("flags", c_uint64),
                                     ("dl_tensor", DLTensor)]

# What keeps each exported struct, its shape array and the owning numpy array alive.
_live: Dict[int, Tuple[Any, ...]] = {}


def _release(address: int) -> None:
    _live.pop(address, None)


@DELETER
def _deleter(managed: Any) -> None:
    _release(ctypes.cast(managed, c_void_p).value or 0)


@DELETER_VERSIONED
def _deleter_versioned(managed: Any) -> None:
    _release(ctypes.cast(managed, c_void_p).value or 0)


_pyapi = ctypes.pythonapi
# The destructor gets the dying capsule as a raw PyObject* (c_void_p): wrapping it in a
# py_object would take a reference to an object being destroyed.
CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, c_void_p)
_pyapi.PyCapsule_New.restype = ctypes.py_object
_pyapi.PyCapsule_New.argtypes = [c_void_p, c_char_p, CAPSULE_DESTRUCTOR]
_pyapi.PyCapsule_IsValid.restype = ctypes.c_int
_pyapi.PyCapsule_IsValid.argtypes = [c_void_p, c_char_p]
_pyapi.PyCapsule_GetPointer.restype = c_void_p
_pyapi.PyCapsule_GetPointer.argtypes = [c_void_p, c_char_p]


def _make_capsule_destructor(name: bytes) -> Any:
    @CAPSULE_DESTRUCTOR
    def destroy(capsule: Any) -> None:
        # Only a capsule nobody consumed still carries its original name: then its
        # struct is ours to release. A consumer renames it "used_..." and calls the deleter.
        if _pyapi.PyCapsule_IsValid(capsule, name):
            _release(_pyapi.PyCapsule_GetPointer(capsule, name) or 0)
    return destroy


_destroy_versioned = _make_capsule_destructor(b"dltensor_versioned")
_destroy_legacy = _make_capsule_destructor(b"dltensor")


def dl_dtype(dtype: np.dtype) -> DLDataType:
    kind = dtype.kind
    code = {"f": _CODE_FLOAT, "i": _CODE_INT, "u": _CODE_UINT}.get(kind)
    if code is None:
        raise BufferError(f"dtype {dtype} has no DLPack equivalent here")
    return DLDataType(code, dtype.itemsize * 8, 1)


def export(array: np.ndarray, versioned: bool, read_only: bool = False, copied: bool = False) -> Any:
    """A DLPack capsule viewing `array` (C-contiguous, on the CPU) that keeps it alive."""
    if not array.flags.c_contiguous:
        raise BufferError("only C-contiguous arrays are exported")
    shape = (c_int64 * max(array.ndim, 1))(*array.shape)
    managed = DLManagedTensorVersioned() if versioned else DLManagedTensor()
    t = managed.dl_tensor
    t.data = array.ctypes.data
    t.device = DLDevice(KDL_CPU, 0)
    t.ndim = array.ndim
    t.dtype = dl_dtype(array.dtype)
    t.shape = ctypes.cast(shape, POINTER(c_int64))
    t.strides = None  # compact row-major
    t.byte_offset = 0
    if versioned:
        managed.version = DLPackVersion(1, 0)
        managed.deleter = _deleter_versioned
        managed.flags = (FLAG_READ_ONLY if read_only else 0) | (FLAG_IS_COPIED if copied else 0)
    else:
        managed.deleter = _deleter
    address = ctypes.addressof(managed)
    _live[address] = (managed, shape, array)
    name = b"dltensor_versioned" if versioned else b"dltensor"
    return _pyapi.PyCapsule_New(address, name, _destroy_versioned if versioned else _destroy_legacy)


class Tensor:
    """A model output: a numpy array (`.numpy()`, or `np.asarray(t)`) that also speaks DLPack.

    `np.from_dlpack(t)` and `torch.from_dlpack(t)` view the same memory without a copy; the
    memory stays valid for as long as any of them (or this object) lives, independent of the
    session that produced it.
    """

    __slots__ = ("_array",)

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def numpy(self) -> np.ndarray:
        """The output as a numpy array (the same memory, no copy)."""
        return self._array

    @property
    def shape(self) -> Tuple[int, ...]:
        return self._array.shape

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def data_ptr(self) -> int:
        """The address of the first element."""
        return int(self._array.ctypes.data)

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self._array.dtype:
            if copy is False:
                raise ValueError("a dtype conversion needs a copy")
            return self._array.astype(dtype)
        return self._array.copy() if copy else self._array

    def __dlpack_device__(self) -> Tuple[int, int]:
        return (KDL_CPU, 0)

    def __dlpack__(self, *, stream: Any = None, max_version: Optional[Tuple[int, int]] = None,
                   dl_device: Optional[Tuple[int, int]] = None, copy: Optional[bool] = None) -> Any:
        """A DLPack capsule: "dltensor_versioned" (DLPack 1.0) when the consumer passes
        max_version >= (1, 0), else the legacy "dltensor"."""
        if stream is not None and stream != -1:
            raise BufferError("CPU tensors take no stream")
        if dl_device is not None and tuple(dl_device) != (KDL_CPU, 0):
            raise BufferError(f"cannot export to device {dl_device}: the output is on the CPU")
        array = self._array.copy() if copy else self._array
        versioned = max_version is not None and max_version[0] >= 1
        return export(array, versioned, copied=bool(copy))

    def __repr__(self) -> str:
        return f"dlpk.Tensor(shape={self.shape}, dtype={self.dtype})"
