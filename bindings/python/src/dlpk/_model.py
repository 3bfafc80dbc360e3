"""Model and Session: the Python face of dlpk_model and dlpk_session."""
from __future__ import annotations

import _thread
import ctypes
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lib
from ._dlpack import Tensor
from ._errors import DtypeMismatchError, InvalidArgumentError, ShapeMismatchError

# dlpk_dtype <-> numpy. bf16 has no numpy dtype: it is carried as raw uint16.
_TO_NUMPY = {1: np.dtype(np.float32), 2: np.dtype(np.float16), 3: np.dtype(np.uint16),
             4: np.dtype(np.int8), 5: np.dtype(np.uint8), 6: np.dtype(np.int32), 7: np.dtype(np.int64)}
_FROM_NUMPY = {np.dtype(np.float32): 1, np.dtype(np.float16): 2, np.dtype(np.int8): 4,
               np.dtype(np.uint8): 5, np.dtype(np.int32): 6, np.dtype(np.int64): 7}

ArrayLike = Any
Inputs = Union[ArrayLike, Mapping[str, ArrayLike], Sequence[ArrayLike]]


@dataclass(frozen=True)
class TensorSpec:
    """An input's or output's declaration: name, numpy dtype, shape (None = dynamic)."""
    name: str
    dtype: np.dtype
    shape: Tuple[Optional[int], ...]


@dataclass(frozen=True)
class Preprocessing:
    """x' = (x * scale - mean[c]) / std[c], c the index along channel_axis."""
    scale: float
    channel_axis: int
    mean: Tuple[float, ...]
    std: Tuple[float, ...]

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Returns the preprocessed float32 copy of `x`."""
        y = np.asarray(x, dtype=np.float32) * np.float32(self.scale)
        shape = [1] * y.ndim
        if y.ndim:
            shape[self.channel_axis] = -1
        channels = y.shape[self.channel_axis] if y.ndim else 1
        for what, values in (("mean", self.mean), ("std", self.std)):
            if len(values) > 1 and len(values) != channels:
                raise InvalidArgumentError(100, "invalid argument",
                                           f"the preprocessing has {len(values)} {what} values, the input has "
                                           f"{channels} channels along axis {self.channel_axis}")
        if self.mean:
            y = y - np.asarray(self.mean, np.float32).reshape(shape if len(self.mean) > 1 else [1] * y.ndim)
        if self.std:
            y = y / np.asarray(self.std, np.float32).reshape(shape if len(self.std) > 1 else [1] * y.ndim)
        return np.ascontiguousarray(y, dtype=np.float32)


def _spec(info: _lib.TensorInfo) -> TensorSpec:
    dtype = _TO_NUMPY.get(info.dtype)
    if dtype is None:
        raise InvalidArgumentError(401, "unsupported dtype", f"dlpk dtype {info.dtype} has no numpy dtype")
    return TensorSpec(info.name.decode(), dtype,
                      tuple(None if d < 0 else int(d) for d in info.dims[:info.rank]))


def _decode(value: Optional[bytes]) -> str:
    return value.decode(errors="replace") if value else ""


class Model:
    """A .dlpk model, immutable once opened; any number of threads may share it.

    >>> with dlpk.Model("mnist.dlpk") as m, m.session() as s:
    ...     scores = s.run(x)["y"]
    """

    def __init__(self, path: Union[str, os.PathLike], *, verify_checksums: bool = True,
                 dequantize_int8_weights: bool = True) -> None:
        """Opens and validates the model at `path` (raises a DlpkError subclass if bad)."""
        self._handle: Optional[int] = None
        lib = _lib.lib()
        handle = ctypes.c_void_p()
        _lib.check(lib.dlpk_model_open_file(os.fsencode(path), self._options(verify_checksums, dequantize_int8_weights),
                                            ctypes.byref(handle)))
        self._init(handle.value)

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview], *, verify_checksums: bool = True,
                   dequantize_int8_weights: bool = True) -> "Model":
        """Opens a model from the bytes of a .dlpk file (copied: `data` may be dropped after)."""
        self = cls.__new__(cls)
        self._handle = None
        buffer = np.frombuffer(data, dtype=np.uint8)
        handle = ctypes.c_void_p()
        lib = _lib.lib()
        _lib.check(lib.dlpk_model_open_memory(buffer.ctypes.data if buffer.size else None, buffer.size,
                                              _lib.MEMORY_COPY,
                                              cls._options(verify_checksums, dequantize_int8_weights),
                                              ctypes.byref(handle)))
        self._init(handle.value)
        return self

    @staticmethod
    def _options(verify: bool, dequantize: bool) -> Any:
        options = _lib.ModelOptions()
        _lib.lib().dlpk_model_options_init(ctypes.byref(options))
        options.verify_checksums = int(verify)
        options.dequantize_int8_weights = int(dequantize)
        return ctypes.byref(options)

    def _init(self, handle: Optional[int]) -> None:
        self._handle = handle
        lib = _lib.lib()
        self._inputs = self._specs(lib.dlpk_model_input_count, lib.dlpk_model_input_info)
        self._outputs = self._specs(lib.dlpk_model_output_count, lib.dlpk_model_output_info)

    def _specs(self, count: Any, info: Any) -> List[TensorSpec]:
        specs = []
        for i in range(count(self._handle)):
            out = _lib.TensorInfo()
            _lib.check(info(self._handle, i, ctypes.byref(out)))
            specs.append(_spec(out))
        return specs

    @property
    def handle(self) -> int:
        """The dlpk_model* (raises if the model is closed)."""
        if self._handle is None:
            raise InvalidArgumentError(100, "invalid argument", "the model is closed")
        return self._handle

    @property
    def inputs(self) -> List[TensorSpec]:
        """The inputs as the model declares them, in order."""
        return list(self._inputs)

    @property
    def outputs(self) -> List[TensorSpec]:
        """The outputs as the model declares them, in order."""
        return list(self._outputs)

    @property
    def labels(self) -> List[str]:
        """The class labels stored with the model ([] for none)."""
        lib = _lib.lib()
        return [_decode(lib.dlpk_model_label(self.handle, i)) for i in range(lib.dlpk_model_label_count(self.handle))]

    @property
    def metadata(self) -> Dict[str, Any]:
        """producer, producer_version and created_at (seconds since the epoch, 0 if unknown).
        Properties stored under other keys: `property(key)` (the C ABI cannot list them)."""
        lib = _lib.lib()
        return {"producer": _decode(lib.dlpk_model_producer(self.handle)),
                "producer_version": _decode(lib.dlpk_model_producer_version(self.handle)),
                "created_at": int(lib.dlpk_model_created_at(self.handle))}

    def property(self, key: str) -> Optional[str]:
        """The metadata property `key`, or None if the model has none."""
        value = _lib.lib().dlpk_model_property(self.handle, key.encode())
        return None if value is None else _decode(value)

    def preprocessing(self, input_index: int = 0) -> Optional[Preprocessing]:
        """The preprocessing stored for an input, or None."""
        out = _lib.Preprocessing()
        code = _lib.lib().dlpk_model_preprocessing(self.handle, input_index, ctypes.byref(out))
        if code == 105:
            return None
        _lib.check(code)
        return Preprocessing(float(out.scale), int(out.channel_axis),
                             tuple(out.mean[i] for i in range(out.mean_count)),
                             tuple(out.std[i] for i in range(out.std_count)))

    def session(self, threads: int = 1, batch_size: int = 1) -> "Session":
        """A new session (one per thread): `threads` kernel threads, planned for `batch_size`."""
        return Session(self, threads=threads, batch_size=batch_size)

    def close(self) -> None:
        """Releases the model (sessions keep it alive until they are closed)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            _lib.lib().dlpk_model_free(handle)

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"dlpk.Model(inputs={self._inputs}, outputs={self._outputs})"


class Session:
    """Runs a model. Use each session from one thread at a time; the GIL is released
    while the model runs, so sessions on several threads run in parallel."""

    def __init__(self, model: Model, threads: int = 1, batch_size: int = 1) -> None:
        self._handle: Optional[int] = None
        self._model = model
        lib = _lib.lib()
        options = _lib.SessionOptions()
        lib.dlpk_session_options_init(ctypes.byref(options))
        options.num_threads = threads
        options.batch_size = batch_size
        handle = ctypes.c_void_p()
        _lib.check(lib.dlpk_session_create(model.handle, ctypes.byref(options), ctypes.byref(handle)))
        self._handle = handle.value
        self._inputs = model.inputs
        self._outputs = model.outputs
        self._in = (_lib.Tensor * len(self._inputs))()
        self._out = (_lib.Tensor * len(self._outputs))()
        self._n_in, self._n_out = len(self._inputs), len(self._outputs)
        self._names = [s.name for s in self._outputs]
        self._dtypes = [s.dtype for s in self._outputs]
        # Output shapes by input shapes and dtypes, so that a repeated run allocates exactly.
        self._shapes: Dict[Tuple[Any, ...], List[Tuple[int, ...]]] = {}
        self._last_key: Optional[Tuple[Any, ...]] = None
        self._single = self._n_in == 1 and self._n_out == 1
        # A session runs on one thread at a time (the C ABI's rule); a second thread is
        # refused with an error instead of racing inside the library.
        self._busy = _thread.allocate_lock()
        self._in_name = self._inputs[0].name if self._inputs else ""
        self._t_in = self._in[0] if self._n_in else None
        self._t_out = self._out[0] if self._n_out else None
        self._run = lib.dlpk_session_run

    @property
    def model(self) -> Model:
        return self._model

    @property
    def handle(self) -> int:
        if self._handle is None:
            raise InvalidArgumentError(100, "invalid argument", "the session is closed")
        return self._handle

    def _arrays(self, inputs: Inputs) -> List[np.ndarray]:
        specs = self._inputs
        if type(inputs) is dict or isinstance(inputs, Mapping):
            try:
                values = [inputs[s.name] for s in specs]
            except KeyError:
                missing = [s.name for s in specs if s.name not in inputs]
                unknown = sorted(set(inputs) - {s.name for s in specs})
                raise InvalidArgumentError(100, "invalid argument", f"missing inputs {missing}" + (
                    f"; no input named {unknown}" if unknown else "")) from None
            if len(inputs) != len(specs):
                unknown = sorted(set(inputs) - {s.name for s in specs})
                raise InvalidArgumentError(105, "not found", f"no input named {unknown}; "
                                           f"the model's inputs are {[s.name for s in specs]}")
        elif len(specs) == 1:
            values = [inputs]
        elif isinstance(inputs, (list, tuple)) and len(inputs) == len(specs):
            values = list(inputs)
        else:
            raise InvalidArgumentError(100, "invalid argument",
                                       f"the model has {len(specs)} inputs: pass a dict name -> array")
        return [_as_input(v, s) for v, s in zip(values, specs)]

    def run(self, inputs: Inputs, out: Optional[Union[np.ndarray, Mapping[str, np.ndarray],
                                                       Sequence[np.ndarray]]] = None) -> Dict[str, np.ndarray]:
        """Runs the model and returns {output name: numpy array}.

        `inputs`: a dict name -> array, or the array itself for a single-input model (a list
        for several, in order). Arrays (numpy, or anything with `__dlpack__`) are used in
        place: they must be C-contiguous with a dtype libdlpk knows, else a DlpkError (the
        library checks the dtype against the model's). Other objects (lists, scalars) are
        converted with numpy.asarray to the input's dtype.
        `out`: arrays to write the outputs into (C-contiguous, right dtype, big enough); the
        returned arrays are then those arrays (reshaped views if their shape differed).
        Otherwise fresh arrays are allocated for each run and owned by the caller.
        """
        if not self._busy.acquire(blocking=False):
            raise _concurrent_use()
        try:
            return self._run_unlocked(inputs, out)
        finally:
            self._busy.release()

    def _run_unlocked(self, inputs: Inputs, out: Any) -> Dict[str, np.ndarray]:
        if self._single and (out is None or type(out) is np.ndarray):
            # The common case, kept short (this is the per-call overhead): one input, one
            # output, the same input shape as the last run, out= absent or exactly right.
            x = inputs if type(inputs) is np.ndarray else (
                inputs.get(self._in_name) if type(inputs) is dict and len(inputs) == 1 else None)
            if type(x) is np.ndarray and self._handle is not None and x.flags.c_contiguous:
                key = (x.shape, x.dtype)
                shapes = self._shapes.get(key)
                if shapes is None or key != self._last_key:
                    y = None
                elif out is None:
                    y = np.empty(shapes[0], self._dtypes[0])
                elif out.shape == shapes[0] and out.dtype == self._dtypes[0] and out.flags.c_contiguous \
                        and out.flags.writeable:
                    y = out
                else:
                    y = None
                if y is not None:
                    t_in, t_out = self._t_in, self._t_out
                    t_in.data = _address(x)
                    t_in.size = x.nbytes
                    t_out.data = _address(y)
                    t_out.size = y.nbytes
                    code = self._run(self._handle, self._in, 1, self._out, 1)
                    if code:
                        _lib.raise_error(code)
                    return {self._names[0]: y}
        return dict(zip(self._names, self._execute(inputs, out)))

    def run_dlpack(self, inputs: Inputs) -> Dict[str, Tensor]:
        """Like run(), returning `dlpk.Tensor` outputs (numpy arrays with `__dlpack__`)."""
        if not self._busy.acquire(blocking=False):
            raise _concurrent_use()
        try:
            return {name: Tensor(a) for name, a in zip(self._names, self._execute(inputs, None))}
        finally:
            self._busy.release()

    def predict(self, x: ArrayLike) -> Dict[str, np.ndarray]:
        """Applies the preprocessing stored in the model to `x` (single input), then runs."""
        pre = self._model.preprocessing(0)
        return self.run(pre.apply(np.asarray(x)) if pre is not None else x)

    def _execute(self, inputs: Inputs, out: Any) -> List[np.ndarray]:
        """Binds inputs and outputs to the C structs, runs, returns the output arrays.
        Kept lean: this is the per-call overhead."""
        if self._handle is None:
            raise InvalidArgumentError(100, "invalid argument", "the session is closed")
        arrays = self._arrays(inputs)
        key = (arrays[0].shape, arrays[0].dtype) if len(arrays) == 1 else \
            tuple([a.shape for a in arrays] + [a.dtype for a in arrays])
        tin = self._in
        if key != self._last_key:  # shapes or dtypes changed: describe the inputs anew
            for t, a in zip(tin, arrays):
                t.dtype = _FROM_NUMPY[a.dtype]
                t.rank = a.ndim
                t.dims[:a.ndim] = a.shape
            self._last_key = key
        for t, a in zip(tin, arrays):
            t.data = _address(a)
            t.size = a.nbytes
        if out is not None:
            buffers = self._caller_buffers(out)
        else:
            shapes = self._shapes.get(key)
            if shapes is None:
                shapes = self._guess_shapes(arrays)
            buffers = [np.empty(shape, dtype) for shape, dtype in zip(shapes, self._dtypes)]
        code = self._bind_and_run(buffers)
        if code == 104 and out is None:  # the guess was small: the run filled in the dims
            buffers = [np.empty(tuple(t.dims[:t.rank]), dtype) for t, dtype in zip(self._out, self._dtypes)]
            code = self._bind_and_run(buffers)
        if code:
            _lib.raise_error(code)
        if out is None and shapes is self._shapes.get(key):
            return buffers  # the cached shapes were exact
        results = []
        for t, b in zip(self._out, buffers):
            shape = tuple(t.dims[:t.rank])
            if b.shape != shape:
                b = b.reshape(-1)[:int(np.prod(shape, dtype=np.int64))].reshape(shape)
            results.append(b)
        self._shapes[key] = [r.shape for r in results]
        return results

    def _bind_and_run(self, buffers: List[np.ndarray]) -> int:
        for t, b in zip(self._out, buffers):
            t.data = _address(b)
            t.size = b.nbytes
        return self._run(self._handle, self._in, self._n_in, self._out, self._n_out)

    def _guess_shapes(self, arrays: List[np.ndarray]) -> List[Tuple[int, ...]]:
        # The batch (a dynamic leading dimension) usually carries over from the first input.
        batch = arrays[0].shape[0] if arrays and arrays[0].ndim else 1
        return [tuple(batch if d is None else d for d in spec.shape) for spec in self._outputs]

    def _caller_buffers(self, out: Any) -> List[np.ndarray]:
        if isinstance(out, np.ndarray):
            out = [out]
        elif isinstance(out, Mapping):
            out = [out[s.name] for s in self._outputs]
        out = list(out)
        if len(out) != len(self._outputs):
            raise InvalidArgumentError(100, "invalid argument",
                                       f"out has {len(out)} arrays, the model has {len(self._outputs)} outputs")
        for b, s in zip(out, self._outputs):
            if not isinstance(b, np.ndarray) or not b.flags.c_contiguous or not b.flags.writeable:
                raise InvalidArgumentError(100, "invalid argument",
                                           f"out['{s.name}'] must be a writable C-contiguous numpy array")
            if b.dtype != s.dtype:
                raise DtypeMismatchError(103, "dtype mismatch",
                                         f"out['{s.name}'] has dtype {b.dtype}, the output is {s.dtype}")
        return out

    def cancel(self) -> None:
        """Cancels the run in progress (or the next one); it raises CancelledError.
        The one method that may be called from another thread during a run."""
        _lib.check(_lib.lib().dlpk_session_cancel(self.handle))

    def close(self) -> None:
        """Frees the session. Outputs already returned stay valid (they own their memory).
        Closing while another thread runs the session is refused."""
        if self._handle is None:
            return
        if not self._busy.acquire(blocking=False):
            raise _concurrent_use()
        try:
            handle, self._handle = self._handle, None
            _lib.lib().dlpk_session_free(handle)
        finally:
            self._busy.release()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


_char = ctypes.c_char


def _concurrent_use() -> InvalidArgumentError:
    return InvalidArgumentError(100, "invalid argument", "the session is running on another thread: "
                                "use one session per thread")


def _address(array: np.ndarray) -> int:
    """The address of an array's first element (from_buffer is the cheapest way; read-only
    arrays take the slower array.ctypes path)."""
    if array.flags.writeable and array.nbytes:
        return ctypes.addressof(_char.from_buffer(array))
    return array.ctypes.data


def _as_input(value: Any, spec: TensorSpec) -> np.ndarray:
    """The array a run reads, without a copy for arrays (numpy or DLPack producers)."""
    if isinstance(value, np.ndarray):
        array = value
    elif hasattr(value, "__dlpack__"):
        array = np.from_dlpack(value)
    else:  # lists, scalars: the documented conversion
        return np.ascontiguousarray(value, dtype=spec.dtype)
    if array.dtype not in _FROM_NUMPY:
        raise DtypeMismatchError(103, "dtype mismatch",
                                 f"input '{spec.name}' has dtype {array.dtype}, the model expects {spec.dtype} "
                                 f"(convert explicitly, e.g. x.astype(np.{spec.dtype}))")
    if not array.flags.c_contiguous:
        raise InvalidArgumentError(100, "invalid argument",
                                   f"input '{spec.name}' is not C-contiguous (use np.ascontiguousarray)")
    if array.ndim > _lib.MAX_RANK:
        raise ShapeMismatchError(102, "shape mismatch", f"input '{spec.name}' has rank {array.ndim}")
    return array
