"""``gsomia bench links``, throughput part: one direct link (KOR → JPN, live servers on
127.0.0.1 with mutual TLS, SQLite stores) driven hard, with link batches and without.

For each mode a fresh pair of nodes is measured (``batched``: up to ``batch`` envelopes a
request, :meth:`gsomia.node.HttpsLink.send_batch`; ``single``: one envelope a request,
batch 1, as before batches), in three phases of ``n`` warnings each:

``saturation``
    warnings published one after the other as fast as the publishing thread can, each
    followed by :meth:`gsomia.node.Node.flush_soon` (the node's background sender, as
    ``POST /v1/warnings`` does). ``per_s``: warnings delivered to the Japanese
    subscriber per second of wall time, from the first publish to the last delivery (the
    sustained end-to-end rate, envelopes/s); ``offered_per_s``: the publishing rate.
``backlog``
    ``n`` warnings queued first with nothing sent (publishing is not measured), then the
    sender started: ``per_s``, warnings delivered per second from the start of sending to
    the last delivery, is the link's own rate (sender's outbox, the request, the
    receiver's checks and store, the receipts, the deliveries), without the cost of
    publishing that the ``saturation`` figure shares a process and two cores with.
``fixed_rate``
    one warning every ``1/rate_per_s`` seconds on an open-loop schedule (a late publish
    does not move the next ones' due times). ``p50_ms``/``p99_ms``: wall time from
    publish to delivery at the subscriber; ``offered_per_s`` as achieved.

Each mode's nodes first pass :data:`WARM_UP` warnings, not reported. Each phase also
reports ``sent``, ``delivered``, ``lost`` and ``duplicates``
(subscriber calls beyond the first, plus stored copies beyond one per item).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.node import MissileWarning, Node
from gsomia.node.links import MAX_BATCH_ENVELOPES
from gsomia.sharing import Route
from gsomia.sharing.catalog import load_catalog
from gsomia.web.live import LiveCluster, wait_until

__all__ = ["WARM_UP", "Deliveries", "await_deliveries", "run_rate_bench"]

#: Warnings each mode's nodes pass before the measured phases (not reported), so that
#: neither mode's figures carry the first connections and lazy imports.
WARM_UP = 20


@dataclass(frozen=True, slots=True)
class Deliveries:
    """What a bench's receiving subscriber got of the items ``started``.

    Attributes:
        latency_ms: per item delivered, wall time [ms] from its start to its first
            delivery (items not delivered are absent: lost).
        duplicates: subscriber calls beyond the first per item, plus copies stored by the
            receiving node beyond one per item.
    """

    latency_ms: dict[str, float]
    duplicates: int


def await_deliveries(receiver: Node, started: Mapping[str, float],
                     seen: Mapping[str, list[float]], lock: threading.Lock,
                     timeout_s: float) -> Deliveries:
    """Wait up to ``timeout_s`` [s] until every item of ``started`` (item id → start time,
    ``time.perf_counter``) is in ``seen`` (item id → the delivery times of the
    subscriber, guarded by ``lock``), then 0.2 s more for a late duplicate to show
    itself; count what arrived at ``receiver``."""

    def all_seen() -> bool:
        with lock:
            return all(seen.get(k) for k in started)

    wait_until(all_seen, timeout_s, poll_s=0.01)
    time.sleep(0.2)  # let any late duplicate show itself
    with lock:
        delivered = [k for k in started if seen.get(k)]
        calls = sum(len(seen[k]) - 1 for k in delivered)
        latency = {k: 1000.0 * (seen[k][0] - started[k]) for k in delivered}
    stored = [i.item_id for i in receiver.items() if i.item_id in started]
    return Deliveries(latency, calls + len(stored) - len(set(stored)))


def run_rate_bench(pki: Path, workdir: Path, n: int, *, batch: int = MAX_BATCH_ENVELOPES,
                   rate_per_s: float = 200.0, timeout_s: float = 120.0,
                   warning: Callable[[int], MissileWarning]) -> dict[str, Any]:
    """Measure both modes (module docstring); all servers are stopped at the end.

    Parameters:
        pki: a PKI with KOR and JPN (:func:`gsomia.sharing.pki.init_pki`).
        workdir: where each mode's stores go (``workdir/<mode>``, created).
        n: warnings per phase; batch: envelopes per request of the batched mode.
        rate_per_s: the offered load of the fixed-rate phase [warnings/s].
        timeout_s: the longest wait for a phase's deliveries [s].
        warning: ``warning(i)``, the i-th warning to publish (distinct items).

    Returns:
        ``{"batch", "rate_per_s", "batched": mode, "single": mode, "ratio":
        {"saturation", "backlog", "p99_at_rate"}}``, each mode ``{"saturation" |
        "backlog" | "fixed_rate": phase}`` (module docstring), ``ratio.saturation`` and
        ``ratio.backlog`` the batched mode's rate over the single mode's,
        ``ratio.p99_at_rate`` the single mode's p99 over the batched mode's.
    """
    report: dict[str, Any] = {"batch": batch, "rate_per_s": rate_per_s}
    for mode, size in (("batched", batch), ("single", 1)):
        report[mode] = _mode(pki, Path(workdir) / mode, n, size, rate_per_s, timeout_s,
                             warning)
    def ratio(phase: str, key: str, inverse: bool = False) -> float | None:
        a, b = report["batched"][phase][key], report["single"][phase][key]
        if not a or not b:
            return None
        return round(b / a if inverse else a / b, 2)

    report["ratio"] = {"saturation": ratio("saturation", "per_s"),
                       "backlog": ratio("backlog", "per_s"),
                       "p99_at_rate": ratio("fixed_rate", "p99_ms", inverse=True)}
    return report


def _mode(pki: Path, workdir: Path, n: int, batch: int, rate_per_s: float, timeout_s: float,
          warning: Callable[[int], MissileWarning]) -> dict[str, Any]:
    """One mode: a fresh KOR → JPN pair with links of ``batch``, every phase."""
    workdir.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    seen: dict[str, list[float]] = defaultdict(list)

    def on_jpn(_: MissileWarning, item: Any) -> None:
        with lock:
            seen[item.item_id].append(time.perf_counter())

    cluster = LiveCluster(pki, workdir, load_catalog(),
                          {"KOR": {"JPN": Route.DIRECT}, "JPN": {"KOR": Route.DIRECT}},
                          on_warning={"JPN": on_jpn}, batch=batch).start()
    try:
        # warm-up, not reported: first connections, lazy imports, caches
        _phase(cluster, [warning(3 * n + i) for i in range(WARM_UP)], 0.0, timeout_s, seen,
               lock)
        out: dict[str, Any] = {}
        for k, (phase, period) in enumerate((("saturation", 0.0), ("backlog", None),
                                             ("fixed_rate", 1.0 / rate_per_s))):
            out[phase] = _phase(cluster, [warning(k * n + i) for i in range(n)], period,
                                timeout_s, seen, lock)
        return out
    finally:
        cluster.stop()


def _phase(cluster: LiveCluster, warnings: list[MissileWarning], period_s: float | None,
           timeout_s: float, seen: dict[str, list[float]],
           lock: threading.Lock) -> dict[str, Any]:
    """Publish ``warnings`` on KOR, one each ``period_s`` (0: back to back; None: all
    queued, then sent); the phase's figures (module docstring)."""
    kor = cluster.nodes["KOR"]
    started: dict[str, float] = {}
    t0 = time.perf_counter()
    for i, w in enumerate(warnings):
        delay = t0 + i * (period_s or 0.0) - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t = time.perf_counter()
        [rel] = kor.publish_warning(w, send=False)
        started[rel.item_id] = t
        if period_s is not None:
            kor.flush_soon()
    offered_s = time.perf_counter() - t0
    if period_s is None:  # the backlog: its rate and latency count from here
        t0 = time.perf_counter()
        started = dict.fromkeys(started, t0)
        kor.flush_soon()

    got = await_deliveries(cluster.nodes["JPN"], started, seen, lock, timeout_s)
    lat = list(got.latency_ms.values())
    with lock:
        last = max((seen[k][0] for k in got.latency_ms), default=t0)
    return {
        "sent": len(started),
        "delivered": len(lat),
        "lost": len(started) - len(lat),
        "duplicates": got.duplicates,
        "offered_per_s": round(len(started) / offered_s, 1) if offered_s > 0 else None,
        "per_s": round(len(lat) / (last - t0), 1) if last > t0 else None,
        "p50_ms": round(float(np.percentile(lat, 50)), 2) if lat else None,
        "p99_ms": round(float(np.percentile(lat, 99)), 2) if lat else None,
    }
