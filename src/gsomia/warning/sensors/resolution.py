"""Radar resolution: which objects a radar cannot tell apart at one scan.

Resolution
----------
A radar cannot separate two objects that sit in the same resolution cell: their echoes
overlap in time (range) and arrive inside the same beam (angle), and the radar reports one
plot. Two objects are *resolved* in range when their slant ranges differ by at least the
range resolution ``ΔR = c/(2B)`` (``B`` the waveform bandwidth; ``c·τ/2`` for an
uncompressed pulse of length ``τ``), and in angle when the angle between their lines of
sight is at least the half-power beamwidth ``θ_B`` (M. I. Skolnik, *Introduction to Radar
Systems*, 3rd ed., McGraw-Hill 2001, range resolution ``c/2B`` and angular resolution ≈
beamwidth; the same rule as the "radar resolution volume" of the AMS *Glossary of
Meteorology*: "targets within the volume are not resolved and appear to be merged into a
single target"). Two objects are *unresolved* when both ``|ΔR_ij| < ΔR`` and
``angle_ij < θ_B``; unresolved pairs are chained (single linkage: if A is unresolved from B
and B from C, all three are one cell), which is a modelling choice (ASSUMPTION) that makes
the grouping independent of object order. The beam is taken as circular: one beamwidth for
azimuth and elevation, the angle measured between the two lines of sight from the site.

Merge rule (see :meth:`~gsomia.warning.sensors.radar.Radar.observe`): a cell of several
in-coverage objects gives one plot if at least one of them passes its own detection draw
(echoes add, so a cell holding more scatterers is detected with probability
``1 − (1 − pd)ⁿ``, ASSUMPTION of independent fluctuation); the plot is the
range/azimuth/elevation of the centroid of the members' true ECEF positions with equal
weights (ASSUMPTION: equal radar cross-sections; a real radar gives an amplitude-weighted,
glinting centroid) plus the noise of one ordinary plot with the radar's covariance; its
``truth_id`` is the member that comes first in the order of the ``flights`` given (a rule
that keeps one label while the objects stay together) and its ``merged_truth_ids`` lists
every member in that order. A range resolution or beamwidth of 0 (the default) resolves
everything: such a radar gives one plot per detected object, as before this rule. False
alarms are never merged.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["resolution_cells", "unresolved_groups"]


def unresolved_groups(site_ecef_m: np.ndarray, r_ecef_m, range_resolution_m: float,
                      beamwidth_rad: float) -> list[list[int]]:
    """Partition objects seen at one scan from a site into resolution cells (module notes).

    Args:
        site_ecef_m: the radar, shape ``(3,)`` [m], ECEF.
        r_ecef_m: true ECEF positions of the objects, shape ``(n, 3)`` [m].
        range_resolution_m: range resolution ``c/(2B)`` [m]; 0 resolves everything.
        beamwidth_rad: half-power beamwidth [rad]; 0 resolves everything.

    Returns:
        lists of indices into ``r_ecef_m``, each sorted, ordered by their first index;
        objects ``i, j`` share a list when a chain of pairs each closer than
        ``range_resolution_m`` in slant range AND than ``beamwidth_rad`` in angle
        between lines of sight joins them (single linkage).
    """
    r = np.asarray(r_ecef_m, dtype=float).reshape(-1, 3)
    n = len(r)
    if n < 2 or range_resolution_m <= 0.0 or beamwidth_rad <= 0.0:
        return [[i] for i in range(n)]
    los = r - site_ecef_m
    rng_m = np.linalg.norm(los, axis=-1)
    u = los / np.where(rng_m > 0.0, rng_m, 1.0)[:, None]
    cross = np.linalg.norm(np.cross(u[:, None, :], u[None, :, :]), axis=-1)
    angle = np.arctan2(cross, np.einsum("ik,jk->ij", u, u))
    close = ((np.abs(rng_m[:, None] - rng_m[None, :]) < range_resolution_m)
             & (angle < beamwidth_rad))
    _, label = connected_components(csr_matrix(close), directed=False)
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(label.tolist()):
        groups.setdefault(lab, []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def resolution_cells(scan_index, site_ecef_m: np.ndarray, r_ecef_m,
                     range_resolution_m: float, beamwidth_rad: float) -> np.ndarray:
    """The resolution cells of objects seen over many scans, all scans at once: the rule of
    :func:`unresolved_groups` applied within each scan, vectorised.

    Pairs are found without comparing every object with every other: sorted by (scan,
    slant range), an object can only share a cell directly with its next neighbours closer
    than ``range_resolution_m`` in range, so offsets d = 1, 2, … are tried, vectorised over
    all objects, until no pair at offset d is that close (the offset loop runs as many times
    as the largest run of objects within one range resolution, not once per object). The
    angle of each close pair is then checked, and cells are the connected components.

    Args:
        scan_index: scan of each object, integer shape ``(n,)`` (objects of different scans
            never share a cell).
        site_ecef_m: the radar, shape ``(3,)`` [m], ECEF.
        r_ecef_m: true ECEF positions, shape ``(n, 3)`` [m].
        range_resolution_m: range resolution [m]; 0 resolves everything.
        beamwidth_rad: beamwidth [rad]; 0 resolves everything.

    Returns:
        integer labels ``(n,)``: objects share a label iff they share a cell.
    """
    scan = np.asarray(scan_index).reshape(-1)
    r = np.asarray(r_ecef_m, dtype=float).reshape(-1, 3)
    n = len(r)
    if n < 2 or range_resolution_m <= 0.0 or beamwidth_rad <= 0.0:
        return np.arange(n)
    los = r - site_ecef_m
    rng_m = np.linalg.norm(los, axis=-1)
    u = los / np.where(rng_m > 0.0, rng_m, 1.0)[:, None]
    order = np.lexsort((rng_m, scan))
    scan_s, rng_s = scan[order], rng_m[order]
    heads, tails = [], []
    active = np.arange(n - 1)
    for d in range(1, n):
        active = active[active + d < n]
        near = ((scan_s[active + d] == scan_s[active])
                & (rng_s[active + d] - rng_s[active] < range_resolution_m))
        active = active[near]
        if active.size == 0:
            break
        i, j = order[active], order[active + d]
        cross = np.linalg.norm(np.cross(u[i], u[j]), axis=-1)
        angle = np.arctan2(cross, np.einsum("ik,ik->i", u[i], u[j]))
        keep = angle < beamwidth_rad
        heads.append(i[keep])
        tails.append(j[keep])
    if not heads:
        return np.arange(n)
    a, b = np.concatenate(heads), np.concatenate(tails)
    graph = csr_matrix((np.ones(a.size, dtype=bool), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]
