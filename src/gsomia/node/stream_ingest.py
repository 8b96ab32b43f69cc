"""A node's handler of its nation's stream: each message processed exactly once into the
node (:mod:`gsomia.node.stream` has the subjects, the consumer and its guarantees).

Per delivery (:class:`NodeIngest`): the bytes are read as the HTTP API reads a body (I-JSON,
RFC 7493: :func:`gsomia.schemas.json_text.read_json`), then by the subject's kind
(``detections``: :meth:`gsomia.node.plots.RadarPlots.from_dict`; ``tracks``:
:meth:`gsomia.node.warning.MissileWarning.from_dict`) and published by the node
(:meth:`gsomia.node.Node.publish`: stored, decided and queued to every partner in its
routes) under the item id :func:`stream_item_id` of the message id; the message id is kept
in the table ``stream_messages`` of the node's store (primary key: stream, message id) in
the same transaction as the item. A message id found there is a duplicate (acked, not
processed again); two workers racing on one message both try the insert, and the second
fails on the key (or, on SQLite, waits for the first's write lock and then finds the
row), rolls back and acks.
"""

from __future__ import annotations

import hashlib
import logging

from gsomia.errors import InputError, StoreError
from gsomia.node.node import Node
from gsomia.node.plots import RadarPlots
from gsomia.node.stream import MSG_ID_HEADER, Delivery, Outcome, valid_msg_id
from gsomia.node.warning import MissileWarning
from gsomia.schemas.json_text import read_json

__all__ = ["NodeIngest", "stream_item_id"]

_LOG = logging.getLogger(__name__)
_TABLE = """
CREATE TABLE IF NOT EXISTS stream_messages (
    stream TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    item_id TEXT,
    stream_seq INTEGER NOT NULL,
    processed_s {real} NOT NULL,
    PRIMARY KEY (stream, msg_id)
)
"""


def stream_item_id(party: str, stream: str, msg_id: str) -> str:
    """The id of the item made of message ``msg_id`` of ``stream``:
    ``<party>-<first 16 hex of SHA-256("<stream>\\n<msg_id>")>`` (the node's id form)."""
    digest = hashlib.sha256(f"{stream}\n{msg_id}".encode()).hexdigest()
    return f"{party}-{digest[:16]}"


def _read(delivery: Delivery) -> RadarPlots | MissileWarning:
    """The payload of a delivery.

    The bytes are read as the HTTP API reads a body (:func:`gsomia.schemas.json_text.read_json`:
    I-JSON, RFC 7493: UTF-8 without lone surrogates, nesting at most 64 deep, integers
    within ±(2**53 - 1), finite numbers, no repeated member names), then by the closed
    model of the kind.

    Raises:
        InputError: no message id, an unknown subject, not I-JSON, not a JSON object, or
            a payload that does not read (names the field).
    """
    if not valid_msg_id(delivery.msg_id):
        raise InputError(MSG_ID_HEADER, delivery.msg_id, "missing or malformed")
    if delivery.kind is None:
        raise InputError("subject", delivery.subject, "not a subject of this stream")
    data = read_json(delivery.data, "data")
    if not isinstance(data, dict):
        raise InputError("data", type(data).__name__, "expected a JSON object")
    if delivery.kind == "detections":
        return RadarPlots.from_dict(data)
    return MissileWarning.from_dict(data)


class NodeIngest:
    """The node's handler of its nation's stream: each radar scan (``detections``) or track
    report (``tracks``) is published by the node (:meth:`gsomia.node.Node.publish`: stored,
    decided and queued to every partner in its routes), exactly once per message id
    (module notes).

    Per delivery: a message id already in ``stream_messages`` → DUPLICATE; a message that
    does not read, or that the node refuses (:class:`~gsomia.errors.InputError`) →
    audited ``stream.rejected`` (stream, subject, sequence, message id, reason) and
    REJECTED; the store failing (:class:`~gsomia.errors.StoreError`) → RETRY; any other
    exception (a fault of the node on this message) → RETRY, and from its
    ``max_failures``-th delivery on, audited ``stream.rejected`` and REJECTED, so that one
    message never holds a worker for ever; else the item, its releases and the message id
    commit in one transaction → PROCESSED, and the outbox is flushed by the node's
    background sender.

    Parameters:
        node: the node; classification: the marking of the items (default the node's
            ``warning_classification``).
        max_failures: deliveries of a message that keeps failing with an unexpected
            exception before it is rejected (default 5).

    Raises:
        StoreError: the table cannot be created.
    """

    def __init__(self, node: Node, classification: str | None = None, *,
                 max_failures: int = 5) -> None:
        self.node = node
        self.classification = classification
        self.max_failures = max_failures
        node.store.db.script(_TABLE)

    def processed(self, stream: str, msg_id: str) -> str | None:
        """The item id of a processed message, '' for one processed without an item, or
        None when not processed."""
        row = self.node.store.db.fetchone(
            "SELECT item_id FROM stream_messages WHERE stream = ? AND msg_id = ?",
            (stream, msg_id))
        return None if row is None else (row[0] or "")

    def __call__(self, d: Delivery) -> Outcome:
        try:
            if d.msg_id is not None and self.processed(d.stream, d.msg_id) is not None:
                return Outcome.DUPLICATE
            try:
                payload = _read(d)
            except InputError as exc:
                return self._reject(d, exc)
            assert d.msg_id is not None
            item_id = stream_item_id(self.node.party, d.stream, d.msg_id)
            try:
                with self.node.transaction():
                    self.node.publish(payload, classification=self.classification,
                                      send=False, item_id=item_id)
                    self.node.store.db.execute(
                        "INSERT INTO stream_messages (stream, msg_id, item_id, stream_seq, "
                        "processed_s) VALUES (?, ?, ?, ?, ?)",
                        (d.stream, d.msg_id, item_id, d.stream_seq,
                         self.node.clock.now_s()))
            except (InputError, StoreError) as exc:
                if self.processed(d.stream, d.msg_id) is not None:
                    return Outcome.DUPLICATE  # another worker committed it meanwhile
                if isinstance(exc, StoreError):
                    raise
                return self._reject(d, exc)
        except StoreError as exc:
            _LOG.warning("stream %s seq %s: store failed, retried: %s", d.stream,
                         d.stream_seq, exc)
            return Outcome.RETRY
        except Exception as exc:  # noqa: BLE001 - a fault on one message: retried, bounded
            _LOG.exception("stream %s seq %s: failed (delivery %d)", d.stream, d.stream_seq,
                           d.num_delivered)
            if d.num_delivered < self.max_failures:
                return Outcome.RETRY
            try:
                return self._reject(d, f"failed on {d.num_delivered} deliveries: "
                                       f"{type(exc).__name__}: {exc}")
            except StoreError:
                return Outcome.RETRY
        self.node.flush_soon()
        return Outcome.PROCESSED

    def _reject(self, d: Delivery, reason: InputError | str) -> Outcome:
        """Audit a message that can never be processed (raises StoreError when the audit
        itself fails: then the message is retried, never terminated unaudited)."""
        self.node.record("stream.rejected", {
            "stream": d.stream, "subject": d.subject, "stream_seq": d.stream_seq,
            "msg_id": d.msg_id, "deliveries": d.num_delivered,
            # a reason naming a lone surrogate keeps it as an escape (the audit is UTF-8)
            "reason": str(reason).encode("utf-8", "backslashreplace").decode("utf-8")})
        return Outcome.REJECTED
