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
                clock=clock, routes={"JPN": "direct", "USA": "direct"},
                on_warning=lambda warning, item: ...)
    node.connect("JPN", InProcessLink("JPN", jpn_node, clock, delay_s=0.8))

Originating side:

- ``node.publish_warning(MissileWarning) -> list[Release]``: one item (this party's
  SECRET-level marking by default, topic ``dprk-missile-threat``, the elements present),
  released to each partner in ``node.routes`` by its route; denials audited, returned with
  status ``denied``. The stream ``warning:<track_id>`` keeps order per track.
- ``node.create_item(payload, classification=, releasable_to=, topic=, elements=) -> Label``
  and ``node.release(item_id, to, route) -> Release`` for any item (raises
  :class:`~gsomia.errors.ReleaseDenied`). A received item may be released on by its holder
  only with the originator's consent (Art. 6).
- ``node.approve(item_id, to, route="tisa") -> Consent``: the originator's signed approval,
  sent to the TISA hub, which then forwards the held item (TISA para 4).
- ``node.flush()``: try the outbox now (called by the methods above; retries are
  scheduled on the clock with :class:`RetryPolicy` backoff).

Receiving side:

- ``node.receive(wire, arrived_s=None) -> Receipt``: what a link calls. Never raises on bad
  input: a rejection is a :class:`Receipt` with ``status="rejected"``, ``check`` and
  ``reason``, and an audit record. The item becomes visible, and ``on_item(item)`` /
  ``on_warning(MissileWarning, ReceivedItem)`` are called, at ``arrived_s`` on the clock:
  with a :class:`SimClock`, during ``clock.advance_to(t)`` / ``clock.run()``.
- ``node.items() -> list[ReceivedItem]`` (each with ``marking["text"]``, e.g.
  ``"大韓民国 極秘"``, Art. 4(2)), ``node.held()`` (hub), ``node.outbox_counts()``.
- ``node.resume()`` after a restart on an existing store; ``node.close()``.

Guarantees: an envelope is persisted in the outbox before any send; a send that fails
with :class:`~gsomia.errors.LinkError` is retried with backoff until acknowledged; the
receiver stores each envelope id once and each originator's signed message once (a resend
is acknowledged as ``duplicate``; a replay under another id, an out-of-order sequence
number or a stale timestamp is rejected); per (sender, recipient, stream) envelopes are
sent one after the other in queue order, so order is kept. Every step writes an audit
record (:class:`~gsomia.sharing.AuditLog`, hash-chained).
"""

from gsomia.node.clock import Clock, SimClock, WallClock
from gsomia.node.core import Node, ReceivedItem, Release, RetryPolicy
from gsomia.node.links import HttpsLink, InProcessLink, Link, Receipt, Receiver, TlsFiles
from gsomia.node.store import SCHEMA_VERSION, Store
from gsomia.node.warning import ELEMENTS, WARNING_TOPIC, MissileWarning
from gsomia.sharing.envelope import Directory, PartyKeys

__all__ = [
    "ELEMENTS",
    "SCHEMA_VERSION",
    "WARNING_TOPIC",
    "Clock",
    "Directory",
    "HttpsLink",
    "InProcessLink",
    "Link",
    "MissileWarning",
    "Node",
    "PartyKeys",
    "Receipt",
    "ReceivedItem",
    "Receiver",
    "Release",
    "RetryPolicy",
    "SimClock",
    "Store",
    "TlsFiles",
    "WallClock",
]
