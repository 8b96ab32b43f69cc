"""Live mode: real servers on 127.0.0.1 (mutual TLS, ports chosen at run time, stopped at
the end of each route) and the end-to-end warning latency, detection at a Korean radar →
fused PIP at Japan's node (gsomia.sim.delivery.live notes)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import RouteConfig
from gsomia.sim.delivery.live import PARTS, LiveDelivery
from gsomia.sim.delivery.live_fusion import MeasuringFusion, replay_scans
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.warning.fusion import FusionConfig, TrackReport
from gsomia.warning.types import Detection
from gsomia.web.live import LiveCluster
from scenario_support import launch_entry, scenario_text

# One ER-Scud seen by one Korean and one Japanese radar; the US node relays on tisa_hub.
SCENARIO = scenario_text(name="live-latency",
                         sensors=["kor-greenpine-b-2", "jpn-fps5-sado"],
                         launches=[launch_entry(id="M1")])


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory):
    path = Path(tmp_path_factory.mktemp("sc")) / "live.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    sc = load_scenario(path)
    # A short TISA approval (5 s) so relayed reports are still fresh when they arrive, and
    # a fuser max age longer than the run, so whether a report is fused never depends on
    # how far the publishing loop lags the compressed clock on a busy machine.
    route = RouteConfig(approval_delay_s=5.0)
    cfg = RunConfig(routes=("none", "tisa_hub", "direct"), route=route, horizon_s=200.0,
                    measured=("JPN",), pip_tail_interval_s=60.0,
                    fusion=FusionConfig(max_age_s=3600.0))
    live = LiveDelivery(LiveCluster.for_run, route, speed=30.0)
    return live, run_scenario(sc, cfg, delivery=live)


@pytest.mark.slow
def test_live_tracker_publishes_exactly_the_precomputed_reports(live_run) -> None:
    """KOR's scans replayed into a live tracker give the same shared reports, bit for bit,
    as the batch tracker run (party_warnings), on every route."""
    live, res = live_run
    kor = [w for w in res.warnings["KOR"] if w.report is not None]
    assert kor
    for route in ("tisa_hub", "direct"):
        c = live.counts[route]
        assert (c["state_mismatches"], c["missing"], c["extra"]) == (0, 0, 0)
        assert c["published"] == len(kor)
        assert c["expected"] == len(kor)            # every one released to JPN
        assert live.link_stats()[route]["lost"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("route", ["direct", "tisa_hub"])
def test_every_kor_report_reaching_jpn_gets_a_latency_sample(live_run, route) -> None:
    """Each KOR track report delivered to JPN is fused and its PIP computed at JPN's node,
    and timed: positive, never less than its link part or the sum of its parts."""
    live, res = live_run
    got = [d for d in res.deliveries[route]
           if d.to == "JPN" and d.item.originator == "KOR" and d.item.report is not None]
    samples = live.samples[route]
    assert got and len(samples) == len(got)
    assert len({s.item_id for s in samples}) == len(samples)
    assert {s.track_id for s in samples} <= {d.item.report.track_id for d in got}
    c = live.counts[route]
    assert c["stale"] == 0 and c["unfused"] == 0 and c["worker_pending"] == 0
    for s in samples:
        assert s.total_ms > 0.0 and s.link_ms > 0.0 and s.fuse_pip_ms > 0.0
        assert s.total_ms >= s.link_ms
        if route == "direct":   # scan → step → publish → arrival → PIP, in that order
            assert s.step_ms > 0.0
            assert s.total_ms >= s.step_ms + s.link_ms + s.fuse_pip_ms - 1e-6
            # every stage stamped, none negative, and together the whole latency
            assert list(s.parts_ms) == list(PARTS)
            assert min(s.parts_ms.values()) >= 0.0
            assert sum(s.parts_ms.values()) == pytest.approx(s.total_ms, abs=1e-6)
        else:                   # the hub's envelope reaches JPN: the parts at JPN only
            assert list(s.parts_ms) == ["queue", "fusion", "pip"]
        assert s.pip_valid
    # the route ran at the live switch interval, and the interpreter's was put back after
    assert sys.getswitchinterval() == pytest.approx(0.005)
    stats = live.latency_stats()[route]
    assert stats["n"] == len(samples)
    assert stats["from"] == ("tisa_approval" if route == "tisa_hub" else "detection")
    assert stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert stats["max_ms"] == pytest.approx(max(s.total_ms for s in samples), abs=0.01)


def test_live_mode_shares_tracks_only() -> None:
    with pytest.raises(InputError) as err:
        LiveDelivery(LiveCluster.for_run).prepare(None, {},
                                                  types.SimpleNamespace(share="measurements"))
    assert err.value.field == "share" and err.value.value == "measurements"


@pytest.mark.parametrize(("kwargs", "field"), [({"speed": 0.0}, "speed"),
                                               ({"timeout_s": float("nan")}, "timeout_s"),
                                               ({"origin": "JPN", "at": "JPN"}, "at"),
                                               ({"switch_interval_s": 0.0},
                                                "switch_interval_s"),
                                               ({"switch_interval_s": float("inf")},
                                                "switch_interval_s")])
def test_bad_live_settings_are_named(kwargs, field) -> None:
    with pytest.raises(InputError) as err:
        LiveDelivery(LiveCluster.for_run, **kwargs)
    assert err.value.field == field


def _det(t: float, sensor: str, r: float) -> Detection:
    return Detection(t, sensor, "KOR", 36.0, 129.0, 100.0, r, 0.5, 0.3,
                     np.diag([100.0, 1e-6, 1e-6]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.5]), st.sampled_from(["a", "b", "c"]),
                          st.floats(1e4, 1e6)), max_size=25))
def test_scans_are_the_trackers_scans(rows) -> None:
    """The replayed scans are Tracker.process's: one sensor and time each, in (time, sensor)
    order, every detection once, the order within a scan kept."""
    dets = [_det(*row) for row in rows]
    scans = replay_scans(dets)
    keys = [(t, scan[0].sensor_id) for t, scan in scans]
    assert keys == sorted(set(keys))
    for t, scan in scans:
        assert all(d.t_s == t and d.sensor_id == scan[0].sensor_id for d in scan)
        assert [id(d) for d in scan] == [id(d) for d in dets
                                         if (d.t_s, d.sensor_id) == (t, scan[0].sensor_id)]
    assert sorted(id(d) for _, s in scans for d in s) == sorted(id(d) for d in dets)


class _Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def now_s(self) -> float:
        return self.t


class _Own:
    def at(self, t: float) -> list:
        return []


def _report(originator: str, track: str, update: int, t: float, x) -> TrackReport:
    return TrackReport(originator, track, update, t, np.asarray(x, float),
                       np.diag([1e4, 1e4, 1e4, 1e2, 1e2, 1e2]))


def test_measuring_fusion_fuses_when_the_origins_reports_arrive() -> None:
    """Other partners' reports are held and enter the next picture the origin's report
    makes; every origin report gets its PIP (or is counted stale); nothing is dropped."""
    prep = types.SimpleNamespace(own=_Own(), fusion=FusionConfig(max_age_s=30.0),
                                 pip_step_s=10.0)
    work = MeasuringFusion(prep, "KOR", "JPN", _Clock(100.0))
    up = geodetic2ecef(38.0, 133.0, 150e3)
    x = np.concatenate((up, [0.0, 0.0, -1500.0]))
    far = np.concatenate((geodetic2ecef(40.0, 138.0, 150e3), [0.0, 0.0, -1500.0]))
    work.handle([(1.0, "USA", "u1", _report("USA", "7", 1, 99.0, far))])
    assert work.counts == {"stale": 0, "other_fused": 0, "fuse_batches": 0}
    assert work.fused == {}
    work.handle([(2.0, "KOR", "k1", _report("KOR", "1", 1, 100.0, x)),
                 (2.0, "KOR", "k2", _report("KOR", "2", 1, 50.0, x))])   # k2: too old
    assert work.counts == {"stale": 1, "other_fused": 1, "fuse_batches": 1}
    wall, began, fused, done, valid = work.fused["k1"]
    assert wall == 2.0 and began <= fused <= done and valid
    assert set(work.fused) == {"k1"}
