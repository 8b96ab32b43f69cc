"""What a node reports as its health (``GET /v1/health``): the store, the audit log and
each partner's link, as they are now.

``store``
    ``backend`` (``sqlite`` or ``postgresql``), ``database`` (path or URL without
    password), ``reachable`` (a trivial query, ``SELECT 1``, answered now), ``latency_ms``
    of that query [ms], ``writable`` (no transaction refused since the last commit) and
    ``error`` (why not reachable, or the last refusal).
``audit``
    ``database`` and ``shared`` (the store's database, the default), ``reachable``,
    ``size`` (records), ``checkpoint_size`` and ``checkpoint_at`` (the latest signed
    checkpoint, ISO 8601 UTC), ``writable`` and ``error`` as for the store.
``links``
    per partner with a link or an outbox row: ``last_success`` and ``last_error_at`` (ISO
    8601 UTC, the node's clock; since the process started), ``last_error``, and from the
    outbox ``queued`` (pending), ``retrying`` (pending, at least one attempt failed),
    ``acked`` and ``rejected`` (refused by the partner), and ``failing`` (the last attempt
    failed).

``status``: ``down`` when the store (or a separate audit database) cannot be reached or
read — nothing can be acknowledged then; ``degraded`` when a database refused its last
write, a link's last attempt failed, a partner's checkpoint was found inconsistent or a
stored row tampered with; else ``ok``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gsomia.errors import StoreError
from gsomia.node.ledger import Ledger
from gsomia.sharing.sqldb import Database

__all__ = ["STATUSES", "LinkState", "LinkStates", "node_health"]

#: Values of ``status``, best first.
STATUSES = ("ok", "degraded", "down")


@dataclass(frozen=True, slots=True)
class LinkState:
    """The last outcome of sending to one partner (in memory, since the process started):
    ``last_success`` / ``last_error_at`` (aware UTC datetimes or None) and ``last_error``."""

    last_success: dt.datetime | None = None
    last_error_at: dt.datetime | None = None
    last_error: str | None = None

    @property
    def failing(self) -> bool:
        """The last attempt failed."""
        return self.last_error_at is not None and (
            self.last_success is None or self.last_error_at >= self.last_success)


class LinkStates:
    """:class:`LinkState` per partner, updated by the outbox after each attempt
    (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: dict[str, LinkState] = {}

    def succeeded(self, peer: str, at: dt.datetime) -> None:
        """The partner answered (accepted, duplicate or rejected: the link works)."""
        with self._lock:
            old = self._by.get(peer, LinkState())
            self._by[peer] = LinkState(at, old.last_error_at, old.last_error)

    def failed(self, peer: str, at: dt.datetime, error: str) -> None:
        """The link could not deliver (``error``: the LinkError's message)."""
        with self._lock:
            old = self._by.get(peer, LinkState())
            self._by[peer] = LinkState(old.last_success, at, error)

    def snapshot(self) -> dict[str, LinkState]:
        """A copy of the states, per partner."""
        with self._lock:
            return dict(self._by)


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(dt.UTC).isoformat()


def _database(db: Database) -> dict[str, Any]:
    """``reachable``, ``latency_ms``, ``writable`` and ``error`` of one database."""
    probe = db.probe()
    refused = db.refused
    return {"database": db.display, "reachable": probe.reachable,
            "latency_ms": None if probe.latency_s is None else probe.latency_s * 1e3,
            "writable": probe.reachable and refused is None,
            "error": probe.error or (None if refused is None
                                     else f"last write refused: {refused[1]}")}


def _outbox(db: Database) -> dict[str, dict[str, int]]:
    """Outbox rows per partner: ``queued``, ``retrying``, ``acked``, ``rejected``."""
    rows = db.fetchall(
        "SELECT peer, status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END, COUNT(*) "
        "FROM outbox GROUP BY peer, status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END")
    out: dict[str, dict[str, int]] = {}
    for peer, status, tried, n in rows:
        counts = out.setdefault(str(peer), {"queued": 0, "retrying": 0, "acked": 0,
                                            "rejected": 0})
        if status == "pending":
            counts["queued"] += int(n)
            counts["retrying"] += int(n) if int(tried) else 0
        elif status in counts:
            counts[status] += int(n)
    return out


def _links(states: dict[str, LinkState], outbox: dict[str, dict[str, int]] | None,
           peers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per partner: its :class:`LinkState` and its outbox counts (None when the store
    could not be read)."""
    keys = ("queued", "retrying", "acked", "rejected")
    empty = dict.fromkeys(keys, 0 if outbox is not None else None)
    out = {}
    for peer in sorted({*peers, *states, *(outbox or {})}):
        state = states.get(peer, LinkState())
        out[peer] = {"last_success": _iso(state.last_success),
                     "last_error_at": _iso(state.last_error_at),
                     "last_error": state.last_error, "failing": state.failing,
                     **(outbox or {}).get(peer, empty)}
    return out


def node_health(party: str, ledger: Ledger, links: LinkStates, peers: Iterable[str],
                counted: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The health of one node (module docstring): a dict of the fields of
    ``gsomia.web.models.HealthView``.

    Parameters:
        party: the node's party; ledger: its store and audit log; links: its outbox's
            link states; peers: the partners it has links to.
        counted: the store's counts (items delivered and of which kinds, witnessing),
            read only when the store answered the probe.

    Never raises :class:`~gsomia.errors.StoreError`: a store that fails is reported.
    """
    store_db, audit = ledger.store.db, ledger.audit
    shared = audit.db is store_db
    store = {"backend": store_db.dialect, **_database(store_db)}
    audit_db = _database(audit.db) if not shared else dict(store)
    audit_part: dict[str, Any] = {
        "database": audit_db["database"], "shared": shared,
        "reachable": audit_db["reachable"], "size": None, "checkpoint_size": None,
        "checkpoint_at": None, "writable": audit_db["writable"], "error": audit_db["error"]}
    body: dict[str, Any] = {"party": party, "status": "ok", "error": None, "store": store,
                            "audit": audit_part, "links": {}, "outbox": None, "items": None,
                            "warnings": None, "plots": None, "incidents": None,
                            "tampered": None, "checkpoint_size": None, "cosigned_by": {}}
    outbox = None
    if not store["reachable"] or not audit_part["reachable"]:
        what, db = ("store", store_db) if not store["reachable"] else ("audit log", audit.db)
        error = store["error"] if what == "store" else audit_part["error"]
        body.update(status="down", error=f"{what} unavailable: {db.display}: {error}")
    else:
        try:
            with ledger.lock:
                outbox = _outbox(store_db)
                audit_part["size"] = audit.size()
                row = audit.db.fetchone("SELECT size, issued_at FROM audit_checkpoints "
                                        "ORDER BY size DESC LIMIT 1")
            if row is not None:
                audit_part["checkpoint_size"] = int(row[0])
                audit_part["checkpoint_at"] = str(row[1])
            body.update(counted())
        except StoreError as exc:
            # the detail (database URL, SQL, driver message) only in the server log
            logging.getLogger("gsomia.node").error("health: %s", exc)
            body.update(status="down", error="store unavailable")
            outbox = None
    body["links"] = _links(links.snapshot(), outbox, peers)
    if outbox is not None:
        body["outbox"] = {"pending": sum(c["queued"] for c in outbox.values()),
                          "acked": sum(c["acked"] for c in outbox.values()),
                          "rejected": sum(c["rejected"] for c in outbox.values())}
    if body["status"] != "down" and (
            not store["writable"] or not audit_part["writable"]
            or any(link["failing"] for link in body["links"].values())
            or body.get("incidents") or body.get("tampered")):
        body["status"] = "degraded"
    return body
