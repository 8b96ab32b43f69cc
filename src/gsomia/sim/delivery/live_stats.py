"""The figures of a live route's end-to-end latency (:mod:`gsomia.sim.delivery.live`): one
timed report (:class:`LatencySample`), its stages (:data:`PARTS`), and the statistics and
machine load reported with them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PARTS", "LatencySample", "load_1m", "stats"]


@dataclass(frozen=True, slots=True)
class LatencySample:
    """One origin warning timed from detection to the fused PIP at the measuring party
    (module notes), wall clock [ms].

    Attributes:
        item_id: the published item; track_id: the origin's track.
        total_ms: scan handed to the tracker (``tisa_hub``: originator's approval) → PIP
            computed at the measuring party.
        step_ms: the tracker step of that scan.
        link_ms: publish call started (``tisa_hub``: approval) → the measuring node's
            subscriber callback.
        fuse_pip_ms: subscriber callback → PIP computed (queue wait, fusion, PIP).
        pip_valid: False when some sigma point did not come down within the horizon.
        publish_wait_ms: tracker step done → publish call started (the origin's node
            releasing the earlier reports of the same scan; 0 on ``tisa_hub``).
        queue_ms: subscriber callback → the fusion taking the report up (the part of
            ``fuse_pip_ms`` spent waiting for another request's fusion).
        parts_ms: the stages of ``link_ms`` and ``fuse_pip_ms`` (:data:`PARTS`; a stage
            whose stamps are missing is left out).
    """

    item_id: str
    track_id: str
    total_ms: float
    step_ms: float
    link_ms: float
    fuse_pip_ms: float
    pip_valid: bool
    publish_wait_ms: float = 0.0
    queue_ms: float = 0.0
    parts_ms: dict[str, float] = dataclasses.field(default_factory=dict)


PARTS = ("tracker_step", "publish_wait", "sign_encrypt", "send_wait", "transfer",
         "verify_decrypt", "decide", "store", "deliver", "queue", "fusion", "pip")
"""The stages of one timed report, in order (wall ms), each from the end of the one before:
``tracker_step`` the origin's tracker step of the scan; ``publish_wait`` → the origin's node
called to publish this report (its loop releasing the earlier reports of the scan);
``sign_encrypt`` → the release decided, signed, sealed and stored (outbox rows committed);
``send_wait`` → its link exchange beginning (the scan's later reports released, then the
origin's flush reaching it); ``transfer`` → ``at``'s server entering its inbox route (HTTPS,
mutual TLS); ``verify_decrypt`` → hop and originator signatures verified and decrypted;
``decide`` → the hop's release check done; ``store`` → marked, stored and audited in the
receiving transaction; ``deliver`` → ``at``'s subscriber callback (the commit, then, in the
request's thread, the delivery's own transaction: ``deliver_now`` of
:meth:`gsomia.node.Node.receive_batch`); ``queue`` → the fusion taking it up (waiting for
another request's fusion at ``at``); ``fusion`` → the fused picture; ``pip`` → the PIP of
the fused track holding it. Stamps: :mod:`gsomia.node.stamps`."""


def load_1m() -> float | None:
    """The system's 1-minute load average (:func:`os.getloadavg`), None where there is
    none: the latencies are wall times, so a loaded machine shows in them."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def stats(values: Sequence[float]) -> dict[str, float | None]:
    """``p50_ms``, ``p99_ms`` and ``max_ms`` of ``values`` [ms] (rounded to 0.01 ms; None
    when there are none)."""
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"p50_ms": round(float(np.percentile(values, 50)), 2),
            "p99_ms": round(float(np.percentile(values, 99)), 2),
            "max_ms": round(float(np.max(values)), 2)}
