"""Helpers of the live-server tests."""

from __future__ import annotations

import datetime as dt

from gsomia.node import MissileWarning

EPOCH = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def warning(t_s: float, track: str = "T1") -> MissileWarning:
    """A warning with an impact point only, at ``t_s`` [s since EPOCH]."""
    return MissileWarning(track, EPOCH, t_s, impact_point={
        "lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0, "impact_sigma_s": 5.0,
        "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]], "valid": True})
