"""The project's one exception tree.

::

    GsomiaError                  base of everything the project raises on purpose
    ├── InputError               a value given by a user or a file is malformed or impossible
    │   └── RecordError          a public launch record cannot be parsed (names the record)
    ├── PhysicsError             a flight cannot be computed or fitted
    └── SharingError             an agreement, marking, envelope or audit problem
        ├── AgreementError       an agreement or marking file is invalid (names file, key,
        │                        value); also an InputError
        └── AuditError           an audit log is unreadable or fails verification (names
                                 record); also an InputError

Every error carries its context as attributes, and its message names the field and the
value, so that the command line can print it as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AgreementError",
    "AuditError",
    "GsomiaError",
    "InputError",
    "PhysicsError",
    "RecordError",
    "SharingError",
]


class GsomiaError(Exception):
    """Base class of the errors gsomia raises on purpose."""


class InputError(GsomiaError, ValueError):
    """A user-given value is malformed or impossible.

    Attributes:
        field: name of the offending field (e.g. ``"--range"`` or ``"launches[2].bearing"``).
        value: the offending value, as given.
    """

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class RecordError(InputError):
    """A record of a public launch database is malformed.

    Attributes:
        record: a short identifier of the record (date and salvo position, or index).
    """

    def __init__(self, record: str, field: str, value: Any, reason: str) -> None:
        self.record = record
        super().__init__(field, value, reason)
        self.args = (f"record {record}: {field}={value!r}: {reason}",)


class PhysicsError(GsomiaError):
    """A flight cannot be computed (e.g. the fit does not converge)."""


class SharingError(GsomiaError):
    """An agreement, marking, envelope or audit problem."""


class AgreementError(SharingError, InputError):
    """An agreement or marking data file is invalid (also an :class:`InputError`).

    Attributes:
        file: the file (path or name) that holds the fault.
        field: the dotted key inside the file (e.g. ``"equivalence[1].markings.KOR"``).
        value: the offending value, as read.
        reason: what was expected.
    """

    def __init__(self, file: str, field: str, value: Any, reason: str) -> None:
        self.file = file
        super().__init__(field, value, reason)
        self.args = (f"{file}: {field}={value!r}: {reason}",)


class AuditError(SharingError, InputError):
    """An audit log cannot be opened, written or verified (also an :class:`InputError`).

    Attributes (as :class:`InputError`): ``field`` (e.g. ``"record"`` or ``"path"``),
    ``value`` (the first failing record's sequence number, or the path), ``reason``.
    """
