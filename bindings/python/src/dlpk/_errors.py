"""C status codes as a Python exception hierarchy."""
from __future__ import annotations

from typing import Dict, Type


class DlpkError(Exception):
    """An error reported by libdlpk (or by the binding, with the same codes).

    Attributes:
        code: the C status (``DLPK_ERROR_*`` of dlpk.h), e.g. 102 for a shape mismatch.
        status: the library's short name for the code ("shape mismatch").
        message: the library's message (what went wrong: file, node, expected vs found).
    """

    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(f"{status} ({code}): {message}" if message else f"{status} ({code})")
        self.code = code
        self.status = status
        self.message = message


class InvalidArgumentError(DlpkError, ValueError):
    """1xx: the caller's arguments (also a ValueError)."""


class NullPointerError(InvalidArgumentError):
    """101."""


class ShapeMismatchError(InvalidArgumentError):
    """102: an input's shape does not match the model's declaration."""


class DtypeMismatchError(InvalidArgumentError, TypeError):
    """103: an input's element type does not match the model's declaration."""


class BufferTooSmallError(InvalidArgumentError):
    """104: an output buffer is too small."""


class NotFoundError(InvalidArgumentError, KeyError):
    """105: no such input, output or metadata entry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class FileError(DlpkError, OSError):
    """2xx: files and I/O (also an OSError)."""

    def __init__(self, code: int, status: str, message: str) -> None:
        DlpkError.__init__(self, code, status, message)


class ModelFileNotFoundError(FileError):
    """200: the model file does not exist."""


class ModelFormatError(DlpkError):
    """3xx: the model file is corrupt, truncated, too new or invalid."""


class TruncatedModelError(ModelFormatError):
    """302."""


class UnsupportedError(DlpkError):
    """4xx: an op, dtype or feature this build does not have."""


class RunError(DlpkError, RuntimeError):
    """5xx: while running."""


class CancelledError(RunError):
    """500: the run was cancelled with Session.cancel()."""


_BY_CODE: Dict[int, Type[DlpkError]] = {
    101: NullPointerError, 102: ShapeMismatchError, 103: DtypeMismatchError,
    104: BufferTooSmallError, 105: NotFoundError, 200: ModelFileNotFoundError,
    302: TruncatedModelError, 500: CancelledError,
}
_BY_GROUP: Dict[int, Type[DlpkError]] = {
    1: InvalidArgumentError, 2: FileError, 3: ModelFormatError, 4: UnsupportedError, 5: RunError,
}


def error_class(code: int) -> Type[DlpkError]:
    """The exception class for a status code (unknown codes map to their group, else DlpkError)."""
    return _BY_CODE.get(code) or _BY_GROUP.get(code // 100, DlpkError)
