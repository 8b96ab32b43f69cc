"""Helpers of the live-server tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gsomia.node import MissileWarning

EPOCH = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
#: Longest wait for something a live node does [s] (a bound, not a timing assertion).
WAIT_S = 15.0


def warning(t_s: float, track: str = "T1") -> MissileWarning:
    """A warning with an impact point only, at ``t_s`` [s since EPOCH]."""
    return MissileWarning(track, EPOCH, t_s, impact_point={
        "lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0, "impact_sigma_s": 5.0,
        "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]], "valid": True})


def until(predicate: Callable[[], Any], what: str, wait_s: float = WAIT_S) -> Any:
    """Poll ``predicate`` every 50 ms until it returns a true value (returned); fail with
    ``what`` after ``wait_s`` [s]."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def own_ca_bundles() -> Iterator[None]:
    """While it lasts, ``requests`` (under taxii2-client) keeps the CA bundle a session is
    given: ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` would override it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("REQUESTS_CA_BUNDLE", raising=False)
        mp.delenv("CURL_CA_BUNDLE", raising=False)
        yield
