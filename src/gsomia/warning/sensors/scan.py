"""The arrays of a radar's scans: every object at every scan of a window at once.

A radar's observation (:meth:`gsomia.warning.sensors.radar.Radar.observe`) works on flat
arrays of *samples*, one per (object, scan) with the object in the air at the scan, in
object-major order (object 0's scans in time order, then object 1's, …): the order in
which the random draws are made. Geometry (coverage, measurement, resolution cells) is
computed on all samples at once; only the random draws walk the objects one by one, because
each object's noise draws depend on how many of its Pd draws succeeded (the stream is
shared, so this keeps the draws — and therefore the output — those of the per-object
model).

Frames and units: ECEF [m], times seconds since the scenario epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gsomia.warning.sensors.flight import Flight

__all__ = ["CellPlots", "Samples", "cell_plots", "detection_draws", "samples_at"]


@dataclass(frozen=True, slots=True)
class Samples:
    """Objects in the air at the scans, flattened.

    Attributes:
        obj: index of the object in the flights given, integer ``(N,)``.
        scan: index of the scan, integer ``(N,)``.
        r_ecef_m: true position, ``(N, 3)`` [m] ECEF.
        counts: samples of each object, integer ``(F,)`` (the object-major blocks).
    """

    obj: np.ndarray
    scan: np.ndarray
    r_ecef_m: np.ndarray
    counts: np.ndarray


def samples_at(flights: Sequence[Flight], scans: np.ndarray) -> Samples:
    """Every (object, scan) with ``launch_s ≤ scan ≤ impact_s``, object-major, and the
    objects' true positions there (:meth:`Flight.position_at`, one call per object over all
    its scans). The scans are sorted, so an object's scans are one run found by bisection
    (no objects × scans table).

    Args:
        flights: the objects, ``F`` of them.
        scans: scan times ``(M,)`` [s since the epoch], ascending.
    """
    launch = np.array([f.launch_s for f in flights], dtype=float)
    impact = np.array([f.impact_s for f in flights], dtype=float)
    first = np.searchsorted(scans, launch, side="left")          # first scan >= launch
    counts = np.maximum(np.searchsorted(scans, impact, side="right") - first, 0)
    ends = np.cumsum(counts)
    obj = np.repeat(np.arange(len(flights)), counts)
    scan = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - counts - first,
                                                                     counts)
    r = np.empty((obj.size, 3))
    for f, (lo, hi) in enumerate(zip(ends - counts, ends, strict=True)):
        if hi > lo:
            r[lo:hi] = flights[f].position_at(scans[scan[lo:hi]])
    return Samples(obj, scan, r, counts)


def detection_draws(samples: Samples, covered: np.ndarray, pd: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The Pd and noise draws, object by object in the order given (the per-object model's
    order): for each object in the air at some scan, one uniform draw per such scan
    (detected where covered and the draw is below ``pd``), then, if the object is covered at
    any scan, one standard-normal triple per detection.

    Returns:
        ``(seen, noise)``: bool ``(N,)``, and standard-normal draws ``(S, 3)`` for the
        ``S`` seen samples in sample order (unscaled).
    """
    uniform = np.empty(covered.size)
    noise = []
    ends = np.cumsum(samples.counts)
    for lo, hi in zip(ends - samples.counts, ends, strict=True):
        if hi == lo:
            continue
        uniform[lo:hi] = rng.random(hi - lo)
        block = covered[lo:hi]
        if block.any():
            noise.append(rng.standard_normal(
                (int(np.count_nonzero(block & (uniform[lo:hi] < pd))), 3)))
    seen = covered & (uniform < pd)
    return seen, (np.concatenate(noise) if noise else np.empty((0, 3)))


@dataclass(frozen=True, slots=True)
class CellPlots:
    """One plot per resolution cell holding a detected object.

    Attributes:
        first: sample index of the cell's first member (lowest object index), ``(P,)``.
        noise_row: row of the noise of the cell's first *detected* member, ``(P,)``.
        centroid_ecef_m: mean of the members' true positions, ``(P, 3)`` [m] (a single
            member's own position, unchanged).
        size: members of each cell, ``(P,)``.
        member_start: where each cell's members start in ``members``, ``(P,)``.
        members: sample indices of the members, cell by cell, each cell in object order.
    """

    first: np.ndarray
    noise_row: np.ndarray
    centroid_ecef_m: np.ndarray
    size: np.ndarray
    member_start: np.ndarray
    members: np.ndarray


def cell_plots(samples: Samples, covered_idx: np.ndarray, labels: np.ndarray,
               seen: np.ndarray) -> CellPlots:
    """Gather the cells (:func:`gsomia.warning.sensors.resolution.resolution_cells` labels
    of the covered samples ``covered_idx``) into plots: a cell gives a plot when one of its
    members was seen; the centroid is the members' sum taken in object order divided by
    their number (the bits of ``numpy.mean`` over the members in that order).
    """
    if covered_idx.size == 0:
        empty = np.empty(0, dtype=int)
        return CellPlots(empty, empty, np.empty((0, 3)), empty, empty, empty)
    perm = np.lexsort((samples.obj[covered_idx], labels))
    idx = covered_idx[perm]
    lab = labels[perm]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    sizes = np.diff(np.r_[starts, idx.size])
    seen_rank = np.cumsum(seen) - 1                      # noise row of each seen sample
    big = idx.size
    first_seen_pos = np.where(seen[idx], np.arange(idx.size), big)
    first_seen = np.minimum.reduceat(first_seen_pos, starts)
    keep = first_seen < big
    starts, sizes, first_seen = starts[keep], sizes[keep], first_seen[keep]
    r = samples.r_ecef_m
    total = r[idx[starts]].copy()
    for p in range(1, int(sizes.max()) if sizes.size else 0):
        more = sizes > p
        total[more] = total[more] + r[idx[starts[more] + p]]
    return CellPlots(idx[starts], seen_rank[idx[first_seen]], total / sizes[:, None],
                     sizes, starts, idx)
