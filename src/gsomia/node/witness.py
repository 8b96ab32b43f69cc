"""Partners as witnesses of each other's audit log: checkpoints issued, carried, cosigned.

**Issuing** (:class:`CheckpointPolicy`). A node signs its audit log's Merkle tree head
(RFC 9162 §2.1) as a checkpoint in the C2SP ``tlog-checkpoint`` signed-note format:
origin :func:`log_origin` (``gsomia.<PARTY>.audit``), key name the same origin, key the
party's Ed25519 signing key (:attr:`PartyKeys.signing`). One is signed when at least
``every_records`` records (default 64) are not yet covered by one, or when records are
not covered and ``every_s`` seconds (default 60 s) have passed since the last one: checked
after each commit of the node's ledger and before each send; on demand with
:meth:`Witness.checkpoint`. An idle node whose log has not grown signs nothing new
(nothing to cover). The counts are kept in memory: after a restart the first commit
starts the clock again.

**Carrying**. Every envelope carries, beside its JWE (wire field ``witness``, see
:mod:`gsomia.sharing.envelope`), the sender's latest checkpoint and a consistency proof
(RFC 9162 §2.1.4) from the size the receiver last cosigned, as C2SP ``tlog-witness``
``add-checkpoint`` does: ``{"old_size": int, "proof": [base64 hash, …], "checkpoint":
note}``. It is attached when the envelope is *sent*, so it is the latest one then. It
rides outside the hop JWS because the JWE is sealed once, at queue time, and a resend
must carry the newer checkpoint without resealing; it needs no wrapper of its own, since
the note is signed by the sender's key (checked against the directory) and the proof is
checked against the two roots.

**Witnessing** (:meth:`Witness.witness`, the receiver). The note must verify with the
directory's signing key of the hop sender and name its origin. Against what this node holds
of that sender's log (the checkpoints it cosigned, role ``seen``, the largest the *last*;
and the ones it was offered but did not cosign, role ``offered``): a larger size whose
proof from the last cosigned size verifies is cosigned (C2SP ``tlog-cosignature``, name
:func:`witness_name`, ``gsomia.<PARTY>.witness``) and stored; the same size and root
answers the stored cosignature again; a larger size whose ``old_size`` is not the last
cosigned is a *conflict* (no cosignature; the receipt says the size, as ``tlog-witness``
answers 409), and the sender's next proof starts there; a smaller size not shown
inconsistent is *stale* (an envelope that left before a newer one and is processed after
it — a request that timed out at the sender while still being processed here, retried
with a newer checkpoint): no cosignature, no incident. **Inconsistent** — another root at
a size of a checkpoint recorded from that sender, a consistency proof from a size cosigned
that fails, or a size below the offer's own ``old_size`` that this node cosigned — is
evidence that the sender's log was rewritten: it is audited ``witness.inconsistent`` with
both checkpoints, recorded as a
possible compromise (``compromise_reported``, ``possible``: true, Art. 17) — a case about
the sender's audit log opened and reported to the sender (:attr:`Witness.on_incident`,
:meth:`gsomia.node.compromise.Compromises.report_log`) — and counted in
``/v1/health`` (``incidents``). The envelope itself is still processed as usual (accepted
or rejected on its own checks): a missile warning must never be lost because the sender's
log misbehaves; only the checkpoint is refused.

**Receipts** are signed by the receiver (:meth:`gsomia.node.Receipt.sign`) and carry the
cosignature; the sender refuses an unsigned or badly signed one (:meth:`Witness.accept_receipt`
raises LinkError, so the entry is retried and the refusal audited as ``send.retry``) and
stores the cosignature with its checkpoint (:meth:`AuditLog.add_cosignature`).

**Stored items** are re-verified on read: a received row by its originator's JWS
(:meth:`Witness.check_received`), an own item by the SHA-256 in its ``item.created``
record (:meth:`Witness.check_local`); a mismatch is audited ``store.tampered``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gsomia.errors import EnvelopeError, GsomiaError, LinkError
from gsomia.node.context import NodeContext
from gsomia.node.links import Receipt, envelope_digest
from gsomia.node.store import InboxRow
from gsomia.sharing import translog
from gsomia.sharing.audit_hash import canonical_json
from gsomia.sharing.envelope import Envelope, label_from_dict, label_to_dict, verify
from gsomia.sharing.sqldb import Database

__all__ = [
    "CheckpointPolicy",
    "Witness",
    "checkpoint_of",
    "cosigned_notes",
    "item_digest",
    "log_origin",
    "witness_name",
]


def log_origin(party: str) -> str:
    """The checkpoint origin (and note key name) of ``party``'s audit log:
    ``gsomia.<PARTY>.audit``."""
    return f"gsomia.{party}.audit"


def witness_name(party: str) -> str:
    """The cosignature key name of ``party`` as a witness: ``gsomia.<PARTY>.witness``."""
    return f"gsomia.{party}.witness"


@functools.lru_cache(maxsize=64)
def checkpoint_of(note: str) -> translog.Checkpoint:
    """The checkpoint of a signed note (its signatures not checked); the same note text is
    parsed once (the checkpoint is immutable; a node reads its latest note at every
    envelope it sends and its partners' at every receipt).

    Raises:
        TranslogError: not a note, or its text not a checkpoint (C2SP tlog-checkpoint).
    """
    return translog.parse_checkpoint(translog.split_note(note)[0])


def cosigned_notes(db: Database, party: str) -> list[tuple[int, str]]:
    """Every checkpoint of ``party``'s audit log that the node whose store is ``db``
    cosigned as a witness (table ``witness``, role ``seen``), smallest size first, as
    ``(size, note)``: the C2SP signed note with the log's own signature and this node's
    cosignature line (C2SP tlog-cosignature, name :func:`witness_name`), ready for
    ``gsomia audit verify LOG --checkpoint FILE``. Empty when it cosigned none.

    Raises:
        StoreError: ``db`` has no ``witness`` table (not a node store).
    """
    rows = db.fetchall("SELECT size, note, cosignature FROM witness "
                       "WHERE role = 'seen' AND party = ? ORDER BY size", (party,))
    return [(int(size), translog.add_signature(note, line) if line else note)
            for size, note, line in rows if note]


def item_digest(label: dict[str, Any], payload: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON (sorted keys, no spaces, UTF-8) of
    ``{"label": label, "payload": payload}``: what ``item.created`` records."""
    text = canonical_json({"label": label, "payload": payload})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    """When a node signs a checkpoint (module notes).

    Attributes:
        every_records: sign once this many records are not covered (≥ 1).
        every_s: sign once records are not covered and this long [s] has passed since
            the last checkpoint (> 0).
    """

    every_records: int = 64
    every_s: float = 60.0


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Witness:
    """Checkpoints of one node's audit log, and its witnessing of its partners' logs.

    Parameters:
        ctx: the node's shared state; made once per node, it registers itself with the
            node's ledger (``ctx.ledger.witness``, ``ctx.ledger.after_commit``).
        policy: when to sign (default :class:`CheckpointPolicy` ``()``).

    Attributes:
        origin: :func:`log_origin` of the node's party; name: :func:`witness_name`.
        incidents: the inconsistencies caught since start (dicts, newest last); each is
            also kept in the store (table ``witness``, role ``incident``: counted by
            :meth:`health` across restarts) and in the audit log.
        on_incident: ``(party, description, at) -> case``, called inside the incident's
            transaction: the node's Art. 17 workflow
            (:meth:`gsomia.node.compromise.Compromises.report_log`: a case about the
            partner's audit log, reported to it); None: only audited here.
    """

    def __init__(self, ctx: NodeContext, policy: CheckpointPolicy | None = None) -> None:
        self.ctx = ctx
        self.policy = policy or CheckpointPolicy()
        self.origin = log_origin(ctx.party)
        self.name = witness_name(ctx.party)
        self.incidents: list[dict[str, Any]] = []
        self.on_incident: Callable[[str, str, dt.datetime], Any] | None = None
        self._uncovered = 0
        self._last_s: float | None = None
        self._tampered: set[str] = set()
        self._sent = ("", "")  # (latest note, the same with the log's signature only)
        # inbox rows verified in this process: envelope id -> (jws, payload, label)
        self._verified: dict[str, tuple[str, Any, Any]] = {}
        ctx.ledger.witness = self
        ctx.ledger.after_commit = self

    # issuing ---------------------------------------------------------------------------
    def committed(self, appended: int) -> None:
        """Ledger hook: ``appended`` records were committed; sign when due (policy)."""
        self._uncovered += appended
        now = self.ctx.clock.now_s()
        if self._last_s is None:
            self._last_s = now
        if (self._uncovered >= self.policy.every_records
                or now - self._last_s >= self.policy.every_s):
            self.checkpoint()

    def checkpoint(self) -> str | None:
        """Sign a checkpoint of the log as it is now (on demand); return the note text,
        or None when the log is empty. A log whose size has not changed since the latest
        checkpoint returns that one."""
        ledger = self.ctx.ledger
        with ledger.lock:
            size = ledger.audit.size()
            latest = None if size == 0 else ledger.audit.latest_checkpoint()
            if size and (latest is None or checkpoint_of(latest).size != size):
                _, at = self.ctx.now()
                latest = ledger.audit.checkpoint(self.origin, self.ctx.keys.signing,
                                                 self.origin, at)
            # counted as covered once signed: a failure above leaves them due
            self._uncovered = 0
            self._last_s = self.ctx.clock.now_s()
            return latest

    # sending side ----------------------------------------------------------------------
    def attach(self, peer: str, envelope: Envelope) -> Envelope:
        """``envelope`` with the latest checkpoint and the consistency proof from the size
        ``peer`` last cosigned (module notes); unchanged while no checkpoint exists."""
        audit = self.ctx.ledger.audit
        with self.ctx.ledger.lock:
            if self._uncovered and self._last_s is not None \
                    and self.ctx.clock.now_s() - self._last_s >= self.policy.every_s:
                self.checkpoint()  # due by time, with no commit since to sign it
            note = audit.latest_checkpoint()
            if note is None:
                note = self.checkpoint()
                if note is None:
                    return envelope
            note = self._log_signed(note)
            size = checkpoint_of(note).size
            seen = self.ctx.ledger.store.checkpoint("by", peer)
            old = 0 if seen is None else seen[2]
            proof = audit.consistency_proof(old, size) if 0 < old <= size else []
        witness = {"old_size": old, "proof": translog.encode_hashes(proof), "checkpoint": note}
        return Envelope(envelope.envelope_id, envelope.sender, envelope.recipient,
                        envelope.jwe, witness)

    def _log_signed(self, note: str) -> str:
        """The note with the log's own signature only (the partners' cosignatures added
        since are not sent: the text a witness sees stays the same until the next
        checkpoint, so it is verified and cosigned once)."""
        if self._sent[0] != note:
            body, sigs = translog.split_note(note)
            own = [s.line() for s in sigs if s.name == self.origin]
            self._sent = (note, f"{body}\n{own[0]}\n" if own else note)
        return self._sent[1]

    def accept_receipt(self, peer: str, envelope: Envelope, receipt: Receipt) -> Receipt:
        """Check ``peer``'s signed receipt for ``envelope`` and keep its cosignature.

        Raises:
            LinkError: the receipt is unsigned or its signature or fields do not check
                (:meth:`Receipt.verify`), or its cosignature does not verify with the
                peer's key on the checkpoint sent: not an answer, so the entry is retried.
        """
        ctx = self.ctx
        try:
            receipt.verify(ctx.directory.get(peer), envelope)
        except EnvelopeError as exc:
            raise LinkError(peer, f"receipt refused: {exc}") from None
        note = (envelope.witness or {}).get("checkpoint")
        if receipt.cosigned_size is None or not isinstance(note, str):
            return receipt
        cp = checkpoint_of(note)
        _, at = ctx.now()
        with ctx.ledger.lock:
            known = ctx.ledger.store.checkpoint("by", peer, cp.size)
        if known is not None and known[5] is not None and known[5] == receipt.cosignature \
                and known[4] == note:
            return receipt  # verified and kept when first received
        with ctx.ledger.transaction():
            if receipt.cosignature is None:  # a conflict: the peer says what it holds
                held = ctx.ledger.store.checkpoint("by", peer, receipt.cosigned_size)
                if held is None or not held[5]:  # a cosigned row kept as it is
                    ctx.ledger.store.put_checkpoint(("by", peer, receipt.cosigned_size, "",
                                                     "", None, at.isoformat()))
                return receipt
            try:
                translog.verify_cosignature(cp, receipt.cosignature, witness_name(peer),
                                            ctx.directory.get(peer).signing)
            except GsomiaError as exc:
                raise LinkError(peer, f"receipt refused: cosignature: {exc}") from None
            ctx.ledger.audit.add_cosignature(cp.size, receipt.cosignature)
            ctx.ledger.store.put_checkpoint(("by", peer, cp.size, _b64(cp.root), note,
                                             receipt.cosignature, at.isoformat()))
        return receipt

    # receiving side --------------------------------------------------------------------
    def answer(self, wire: Any, receipt: Receipt, at: dt.datetime) -> Receipt:
        """Inbox hook: witness the checkpoint ``wire`` carries (when its sender is known)
        and return ``receipt`` with the cosignature, the envelope digest, signed."""
        fields: dict[str, Any] = {}
        try:
            envelope = Envelope.from_wire(wire)
            fields["digest"] = envelope_digest(envelope)
            if envelope.witness is not None and envelope.sender in self.ctx.directory:
                fields.update(self.witness(envelope.sender, envelope.witness, at))
        except (GsomiaError, ValueError, TypeError, KeyError):
            pass  # unreadable: answered without a cosignature (the envelope is stored)
        signed = Receipt(receipt.status, receipt.envelope_id, receipt.party, receipt.check,
                         receipt.reason, receipt.marking, fields.get("cosignature"),
                         fields.get("cosigned_size"), fields.get("digest"))
        return signed.sign(self.ctx.keys)

    def witness(self, sender: str, offer: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
        """Check ``sender``'s offered checkpoint (module notes); cosign and store it when
        consistent. Returns ``{"cosignature": line | None, "cosigned_size": int | None}``.
        A note that does not verify or parse is ignored (nothing cosigned)."""
        ctx, store = self.ctx, self.ctx.ledger.store
        note = offer.get("checkpoint")
        last = store.checkpoint("seen", sender)
        if last is not None and note == last[4]:  # the one cosigned last: nothing new
            return {"cosignature": last[5], "cosigned_size": last[2]}
        try:
            if not isinstance(note, str):
                raise EnvelopeError("format", "witness.checkpoint", sender, "missing")
            key = ctx.directory.get(sender).signing
            cp, _ = translog.open_note(note, {log_origin(sender): key})
            if cp.origin != log_origin(sender):
                raise EnvelopeError("signature", "witness.checkpoint", cp.origin,
                                    f"expected origin {log_origin(sender)}")
        except GsomiaError:
            return {"cosignature": None, "cosigned_size": None if last is None else last[2]}
        with ctx.ledger.transaction():
            last = store.checkpoint("seen", sender)
            verdict, why = ("cosign", None) if last is None \
                else self._judge(sender, cp, offer, last)
            if verdict == "incident":
                self._incident(sender, str(why), last, note, at)
            if verdict in ("stale", "conflict"):
                if store.checkpoint("offered", sender, cp.size) is None:
                    store.put_checkpoint(("offered", sender, cp.size, _b64(cp.root), note,
                                          None, at.isoformat()))
            if verdict == "same":
                return {"cosignature": last[5], "cosigned_size": last[2]}
            if verdict != "cosign":
                return {"cosignature": None, "cosigned_size": last[2]}
            line = translog.cosign(cp, self.name, ctx.keys.signing, int(at.timestamp()))
            store.put_checkpoint(("seen", sender, cp.size, _b64(cp.root), note, line,
                                  at.isoformat()))
            return {"cosignature": line, "cosigned_size": cp.size}

    def _judge(self, sender: str, cp: Any, offer: dict[str, Any],
               last: tuple) -> tuple[str, str | None]:
        """``(verdict, reason)`` of ``sender``'s checkpoint ``cp`` against what this node
        holds of its log, ``last`` the largest it cosigned (module notes):

        - ``incident``: evidence that the log was rewritten — another root at a size of a
          checkpoint of the sender this node recorded (cosigned or offered before: two
          notes signed by the sender at one size with two roots), a consistency proof from
          a size it cosigned that does not verify, or a smaller size than the offer's
          ``old_size`` when this node cosigned that size (the sender's own envelope says
          its log went back);
        - ``same``: the checkpoint cosigned last;
        - ``stale``: older than the one cosigned last and not shown inconsistent (an
          envelope sent before a newer one and processed after it, e.g. a request that
          timed out at the sender while it was still being processed here, then retried
          with the sender's newer checkpoint): no cosignature, no incident;
        - ``conflict``: larger, but the proof does not start at the size cosigned last
          (C2SP tlog-witness answers 409; the receipt says the size held);
        - ``cosign``: larger, proved consistent from the size cosigned last.
        """
        store = self.ctx.ledger.store
        for role in ("seen", "offered"):
            known = store.checkpoint(role, sender, cp.size)
            if known is not None and base64.b64decode(known[3]) != cp.root:
                return "incident", f"another root at size {cp.size}"
        size = last[2]
        if cp.size == size:
            return "same", None
        old = offer.get("old_size")
        base = store.checkpoint("seen", sender, old) \
            if isinstance(old, int) and not isinstance(old, bool) and old > 0 else None
        if base is not None and old <= cp.size:
            try:
                proof = translog.decode_hashes(offer.get("proof") or [])
            except GsomiaError:
                proof = []
            if not translog.verify_consistency(old, cp.size, base64.b64decode(base[3]),
                                               cp.root, proof):
                return "incident", f"consistency proof from size {old} does not verify"
        if cp.size < size:
            if base is not None and old > cp.size:
                return "incident", f"size went back from {old} to {cp.size}"
            return "stale", None
        return ("cosign", None) if old == size else ("conflict", None)

    def _incident(self, sender: str, why: str, last: tuple, note: str,
                  at: dt.datetime) -> None:
        """Audit an inconsistency and record it as a possible compromise (Art. 17)."""
        body = {"sender": sender, "reason": why, "cosigned": last[4], "offered": note}
        self.incidents.append({"at": at.isoformat(), **body})
        offered = checkpoint_of(note)
        self.ctx.ledger.store.put_checkpoint(("incident", sender, offered.size,
                                              _b64(offered.root), note, None, at.isoformat()))
        what = (f"checkpoint of {log_origin(sender)} inconsistent with the one cosigned "
                f"at size {last[2]}: {why}")
        self.ctx.ledger.record([("witness.inconsistent", body)], at)
        if self.on_incident is not None:  # an Art. 17 case, reported to the partner
            self.on_incident(sender, what, at)
            return
        self.ctx.ledger.record([("compromise_reported", {
            "item_id": None, "scope": "audit log", "originator": sender,
            "holder": self.ctx.party, "discovered_at": at.isoformat(), "possible": True,
            "description": what, "report_to": sender, "source": "Art. 17"})], at)

    # stored items ----------------------------------------------------------------------
    def check_received(self, row: InboxRow) -> bool:
        """Re-verify a stored inbox row against its originator's JWS (label, payload,
        originator, message id); audit ``store.tampered`` (once per row and process) and
        return False on a mismatch. Cost: one Ed25519 verification (~0.15 ms) the first
        time in a process; then a comparison with the content verified, kept in memory."""
        kept = self._verified.get(row.envelope_id)
        if kept is not None and kept == (row.jws, row.payload, row.label):
            return True
        try:
            signed = verify(row.jws, self.ctx.directory, row.envelope_id)
            label = None if signed.label is None else label_to_dict(label_from_dict(
                signed.label))
            same = (signed.payload == row.payload
                    and self._as_noticed(label, row.label, row.item_id, "received")
                    and signed.originator == row.originator and signed.msg_id == row.msg_id)
            why = "label or payload differs from the originator's signature"
        except GsomiaError as exc:
            same, why = False, f"originator's signature does not verify: {exc}"
        if not same:
            self._flag(row.envelope_id, {"envelope_id": row.envelope_id,
                                         "item_id": row.item_id, "reason": why})
        else:
            if len(self._verified) >= 100_000:
                self._verified.clear()
            self._verified[row.envelope_id] = (row.jws, row.payload, row.label)
        return same

    def check_local(self, item_id: str, label: dict[str, Any], payload: dict[str, Any]) -> bool:
        """Check an own item as stored against the SHA-256 in its ``item.created`` record;
        audit ``store.tampered`` and return False on a mismatch (or no record). An item
        whose record predates digests (no ``sha256``) passes."""
        body = self._created(item_id)
        if body is not None and "classification" in body and label.get(
                "classification") != body["classification"]:
            # reclassified since: the digest is of the label as created, and the marking
            # now held must be the one this party's last notice on the item set
            created = {**label, "classification": body["classification"]}
            if self._as_noticed(created, label, item_id, "issued"):
                label = created
        if body is not None and ("sha256" not in body
                                 or body["sha256"] == item_digest(label, payload)):
            return True
        self._flag(item_id, {"item_id": item_id, "reason":
                             "label or payload differs from the SHA-256 in item.created"
                             if body else "no item.created record of this item"})
        return False

    def _as_noticed(self, signed: dict[str, Any] | None, stored: dict[str, Any] | None,
                    item_id: str | None, direction: str) -> bool:
        """True when the ``stored`` label is the ``signed`` one, or differs from it only by
        the classification that the originator's last applied notice on the item set
        (Art. 6(d)-(h): the originator reclassifies by signed notice,
        :mod:`gsomia.node.actions`); the notice's own signature is checked."""
        if signed == stored:
            return True
        if signed is None or stored is None or item_id is None or (
                {**signed, "classification": stored.get("classification")} != stored):
            return False
        status = "applied" if direction == "received" else "issued"
        notices = [n for n in self.ctx.ledger.store.notices(
            item_id=item_id, direction=direction, status=status)
            if n["new_classification"] is not None]
        if not notices:
            return False
        last = notices[-1]
        try:
            notice = verify(last["jws"], self.ctx.directory)
        except GsomiaError:
            return False
        return (notice.originator == signed.get("originator") and notice.kind == "notice"
                and notice.payload.get("item_id") == item_id
                and notice.payload.get("new_classification") == stored.get("classification"))

    def _created(self, item_id: str) -> dict[str, Any] | None:
        """The body of ``item_id``'s ``item.created`` record: found by its sequence number
        (``item_leaves``), else (a store from before the index, or an index row pointing
        elsewhere) by a search of the log."""
        db = self.ctx.ledger.audit.db
        seq = self.ctx.ledger.store.item_leaf(item_id)
        rows = [] if seq is None else db.fetchall(
            "SELECT kind, body FROM audit WHERE seq = ?", (seq,))
        found = _created_body(rows, item_id)
        if found is None:
            pattern = f'%"item_id":{json.dumps(item_id, ensure_ascii=False)}%'
            found = _created_body(db.fetchall(
                "SELECT kind, body FROM audit WHERE kind = 'item.created' AND body LIKE ?",
                (pattern,)), item_id)
        return found

    def _flag(self, key: str, body: dict[str, Any]) -> None:
        if key in self._tampered:
            return
        self._tampered.add(key)
        _, at = self.ctx.now()
        self.ctx.ledger.record([("store.tampered", body)], at)

    def health(self) -> dict[str, Any]:
        """For ``/v1/health``: ``incidents`` (count), ``tampered`` (rows flagged),
        ``checkpoint_size`` (latest signed), ``cosigned_by`` (size per partner)."""
        store, audit = self.ctx.ledger.store, self.ctx.ledger.audit
        with self.ctx.ledger.lock:
            latest = audit.latest_checkpoint()
            by = {p: row[2] for p in self.ctx.directory.parties if p != self.ctx.party
                  if (row := store.checkpoint("by", p)) is not None and row[5]}
            incidents = store.db.fetchone(
                "SELECT COUNT(*) FROM witness WHERE role = 'incident'")[0]
        return {"incidents": int(incidents), "tampered": len(self._tampered),
                "checkpoint_size": None if latest is None
                else checkpoint_of(latest).size, "cosigned_by": by}


def _created_body(rows: list, item_id: str) -> dict[str, Any] | None:
    """The first ``item.created`` body of ``item_id`` among ``(kind, body)`` rows."""
    for kind, text in rows:
        try:
            body = json.loads(text)
        except (TypeError, ValueError):
            continue
        if kind == "item.created" and isinstance(body, dict) and body.get("item_id") == item_id:
            return body
    return None
