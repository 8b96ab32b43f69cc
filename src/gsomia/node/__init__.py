"""A party's node: where the warning wing and the sharing wing meet.

One :class:`Node` per party. The same code runs in both modes; only the clock and the links
differ (ARCHITECTURE.md):

- analysis (``gsomia run``): every node in one process on one :class:`SimClock`, linked by
  :class:`InProcessLink` with a modelled delay;
- live (``gsomia serve``): each node a server (:func:`gsomia.web.create_app`) on a
  :class:`WallClock`, linked by :class:`HttpsLink` (HTTPS, mutual TLS).

Public API (all times: float seconds since the clock's epoch, UTC)
------------------------------------------------------------------
Building::

    clock = SimClock(epoch)                       # or WallClock()
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR", "USA")}   # or sharing.pki
    directory = Directory(k.public() for k in keys.values())
    node = Node("KOR", keys["KOR"], directory, load_catalog(), store="kor.sqlite",
                clock=clock, routes={"JPN": Route.DIRECT, "USA": Route.DIRECT},
                on_warning=lambda warning, item: ...)
    node.connect("JPN", InProcessLink("JPN", jpn_node, clock, delay_s=0.8))

Routes are :class:`~gsomia.sharing.Route` values (``direct``, ``tisa_hub``, ``auto_hub``);
where a route comes from outside (``routes=``, ``approve``, an envelope's header) every
spelling :meth:`Route.parse` takes is accepted (``tisa``, ``auto-hub``) and held canonical.
The hub of a hub route is the one its arrangement in the catalog names
(``node.hub_of(route)``).

Originating side:

- ``node.publish(payload, classification=None, send=True) -> list[Release]``: one item
  released to each partner in ``node.routes`` by its route; denials audited, returned with
  status ``denied``. ``payload``: a :class:`Publishable` (a :class:`MissileWarning`, a
  :class:`~gsomia.node.plots.RadarPlots`, a :class:`Document`), which gives its topic,
  elements and stream, or a JSON object with ``topic=`` (and ``elements=``, ``stream=``).
  The stream keeps order per partner (``warning:<track_id>``, ``plots:<sensor_id>``,
  ``items:<party>``).
- ``node.publish_warning(MissileWarning)`` and
  :func:`gsomia.node.plots.publish_plots` ``(node, plots)``: the same for one kind.
  Warnings go under this party's SECRET-level marking by default, topic
  ``dprk-missile-threat``, the elements present.
- ``node.create_item(payload, classification=, releasable_to=, topic=, elements=,
  derived_from=()) -> Label`` and ``node.release(item_id, to, route) -> Release`` for any
  item (raises :class:`~gsomia.errors.ReleaseDenied`, whose ``release`` holds the
  :class:`Release`). Item ids are ``<PARTY>-...``; a received item's content is never
  created or published as the holder's own, only as a derived item naming its sources
  (``derived_from``: their marking and Releasable To bound it). A received item may be
  released on by its holder only directly, with the originator's signed consent (Art. 6);
  see :mod:`gsomia.node.guard`.
- ``node.approve(item_id, to, route=Route.TISA_HUB, holder=None) -> Consent``: the
  originator's signed approval, sent to the TISA hub, which then forwards the held item
  (TISA para 4), and to ``holder``, which may then pass its copy on to ``to`` (Art. 6).
- ``node.flush()``: try the outbox now (called by the methods above; retries are
  scheduled on the clock with :class:`RetryPolicy` backoff).

Receiving side:

- ``node.receive(wire, arrived_s=None) -> Receipt``: what a link calls. Never raises on bad
  input: a rejection is a :class:`Receipt` with ``status="rejected"``, ``check`` and
  ``reason``, and an audit record. The item becomes visible, and ``on_item(item)`` /
  ``on_warning(MissileWarning, ReceivedItem)`` / ``on_plots(RadarPlots, ReceivedItem)``
  are called, at ``arrived_s`` on the clock: with a :class:`SimClock`, during
  ``clock.advance_to(t)`` / ``clock.run()``.
- ``node.receive_batch(wires, arrived_s=None) -> list[Receipt]``: several envelopes in one
  store transaction, each checked as ``receive`` checks it (a link's batch; one receipt
  each, in order; a StoreError keeps none of them).
- ``node.items() -> list[ReceivedItem]`` (each with ``marking["text"]``, e.g.
  ``"大韓民国 極秘"``, Art. 4(2), and ``kind`` one of :data:`ITEM_KINDS`,
  :func:`item_kind`), ``node.held()`` (hub), ``node.outbox_counts()``.
- ``node.resume()`` after a restart on an existing store; ``node.close()``.

Custody and originator control (jpn-kor-gsomia Art. 6(d)–(h), Art. 17):

- ``node.custody(item_id) -> dict``: ``{"item_id", "party", "originator", "released_to":
  [...], "received_from": [...], "holders": [...]}``; each entry ``{"party", "final",
  "route", "next_hop", "envelope_id", "stream", "at_s", "status"}`` (released: to whom,
  status of the outbox entry; received: from which hop sender, with ``originator``).
  Written by the store in the release's and the receipt's own transaction.
- ``node.act(item_id, action, new_classification=None, send=True) -> dict``: the
  Originating Party's notice (``reclassify``, ``downgrade``, ``declassify``, ``recall``,
  ``destroy``), signed (kind ``notice``) and queued to every holder in the custody ledger
  by the route and hop of its release; a holder forwards it, as signed, to the third
  parties it released the item to. Raises :class:`~gsomia.errors.SharingError` at a holder
  (Art. 6), :class:`~gsomia.errors.InputError` for a marking not of the originator's
  scheme, of the item's current level (``reclassify``) or not lower (``downgrade``),
  excluded (군사I급비밀 under the Japan–Korea agreement) or without an equivalent
  for a holder, or an item already recalled or destroyed.
- ``node.actions(item_id) -> list[dict]``: per notice (in ``seq`` order) ``holders``
  ``{party: {"status", "marking"}}``, ``acknowledged`` and ``pending`` (originator), or how
  it was applied here (holder: ``applied``, ``superseded``, ``refused``, ``not_held``).
  A holder applies each notice once; the highest ``seq`` wins; it keeps exactly one
  marking (its equivalent recomputed, Art. 4(2)); a recalled or destroyed copy loses its
  payload and JWS and leaves ``items()``; it answers with a signed ``ack``.
- ``node.report_compromise(item_id, what, possible=False, discovered_at=None) -> dict``:
  (not for an item this party originated: the originator handles its own loss; case text
  at most :data:`~gsomia.schemas.custody.MAX_CASE_TEXT` characters) the holder's case,
  its signed report (kind ``compromise``) queued to the originator at
  once, where a case opens; ``node.investigate(case_id, findings, preventive_measures)``,
  ``node.close_case(case_id, summary)`` (the holder only: the Receiving Party
  investigates), each reported to the originator; ``node.cases() -> list[dict]`` (both
  sides: ``side`` ``holder`` or ``originator``, ``status`` ``open`` → ``investigated`` →
  ``closed``, ``history``).

Modules (one idea each; :class:`Node` is the façade over its parts, which share one
``NodeContext`` of keys, catalog, clock and ledger):

===============  ========================================================================
``node``         :class:`Node`, the façade
``items``        :class:`Release`, :class:`ReceivedItem`, :class:`Publishable`, item kinds
``origin``       create an item, decide, sign, queue; approve (the originating side)
``outbox``       :class:`RetryPolicy`; persist before send, send in order, retry
``inbox``        receive → verify → open → mark → store; deliver at arrival
``hub``          hold an item for a third party, forward it once allowed
``custody``      who holds each item: released to whom, received from whom
``actions``      originator notices, holders' acknowledgements, control-message receipt
``compromise``   loss or compromise cases (Art. 17) at holder and originator
``guard``        ids bound to originators, no re-origination, derivation, signed routes
``ledger``       the store and audit log written in one transaction, and the lock
``consents``     the originators' consents known, with their signed form
``context``      what the parts share; ``hub_of(route)`` from the catalog
``store``        :class:`Store`: the SQL tables
``custody_db``   the store's custody, notice, acknowledgement and case tables
``links``        :class:`Link`: :class:`InProcessLink`, :class:`HttpsLink`
``clock``        :class:`SimClock`, :class:`WallClock`
``warning``      :class:`MissileWarning` (payload)
``alerts``       :class:`~gsomia.node.alerts.AreaWarning` (payload: a public warning)
``persons``      the personnel file; the per-person read decision (Art. 7, 16), audited
``plots``        :class:`~gsomia.node.plots.RadarPlots` (payload)
``config``       a node's configuration file
``stream``       the in-nation stream on NATS JetStream: publisher, durable consumer;
                 ``stream_ingest``: each message published by the node exactly once
===============  ========================================================================

Guarantees: an envelope is persisted in the outbox before any send; a send that fails
with :class:`~gsomia.errors.LinkError` is retried with backoff until acknowledged; the
receiver stores each envelope id once and each originator's signed message once (a resend
is acknowledged as ``duplicate``; a replay under another id, an out-of-order sequence
number or a stale timestamp is rejected); per (sender, recipient, stream) envelopes are
sent one after the other in queue order, so order is kept. Every step writes an audit
record (:class:`~gsomia.sharing.AuditLog`: a transparency log, each record chained by its
SHA-256 to the one before and a leaf of an RFC 9162 Merkle tree with inclusion and
consistency proofs, verifiable against signed C2SP checkpoints kept outside it; ``gsomia
audit verify|proof|checkpoint``); a step's store writes and its audit records commit in
one transaction, whole or not at all.
"""

from gsomia.node.alerts import AREA_WARNING_KIND, AreaWarning
from gsomia.node.clock import Clock, SimClock, WallClock
from gsomia.node.document import Attachment, Document
from gsomia.node.items import (
    DOCUMENT_KIND,
    ITEM_KINDS,
    OTHER_KIND,
    WARNING_KIND,
    Publishable,
    ReceivedItem,
    Release,
    item_kind,
)
from gsomia.node.links import HttpsLink, InProcessLink, Link, Receipt, Receiver, TlsFiles
from gsomia.node.node import Node
from gsomia.node.outbox import RetryPolicy
from gsomia.node.plots import PLOT_KIND, RadarPlots
from gsomia.node.store import SCHEMA_VERSION, Store
from gsomia.node.warning import ELEMENTS, WARNING_TOPIC, MissileWarning
from gsomia.sharing.envelope import Directory, PartyKeys
from gsomia.sharing.routes import Route

__all__ = [
    "AREA_WARNING_KIND",
    "DOCUMENT_KIND",
    "ELEMENTS",
    "ITEM_KINDS",
    "OTHER_KIND",
    "PLOT_KIND",
    "SCHEMA_VERSION",
    "WARNING_KIND",
    "WARNING_TOPIC",
    "AreaWarning",
    "Attachment",
    "Clock",
    "Directory",
    "Document",
    "HttpsLink",
    "InProcessLink",
    "Link",
    "MissileWarning",
    "Node",
    "PartyKeys",
    "Publishable",
    "RadarPlots",
    "Receipt",
    "ReceivedItem",
    "Receiver",
    "Release",
    "RetryPolicy",
    "Route",
    "SimClock",
    "Store",
    "TlsFiles",
    "WallClock",
    "item_kind",
]
