"""Wall-clock stamps of an envelope's stages, for measuring where the time of a delivery goes.

A :class:`Stamps` recorder is off by default (a node's ``stamps`` is None and nothing is
recorded). When one is set (``gsomia run --live`` sets one shared by the nodes of a route,
:mod:`gsomia.sim.delivery.live`), the nodes and the web layer stamp each envelope at:

- ``sent``: the sending node's link exchange carrying it begins (:mod:`gsomia.node.outbox`);
- ``request``: the receiving server's inbox route is entered (:mod:`gsomia.web.app`);
- ``opened``: hop signature verified, decrypted, originator's signature verified
  (:mod:`gsomia.node.inbox`);
- ``decided``: the release check of the hop permitted it (before it is marked and stored);
- ``stored``: marked, stored and audited in the receiving store's transaction (not yet
  committed).

Times are :func:`time.perf_counter` seconds (the system's monotonic clock, common to every
thread and process of the machine). The recorder keeps at most ``limit`` envelopes (the
oldest dropped first), so a long run never grows it without bound.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from gsomia.errors import InputError

__all__ = ["STAGES", "Stamps"]

STAGES = ("sent", "request", "opened", "decided", "stored")
"""The stages stamped (module notes), in the order an envelope passes them."""


class Stamps:
    """Thread-safe ``envelope id → {stage: perf_counter seconds}``; the first stamp of a
    stage is kept (a retried send or a duplicate does not move it).

    Args:
        limit: most envelopes kept (oldest dropped first).

    Raises:
        InputError: ``limit`` below 1.
    """

    def __init__(self, limit: int = 100_000) -> None:
        if limit < 1:
            raise InputError("limit", limit, "must be at least 1")
        self.limit = limit
        self._lock = threading.Lock()
        self._by_id: OrderedDict[str, dict[str, float]] = OrderedDict()

    def mark(self, envelope_id: str, stage: str, t: float | None = None) -> None:
        """Stamp ``stage`` of ``envelope_id`` at ``t`` (default now).

        Raises:
            InputError: ``stage`` is not one of :data:`STAGES`.
        """
        if stage not in STAGES:
            raise InputError("stage", stage, f"expected one of {', '.join(STAGES)}")
        now = time.perf_counter() if t is None else t
        with self._lock:
            got = self._by_id.get(envelope_id)
            if got is None:
                got = self._by_id[envelope_id] = {}
                if len(self._by_id) > self.limit:
                    self._by_id.popitem(last=False)
            got.setdefault(stage, now)

    def mark_wires(self, wires: Iterable[Any], stage: str, t: float | None = None) -> None:
        """Stamp ``stage`` of every envelope in wire form (a mapping with a string
        ``envelope_id``; anything else is skipped) at ``t`` (default now)."""
        now = time.perf_counter() if t is None else t
        for wire in wires:
            eid = wire.get("envelope_id") if isinstance(wire, Mapping) else None
            if isinstance(eid, str):
                self.mark(eid, stage, now)

    def get(self, envelope_id: str) -> dict[str, float]:
        """A copy of the stamps of ``envelope_id`` (empty when none)."""
        with self._lock:
            return dict(self._by_id.get(envelope_id, {}))

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_id)
