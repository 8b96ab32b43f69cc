"""A node's store and audit log written together: one lock, one transaction, one append.

Every part of a node (:mod:`~gsomia.node.origin`, :mod:`~gsomia.node.outbox`,
:mod:`~gsomia.node.inbox`, :mod:`~gsomia.node.hub`) writes through the one :class:`Ledger`
of its node, so that a step's store rows and its audit records commit in one transaction
(when the audit tables live in the store's database, the default) or not at all.

Each ``item.created`` record's sequence number is kept in the store (``item_leaves``), in
the same transaction, so that an own item is checked on read against the SHA-256 its
record holds (:meth:`gsomia.node.witness.Witness.check_local`). After each commit that
appended records the ledger calls :attr:`Ledger.after_commit` (the node's
:class:`~gsomia.node.witness.Witness`, which signs a checkpoint when one is due).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from gsomia.node.store import Store
from gsomia.sharing.audit import AuditLog

__all__ = ["AfterCommit", "AuditEntry", "Ledger"]

#: One audit record before it is stamped: ``(kind, body)``, e.g.
#: ``("release.denied", {"item_id": ..., "to": ...})``.
AuditEntry = tuple[str, dict[str, Any]]

_LOG = logging.getLogger(__name__)


class AfterCommit(Protocol):
    """Told, under the ledger's lock, that ``appended`` audit records were committed."""

    def committed(self, appended: int) -> None: ...


class Ledger:
    """The store and audit log of one party's node, and the lock that serialises them.

    Parameters:
        party: the node's party (added to every audit record as ``party``).
        store: the node's :class:`~gsomia.node.Store`.
        audit: its :class:`~gsomia.sharing.AuditLog` (by default in the store's database).

    Attributes:
        party, store, audit: as given.
        lock: the node's re-entrant lock; held by every step that reads and then writes.
        after_commit: told after each commit that appended records (or None).
        witness: the node's :class:`~gsomia.node.witness.Witness` once made (or None).
    """

    def __init__(self, party: str, store: Store, audit: AuditLog) -> None:
        self.party = party
        self.store = store
        self.audit = audit
        self.lock = threading.RLock()
        self.after_commit: AfterCommit | None = None
        self.witness: Any = None
        # (thread, records) of the open transaction, or None
        self._buffer: tuple[int, list[tuple[str, dict[str, Any], dt.datetime]]] | None = None

    def record(self, entries: Iterable[AuditEntry], at: dt.datetime) -> None:
        """Append audit records stamped ``at`` (UTC); inside :meth:`transaction` (in its
        thread) they are kept and appended together at its end, in the same transaction
        and the same order."""
        records = [(kind, {"party": self.party, **body}, at) for kind, body in entries]
        buffer = self._buffer
        if buffer is not None and buffer[0] == threading.get_ident():
            buffer[1].extend(records)
        else:
            with self.lock:  # a connection lost before the commit: once more (sqldb)
                self.store.db.retrying(lambda: self._index(self.audit.append_many(records)))
            self._committed(len(records))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The lock and one store transaction (nested ones join the outermost), whose
        audit records go to the log in one append at its end, just before the commit: the
        same records in the same order in the same transaction as one append per step,
        with one read and check of the log's end instead of one per step. On any exception
        the transaction and its records are dropped together."""
        appended = 0
        with self.lock:
            with self.store.transaction():
                if self._buffer is not None:
                    yield
                    return
                self._buffer = (threading.get_ident(), [])
                try:
                    yield
                    records = self._buffer[1]
                    self._buffer = None
                    if records:
                        self._index(self.audit.append_many(records))
                        appended = len(records)
                finally:
                    self._buffer = None
            self._committed(appended)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside :meth:`transaction` (same thread): a part of it that an exception undoes
        alone, store writes and audit records both (SQL ``SAVEPOINT`` / ``ROLLBACK TO``,
        SQL:1999, in SQLite and PostgreSQL alike), the exception re-raised; the rest of the
        transaction goes on. Used by the inbox to check a batch of envelopes in one
        transaction, a rejected envelope leaving nothing but its rejection record.

        Raises:
            RuntimeError: no transaction of this thread is open.
            StoreError: the database refused the savepoint (the transaction then fails).
        """
        buffer = self._buffer
        if buffer is None or buffer[0] != threading.get_ident():
            raise RuntimeError("Ledger.savepoint() needs an open Ledger.transaction()")
        mark = len(buffer[1])
        db = self.store.db
        db.execute("SAVEPOINT gsomia_part")
        try:
            yield
        except BaseException:
            del buffer[1][mark:]
            db.execute("ROLLBACK TO SAVEPOINT gsomia_part")
            db.execute("RELEASE SAVEPOINT gsomia_part")
            raise
        db.execute("RELEASE SAVEPOINT gsomia_part")

    def _index(self, written: Iterable[Any]) -> None:
        """Keep the sequence number of each ``item.created`` record (same transaction)."""
        for rec in written:
            if rec.kind == "item.created" and isinstance(rec.body.get("item_id"), str):
                self.store.put_item_leaf(rec.body["item_id"], rec.seq)

    def _committed(self, appended: int) -> None:
        """Tell :attr:`after_commit`. The step is committed whatever it answers: its
        failure (a checkpoint the store could not take) is logged and left to the next
        commit, never raised into the step, whose caller would take it for not done."""
        if appended and self.after_commit is not None:
            try:
                self.after_commit.committed(appended)
            except Exception:  # noqa: BLE001 - see the docstring
                _LOG.exception("%s: after-commit hook failed (left to the next commit)",
                               self.party)

    def close(self) -> None:
        """Close the store, and the audit log when it has a database of its own."""
        self.store.close()
        if self.audit.db is not self.store.db:
            self.audit.close()
