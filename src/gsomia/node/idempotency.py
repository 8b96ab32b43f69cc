"""Idempotency keys of a node's operator requests, kept in the node's store.

IETF draft "The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key-
header): a client that may retry a ``POST`` (an answer lost, a timeout) sends the same
unique key with each try. The node answers the first request; a later one with the same
key and the same request (method, path and body bytes: its fingerprint) gets the first
(2xx) answer again, and nothing is done twice; the same key with another request is refused
(the draft's 422), and a key whose first request is still being processed is answered
409 (the draft's "concurrent request").

Table ``idempotency`` (created on opening, in the store's database, so that the keys
survive a restart and every worker of a node sees them): ``key`` (primary key),
``fingerprint`` (SHA-256 hex of the request), ``token`` (who reserved it), ``status``
(the answer's HTTP status; 0 while the first request is being processed), ``answer``
(its content type and body, JSON), ``at_s`` (Unix time [s] of the reservation).

Retention: :data:`RETENTION_S` (24 hours) after its first request a key is forgotten
(deleted at the next reservation), as the draft asks a resource to document
(section 2.3 of draft -06); a retry later than that is a new request.

A reservation whose request never finished (the process stopped in between) is never
replayed nor forgotten before its retention: it is answered 409, since whether its work
was done is not known here (the items and the audit log tell).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass

from gsomia.errors import StoreError
from gsomia.sharing.sqldb import Database

__all__ = ["IDEMPOTENCY_SCHEMA", "RETENTION_S", "IdempotencyKeys", "Stored"]

#: How long a key is kept after its first request [s] (module notes).
RETENTION_S = 24 * 3600.0

IDEMPOTENCY_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    token TEXT NOT NULL,
    status INTEGER NOT NULL,
    answer TEXT,
    at_s {real} NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store holds for a key.

    Attributes:
        fingerprint: SHA-256 hex of the first request.
        status: its answer's HTTP status, or 0 while it is being processed.
        content_type: the answer's content type ("" while processing).
        body: the answer's body (b"" while processing).
        at_s: Unix time [s] of the first request.
        mine: True when this call reserved the key (the caller must do the work).
    """

    fingerprint: str
    status: int
    content_type: str
    body: bytes
    at_s: float
    mine: bool


class IdempotencyKeys:
    """The keys of one node's store (module notes).

    Parameters:
        db: the node's store database (:attr:`gsomia.node.Store.db`).
        retention_s: how long a key is kept [s].

    Raises:
        StoreError: the database refused to create the table (also on every method).
    """

    def __init__(self, db: Database, retention_s: float = RETENTION_S) -> None:
        self.db = db
        self.retention_s = retention_s
        with db.transaction():
            db.script(IDEMPOTENCY_SCHEMA)

    def reserve(self, key: str, fingerprint: str) -> Stored:
        """Reserve ``key`` for a request of ``fingerprint`` unless it is known: what the
        store then holds (``mine`` True when reserved now). Forgets keys past their
        retention first (same transaction)."""
        token = uuid.uuid4().hex
        now = time.time()
        with self.db.transaction():
            self.db.execute("DELETE FROM idempotency WHERE at_s < ?", (now - self.retention_s,))
            self.db.execute(
                "INSERT INTO idempotency (key, fingerprint, token, status, answer, at_s) "
                "VALUES (?, ?, ?, 0, NULL, ?) ON CONFLICT (key) DO NOTHING",
                (key, fingerprint, token, now))
            row = self.db.fetchone(
                "SELECT fingerprint, token, status, answer, at_s FROM idempotency "
                "WHERE key = ?", (key,))
        if row is None:  # inserted or already there, in this transaction
            raise StoreError(self.db.display, "idempotency", f"key {key!r} not kept")
        answer = json.loads(row[3]) if row[3] else {"content_type": "", "body": ""}
        return Stored(row[0], int(row[2]), answer["content_type"],
                      base64.b64decode(answer["body"]), float(row[4]), row[1] == token)

    def complete(self, key: str, status: int, content_type: str, body: bytes) -> None:
        """Keep the answer of the request that reserved ``key``."""
        answer = json.dumps({"content_type": content_type,
                             "body": base64.b64encode(body).decode("ascii")})
        with self.db.transaction():
            self.db.execute("UPDATE idempotency SET status = ?, answer = ? WHERE key = ?",
                            (int(status), answer, key))

    def release(self, key: str) -> None:
        """Forget the reservation of ``key`` (its request did nothing: refused 4xx, or a
        5xx/503 rolled back), so that a retry with the same key is processed; an answer
        already kept is never forgotten here."""
        with self.db.transaction():
            self.db.execute("DELETE FROM idempotency WHERE key = ? AND status = 0", (key,))
