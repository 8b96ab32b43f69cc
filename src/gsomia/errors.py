"""The project's one exception tree.

::

    GsomiaError                  base of everything the project raises on purpose
    ├── InputError               a value given by a user or a file is malformed or impossible
    │   └── RecordError          a public launch record cannot be parsed (names the record)
    ├── PhysicsError             a flight cannot be computed or fitted
    ├── TaskError                a task of the batch or of a seed study failed, or its Dask
    │                            worker died (names the task: event or seed)
    └── SharingError             an agreement, marking, envelope or audit problem
        ├── AgreementError       an agreement or marking file is invalid (names file, key,
        │                        value); also an InputError
        ├── AuditError           an audit log is unreadable or fails verification (names
        │                        record); also an InputError
        ├── EnvelopeError        a sealed envelope fails a check on receipt (names the
        │   │                    envelope id and the check: format, party, decrypt,
        │   │                    signature, header)
        │   └── ReplayError      an envelope or signed message already seen, out of order
        │                        or too old (names the id)
        ├── ReleaseDenied        the release decision denies an item (names the failed
        │                        rules, e.g. third_party_consent)
        ├── TranslogError        a transparency-log proof, checkpoint or signed note is
        │   │                    malformed or does not verify; also an InputError
        │   └── InconsistentLog  a log's new checkpoint contradicts one seen before
        │                        (size went back, same size other root, bad proof)
        ├── LinkError            a link cannot deliver now (peer down, timeout); retried
        └── StoreError           a node's store or audit database refused a read or write
            │                    (names the database and operation); the transaction is
            │                    rolled back and an envelope being received is not
            │                    acknowledged
            └── StoreUnavailable the database cannot be reached now (no connection, or
                                 the connection was lost); try again later

Every error carries its context as attributes, and its message names the field and the
value, so that the command line can print it as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AgreementError",
    "AuditError",
    "EnvelopeError",
    "GsomiaError",
    "InconsistentLog",
    "InputError",
    "LinkError",
    "PhysicsError",
    "RecordError",
    "ReleaseDenied",
    "ReplayError",
    "SharingError",
    "StoreError",
    "StoreUnavailable",
    "TaskError",
    "TranslogError",
    "short_repr",
]


class GsomiaError(Exception):
    """Base class of the errors gsomia raises on purpose."""


#: Longest ``repr`` of an offending value written into a message (longer ones are cut,
#: so that a huge input is never echoed back in an error).
MAX_VALUE_CHARS = 200


def short_repr(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters with the full length noted."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} chars)"


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
        super().__init__(f"{field}={short_repr(value)}: {reason}")


class RecordError(InputError):
    """A record of a public launch database is malformed.

    Attributes:
        record: a short identifier of the record (date and salvo position, or index).
    """

    def __init__(self, record: str, field: str, value: Any, reason: str) -> None:
        self.record = record
        super().__init__(field, value, reason)
        self.args = (f"record {record}: {field}={short_repr(value)}: {reason}",)


class PhysicsError(GsomiaError):
    """A flight cannot be computed (e.g. the fit does not converge)."""


class TaskError(GsomiaError):
    """A task of the batch or of a seed study (:mod:`gsomia.sim.cluster`) failed where it
    ran, or the Dask worker running it died (``KilledWorker``).

    Attributes:
        task: what the task was, e.g. ``"event 2017-03-06#1, seed 20170306"``.
        reason: the task's error (its type and message) or the cluster's.
    """

    def __init__(self, task: str, reason: str) -> None:
        self.task = task
        self.reason = reason
        super().__init__(f"{task}: {reason}")

    def __reduce__(self) -> tuple[type[TaskError], tuple[str, str]]:
        return type(self), (self.task, self.reason)


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
        self.args = (f"{file}: {field}={short_repr(value)}: {reason}",)


class AuditError(SharingError, InputError):
    """An audit log cannot be opened, written or verified (also an :class:`InputError`).

    Attributes (as :class:`InputError`): ``field`` (e.g. ``"record"`` or ``"path"``),
    ``value`` (the first failing record's sequence number, or the path), ``reason``.
    """


class EnvelopeError(SharingError):
    """A sealed envelope fails a check on receipt; nothing of it is stored or handed on.

    Attributes:
        check: which check failed: ``"format"``, ``"party"``, ``"decrypt"``,
            ``"signature"``, ``"header"``, ``"sender"`` (the hop sender is not who it
            claims: hop signature or mutual-TLS peer), ``"replay"``.
        field: the part of the envelope (e.g. ``"envelope.jwe"``).
        value: the envelope id (or ``"?"`` when unreadable).
        reason: what was expected.
    """

    def __init__(self, check: str, field: str, value: Any, reason: str) -> None:
        self.check = check
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{check}: {field}={short_repr(value)}: {reason}")


class ReplayError(EnvelopeError):
    """An envelope or signed message was already accepted, is out of order, or is too old."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        super().__init__("replay", field, value, reason)


class ReleaseDenied(SharingError):
    """The release decision denies an item (default deny; Art. 6, TISA para 4).

    Attributes:
        item_id: the item.
        to: the party it would go to.
        rules: the failed rules' ids (e.g. ``("third_party_consent",)``).
        reason: the failed rules' details, joined.
        release: the denied request's outcome when a node raises it
            (:meth:`gsomia.node.Node.release`: a :class:`gsomia.node.Release` with status
            ``denied``, its decision and reasons); None when raised elsewhere. Typed
            ``Any`` because this module sits below the node and may not import it.
    """

    release: Any

    def __init__(self, item_id: str, to: str, rules: tuple[str, ...], reason: str,
                 release: Any = None) -> None:
        self.item_id = item_id
        self.to = to
        self.rules = rules
        self.reason = reason
        self.release = release
        super().__init__(f"release of {item_id!r} to {to} denied by {', '.join(rules)}: {reason}")


class LinkError(SharingError):
    """A link cannot deliver now (peer unreachable, refused connection, timeout).

    The sender keeps the envelope in its outbox and retries with backoff.

    Attributes:
        peer: the party the link leads to.
        reason: what went wrong.
    """

    def __init__(self, peer: str, reason: str) -> None:
        self.peer = peer
        self.reason = reason
        super().__init__(f"link to {peer}: {reason}")


class StoreError(SharingError):
    """A node's store or audit database refused a read or write (SQLite or PostgreSQL).

    The open transaction is rolled back, so nothing of it is kept; a node receiving an
    envelope then does not acknowledge it, and the sender retries.

    Attributes:
        field: the operation (e.g. ``"open"``, ``"INSERT INTO inbox"``).
        value: the database (path, or URL without password).
        reason: the driver's message.
    """

    def __init__(self, database: str, operation: str, reason: str) -> None:
        self.field = operation
        self.value = database
        self.reason = reason
        super().__init__(f"store {database}: {operation}: {reason}")


class StoreUnavailable(StoreError):
    """The database cannot be reached now: no connection could be had within the wait, or
    the connection was lost (server restarted, backend terminated). Transient: the same
    request may succeed a few seconds later.

    Attributes (as :class:`StoreError`), and:
        lost_before_commit: True when the connection was lost inside a transaction and
            the server rolled it back, so that nothing of it was written (safe to run
            again): lost before its ``COMMIT`` was sent, or during it and the server's
            record says rolled back (:mod:`gsomia.sharing.sqldb`); False otherwise (no
            connection at all, or lost during ``COMMIT`` and the outcome not learned).
    """

    def __init__(self, database: str, operation: str, reason: str, *,
                 lost_before_commit: bool = False) -> None:
        super().__init__(database, operation, reason)
        self.lost_before_commit = lost_before_commit


class TranslogError(SharingError, InputError):
    """A transparency-log proof, checkpoint or signed note is malformed or fails a check
    (RFC 9162 §2.1; C2SP ``signed-note``, ``tlog-checkpoint``, ``tlog-cosignature``).

    Attributes (as :class:`InputError`): ``field`` (e.g. ``"checkpoint.size"``,
    ``"note.signature"``), ``value`` (the offending text or number), ``reason``.
    """


class InconsistentLog(TranslogError):
    """A log's new checkpoint is not an append-only extension of one seen before.

    Attributes:
        origin: the log's origin line.
        old_size, new_size: the two checkpoints' tree sizes.
        field, value, reason: as :class:`TranslogError` (``field`` is
            ``"checkpoint.size"``, ``"checkpoint.root"`` or ``"proof"``).
    """

    def __init__(self, origin: str, old_size: int, new_size: int, field: str, value: Any,
                 reason: str) -> None:
        self.origin = origin
        self.old_size = old_size
        self.new_size = new_size
        super().__init__(field, value, f"log {origin!r} {old_size} -> {new_size}: {reason}")
