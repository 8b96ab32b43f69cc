"""A node's outbox: seal → persist → send in order → record the answer, retrying with backoff.

An envelope is sealed for its next hop and written to the store's outbox (with its audit
records, in one transaction) before any send is tried. :meth:`Outbox.flush` then sends the
due entries per peer in queue order; a peer whose link fails is retried on the clock with
:class:`RetryPolicy` backoff, forever (store-and-forward), while the other peers go on.

Batches: the due entries of a peer whose link takes batches (``max_batch`` > 1:
:class:`~gsomia.node.HttpsLink`) are sent up to :attr:`Outbox.batch_max` at a time in one
request, answered by one receipt each (one transaction at the receiver). Nothing waits
for a batch to fill: a flush sends whatever is queued when it runs, so one envelope alone
goes at once (on the single-envelope route) and envelopes queued while a send is under way
go together in the next. Each entry is closed from its own receipt (the answers of a pass
in one transaction); a failure retries the first entry not answered, the ones after it
waiting behind it, as with single sends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from gsomia.errors import LinkError, StoreError
from gsomia.node.context import NodeContext
from gsomia.node.health import LinkStates
from gsomia.node.ledger import AuditEntry
from gsomia.node.links import (
    HTTP_REFUSED,
    MAX_BATCH_BYTES,
    MAX_BATCH_ENVELOPES,
    Link,
    Receipt,
)
from gsomia.node.store import OutboxRow
from gsomia.node.worker import WakeWorker
from gsomia.sharing.envelope import Envelope, Header, Signed, seal, verify
from gsomia.sharing.routes import Route

__all__ = ["Outbox", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff of outbox retries: ``min(max_s, base_s * factor**(n-1))`` after
    the n-th failed attempt [s]. Retries never stop (store-and-forward): once the delay
    reaches ``max_s`` it stays there for every later attempt, however many (the exponent
    is capped, so no float overflow after ~1,000 attempts)."""

    base_s: float = 0.05
    factor: float = 2.0
    max_s: float = 2.0

    def delay_s(self, attempts: int) -> float:
        """The wait [s] after the ``attempts``-th failed attempt (1 for the first)."""
        n = max(0, int(attempts) - 1)
        if self.base_s >= self.max_s or self.factor <= 1.0:
            return min(self.max_s, self.base_s)
        # the first exponent at which the delay reaches max_s: no need to go past it
        cap = math.ceil(math.log(self.max_s / self.base_s, self.factor)) if self.base_s > 0 \
            else 0
        return min(self.max_s, self.base_s * self.factor ** min(n, cap))


class Outbox:
    """The sending side of one node.

    Parameters:
        ctx: the node's shared state (store, audit, clock, keys, directory).
        retry: the backoff of failed sends.

    Attributes:
        links: the link per next-hop party (:meth:`gsomia.node.Node.connect`).
        retry: as given.
        link_states: the last success and failure per peer (:mod:`gsomia.node.health`).
        batch_max: most envelopes sent to one peer in one exchange (default
            :data:`~gsomia.node.links.MAX_BATCH_ENVELOPES`; also bounded by the link's
            ``max_batch``; 1: one envelope per request).
    """

    def __init__(self, ctx: NodeContext, retry: RetryPolicy) -> None:
        self.ctx = ctx
        self.retry = retry
        self.links: dict[str, Link] = {}
        self.link_states = LinkStates()
        self.batch_max = MAX_BATCH_ENVELOPES
        self._flush_lock = threading.Lock()
        self._flush_again = False
        self._sender = WakeWorker(f"gsomia-send-{ctx.party}", self.flush, self._send_failed)
        self._store_retry = False  # a flush after a store failure is scheduled

    def enqueue(
        self,
        signed: Signed | str,
        *,
        peer: str,
        final: str,
        route: Route,
        stream: str,
        kind: str,
        item_id: str | None,
        now: tuple[float, dt.datetime],
        audit: list[AuditEntry],
        msg_id: str | None = None,
    ) -> str:
        """Seal ``signed`` for ``peer`` and persist it in the outbox with ``audit`` and an
        ``outbox.queued`` record (one transaction); return the envelope id.

        Parameters:
            signed: the originator's signed item or consent (a JWS text when kept as
                received).
            peer: the next hop; final: the final recipient; route: the route (canonical
                spelling in the header and the outbox row); stream: the ordered stream;
                kind: ``item`` or ``consent``.
            now: the step's time (s since the clock epoch, UTC datetime): the header's
                ``iat``, the row's queue time and the audit records' time.
            audit: the step's audit records, written before ``outbox.queued``.
            msg_id: the JWS's message id when this node already verified it on receipt
                (a stored inbox row); otherwise it is read from ``signed`` or verified here.
        """
        ctx = self.ctx
        store = ctx.ledger.store
        t, at = now
        seq = store.next_seq(peer, stream)
        header = Header(uuid.uuid4().hex, ctx.party, peer, at, route, final, stream, seq)
        envelope = seal(signed, header, ctx.directory, ctx.keys)
        if isinstance(signed, Signed):
            msg_id = signed.msg_id
        elif msg_id is None:
            msg_id = verify(signed, ctx.directory).msg_id
        with ctx.ledger.transaction():
            store.enqueue(
                envelope_id=header.envelope_id, peer=peer, final=final, route=route,
                stream=stream, seq=seq, kind=kind, item_id=item_id, msg_id=msg_id,
                wire=envelope.to_wire(), queued_s=t,
            )
            ctx.ledger.record([*audit, ("outbox.queued", {
                "envelope_id": header.envelope_id, "peer": peer, "final": final,
                "route": route, "stream": stream, "seq": seq, "kind": kind,
                "item_id": item_id, "msg_id": msg_id,
            })], at)
        return header.envelope_id

    def counts(self) -> dict[str, int]:
        """Entries by status (``pending``, ``acked``, ``rejected``)."""
        with self.ctx.ledger.lock:
            rows = self.ctx.ledger.store.outbox()
        out = {"pending": 0, "acked": 0, "rejected": 0}
        for r in rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    # sending -----------------------------------------------------------------------------
    def flush(self) -> int:
        """Try to send every due entry, in order per peer; return the number acked or
        rejected. A LinkError stops that peer's queue (order kept) and schedules a retry
        on the clock with backoff.

        Raises:
            StoreError: the store failed; the entries stay pending and one flush is
                scheduled ``retry.max_s`` later (whoever called this one), unless the
                store was closed.
        """
        # The request is recorded before trying the lock, so a flush already running
        # (in any thread) sees it after releasing the lock and runs once more.
        self._flush_again = True
        done = 0
        while self._flush_again:
            if not self._flush_lock.acquire(blocking=False):
                return done
            try:
                self._flush_again = False
                done += self._flush_once()
            except StoreError:
                self._retry_store()
                raise
            finally:
                self._flush_lock.release()
        return done

    def _retry_store(self) -> None:
        """Schedule one flush ``retry.max_s`` from now after a store failure (one at a
        time; none once the store is closed)."""
        if self._store_retry or self.ctx.ledger.store.db.closed:
            return
        self._store_retry = True

        def again() -> None:
            self._store_retry = False
            try:
                self.flush()
            except StoreError:
                pass  # the failed flush scheduled the next one

        t, _ = self.ctx.now()
        self.ctx.clock.call_at(t + self.retry.max_s, again)

    def flush_soon(self) -> None:
        """Have the outbox flushed by a background sender thread (started on first use)
        and return at once: a request that queues envelopes never waits for a slow or
        silent peer."""
        self._sender.wake()

    def close(self) -> None:
        """Stop the background sender (waits up to 15 s for its pass) and close the links."""
        self._sender.close()
        for link in self.links.values():
            link.close()

    def _send_failed(self, exc: Exception) -> None:
        """A background flush failed (e.g. the store unreachable): the rows stay pending;
        the sender tries again ``retry.max_s`` later."""
        t, _ = self.ctx.now()
        self.ctx.clock.call_at(t + self.retry.max_s, self.flush_soon)

    def _flush_once(self) -> int:
        """One pass over the pending entries in queue order; at each peer's next entry,
        that entry and the due ones after it in the peer's queue go as one batch
        (:meth:`_batch`; one envelope a request on a link without batches, so the order of
        sends is then exactly the queue's). The answers of one pass are recorded together
        (one transaction, in send order, each audited at its own time), before any retry
        is recorded and at the end of the pass: an answer not yet recorded when the
        process dies is asked again (the receiver answers ``duplicate``), so none is lost,
        and no transaction is held open while a link sends. A failed send, or an entry
        whose retry time has not come, stops that peer's queue for this pass (order
        kept)."""
        done = 0
        answers: list[tuple[OutboxRow, Receipt, dt.datetime]] = []
        with self.ctx.ledger.lock:
            rows = self.ctx.ledger.store.pending()
        queues: dict[str, list[OutboxRow]] = {}
        for row in rows:
            queues.setdefault(row.peer, []).append(row)
        sent = dict.fromkeys(queues, 0)  # per peer: entries of its queue sent this pass
        blocked: set[str] = set()
        try:
            for row in rows:
                queue, i = queues[row.peer], sent[row.peer]
                if row.peer in blocked or i >= len(queue) or queue[i] is not row:
                    continue  # stopped, or already sent in a batch
                batch = self._batch(queue, i)
                if not batch:
                    blocked.add(row.peer)
                    continue
                for r in batch:
                    self.ctx.stamp(r.envelope_id, "sent")
                received, failure = self._send_many(batch)
                at = self.ctx.now()[1]
                answers.extend((r, rc, at) for r, rc in zip(batch, received, strict=False))
                sent[row.peer] = i + len(batch)
                if received:
                    self.link_states.succeeded(row.peer, at)
                if failure is not None:
                    self.link_states.failed(row.peer, at, str(failure))
                    blocked.add(row.peer)
                    done += self._retry_later(batch[len(received)], failure, answers)
        finally:
            if answers:
                with self.ctx.ledger.transaction():
                    done += self._record_answers(answers)
        return done

    def _batch(self, queue: list[OutboxRow], i: int) -> list[OutboxRow]:
        """The entries of one peer's ``queue`` from ``i`` on that are due, at most
        ``min(batch_max, link.max_batch)`` of them and :data:`MAX_BATCH_BYTES` of JWE text
        (a larger envelope alone); empty when entry ``i`` waits for its retry time."""
        link = self.links.get(queue[i].peer)
        limit = max(1, min(self.batch_max, getattr(link, "max_batch", 1)))
        t, _ = self.ctx.now()
        batch: list[OutboxRow] = []
        size = 0
        for row in queue[i:i + limit]:
            if row.next_try_s > t + 1e-9:
                break
            size += len(row.wire.get("jwe", ""))
            if batch and size > MAX_BATCH_BYTES:
                break
            batch.append(row)
        return batch

    def _send_many(self, rows: list[OutboxRow]) -> tuple[list[Receipt], LinkError | None]:
        """Send ``rows`` (one peer's, in order) in one exchange; the receipts of the first
        entries, in order, and the LinkError of the entry after them (None when all were
        answered). One entry goes alone (:meth:`_send`)."""
        if len(rows) == 1:
            try:
                return [self._send(rows[0])], None
            except LinkError as exc:
                return [], exc
        peer = rows[0].peer
        envelopes = [Envelope.from_wire(r.wire) for r in rows]
        witness = self.ctx.ledger.witness
        try:
            if witness is not None:  # the latest checkpoint rides with each (made once)
                offer = witness.attach(peer, envelopes[0]).witness
                envelopes = [dataclasses.replace(e, witness=offer) for e in envelopes]
            answered = list(self.links[peer].send_batch(envelopes))  # type: ignore[attr-defined]
            if len(answered) != len(envelopes):
                raise LinkError(peer, f"{len(answered)} receipts for {len(envelopes)} "
                                "envelopes")
        except LinkError as exc:
            return [], exc
        except Exception as exc:  # noqa: BLE001 - any fault of this one peer's link
            return [], LinkError(peer, f"{type(exc).__name__}: {exc}")
        receipts: list[Receipt] = []
        for envelope, receipt in zip(envelopes, answered, strict=True):
            if witness is not None:
                try:  # the receipt must be the peer's, signed, for this envelope
                    receipt = witness.accept_receipt(peer, envelope, receipt)
                except LinkError as exc:
                    return receipts, exc
                except Exception as exc:  # noqa: BLE001 - as in _send: that peer retries
                    return receipts, LinkError(peer, f"{type(exc).__name__}: {exc}")
            receipts.append(receipt)
        return receipts, None

    def _send(self, row: OutboxRow) -> Receipt:
        """Send one entry on its peer's link.

        The envelope carries this node's latest checkpoint; the answer must be the peer's
        signed receipt for it (:meth:`gsomia.node.witness.Witness.accept_receipt`).

        Raises:
            LinkError: no link, any fault of that peer's link (turned into a LinkError:
                that peer waits and retries; the others go on), or a receipt refused. A
                final 4xx answer that is no receipt (:data:`~gsomia.node.links.
                HTTP_REFUSED`) is returned, recorded ``rejected``: never retried, and the
                entries behind it go on.
        """
        link = self.links.get(row.peer)
        if link is None:
            raise LinkError(row.peer, "no link connected")
        envelope = Envelope.from_wire(row.wire)
        witness = self.ctx.ledger.witness
        try:
            if witness is None:
                return link.send(envelope)
            # the latest checkpoint rides with it; the receipt must be the peer's, signed
            envelope = witness.attach(row.peer, envelope)
            receipt = link.send(envelope)
            if receipt.check == HTTP_REFUSED and receipt.signature is None:
                return receipt  # a final 4xx that is no receipt (HttpsLink): not retried
            return witness.accept_receipt(row.peer, envelope, receipt)
        except LinkError:
            raise
        except Exception as exc:  # noqa: BLE001 - any fault of this one peer's link
            raise LinkError(row.peer, f"{type(exc).__name__}: {exc}") from exc

    def _retry_later(self, row: OutboxRow, exc: LinkError,
                     answers: list[tuple[OutboxRow, Receipt, dt.datetime]]) -> int:
        """Record the answers so far, count the failed attempt and schedule a flush after
        the backoff (one transaction); return how many answers were recorded."""
        t, at = self.ctx.now()
        delay = self.retry.delay_s(row.attempts + 1)
        with self.ctx.ledger.transaction():
            done = self._record_answers(answers)
            self.ctx.ledger.store.mark_retry(row.id, t + delay, str(exc))
            self.ctx.ledger.record([("send.retry", {
                "envelope_id": row.envelope_id, "peer": row.peer,
                "attempt": row.attempts + 1, "error": str(exc), "retry_in_s": delay})], at)
        self.ctx.clock.call_at(t + delay, self.flush)
        return done

    def _record_answers(self, answers: list[tuple[OutboxRow, Receipt, dt.datetime]]) -> int:
        """Close the answered entries with their audit records (in the caller's
        transaction); empties ``answers``; returns how many there were."""
        done = 0
        for row, receipt, at in answers:
            status = "acked" if receipt.ok else "rejected"
            body: dict[str, Any] = {"envelope_id": row.envelope_id, "peer": row.peer,
                                    **receipt.to_dict()}
            self.ctx.ledger.store.mark_sent(row.id, status, str(receipt.to_dict()))
            self.ctx.ledger.record([(f"send.{status}", body)], at)
            done += 1
        answers.clear()
        return done
