"""Measurement-level sharing (issue 7's option): the plot payload, the treaty's verdict on
it, the receivers' ideal-reprocessing trackers against plain tracker runs, and a run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.node.plots import PLOT_ELEMENTS, Plot, RadarPlots
from gsomia.sharing import load_catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import RouteConfig, plan_routes
from gsomia.sim.delivery.nodes import NodeDelivery
from gsomia.sim.delivery.planned import deliver_planned, planned
from gsomia.sim.measurements import ReprocessingTracker
from gsomia.sim.observe import observe
from gsomia.sim.report import run_to_json
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.sim.share import plot_warnings
from gsomia.warning.tracking.tracker import Tracker, TrackerConfig
from gsomia.warning.tracking.tracker import scans as scans_of
from gsomia.warning.types import Detection

EPOCH = dt.datetime(2017, 8, 28, 20, 58, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def small():
    """The Hwasong-12 of 2017-08-29 (13 radars and SBIRS, scenario link delays), observed for
    its first 400 s."""
    sc = dataclasses.replace(load_scenario("2017-08-29"), duration_s=400.0)
    return sc, observe(sc)


# -- (a) the payload --------------------------------------------------------------------------

finite = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False)


@st.composite
def covariances(draw: st.DrawFn) -> tuple[tuple[float, ...], ...]:
    """Symmetric positive definite 3x3: sigmas times a correlation matrix whose
    off-diagonals are at most 0.4 in size (Gershgorin: eigenvalues >= 0.2)."""
    s = [draw(st.floats(1e-3, 1e3)) for _ in range(3)]
    rho = {(0, 1): draw(st.floats(-0.4, 0.4)), (0, 2): draw(st.floats(-0.4, 0.4)),
           (1, 2): draw(st.floats(-0.4, 0.4))}
    return tuple(tuple(s[i] * s[i] if i == j else
                       s[min(i, j)] * s[max(i, j)] * rho[(min(i, j), max(i, j))]
                       for j in range(3)) for i in range(3))


_ID_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))

plots_st = st.builds(
    RadarPlots,
    scan_id=st.text(_ID_CHARS, min_size=1, max_size=40),
    # the epoch range and the characters of ids that every payload takes (schemas.payloads)
    epoch=st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(9989, 12, 31),
                       timezones=st.just(dt.UTC)),
    t_s=finite,
    sensor_id=st.text(_ID_CHARS, min_size=1, max_size=40),
    site_lat_deg=st.floats(-90.0, 90.0),
    site_lon_deg=st.floats(-180.0, 360.0),
    site_alt_m=st.floats(-500.0, 5000.0),
    plots=st.lists(st.builds(Plot, range_m=st.floats(1.0, 1e8), az_rad=finite,
                             el_rad=st.floats(-math.pi / 2, math.pi / 2),
                             covariance=covariances()),
                   min_size=1, max_size=5).map(tuple),
)


@pytest.mark.slow
@given(plots_st)
@settings(max_examples=60, deadline=None)
def test_plot_payload_round_trips_exactly_through_json(rp: RadarPlots) -> None:
    rp.validate()
    back = RadarPlots.from_dict(json.loads(json.dumps(rp.to_dict())))
    assert back == rp
    # and through the tracker's type: the detections of the payload give the payload back
    dets = back.detections("KOR")
    assert RadarPlots.from_detections(rp.scan_id, rp.epoch, dets) == rp
    assert all(d.truth_id is None for d in dets)


def _good() -> dict:
    return {"kind": "radar_plots", "scan_id": "s1", "epoch": EPOCH.isoformat(), "t_s": 12.5,
            "sensor_id": "jpn-fps5-sado", "site": {"lat_deg": 38.0, "lon_deg": 138.3,
                                                   "alt_m": 100.0},
            "plots": [{"range_m": 5e5, "az_rad": 4.5, "el_rad": 0.3,
                       "covariance": [[2500.0, 0, 0], [0, 1e-6, 0], [0, 0, 1e-6]]}]}


def _set(path: list, value):
    doc = _good()
    here = doc
    for key in path[:-1]:
        here = here[key]
    if value is KeyError:
        del here[path[-1]]
    else:
        here[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "field"), [
    (["kind"], "missile_warning", "plots.kind"),
    (["sensor_id"], KeyError, "plots.sensor_id"),
    (["sensor_id"], "", "plots.sensor_id"),
    (["epoch"], "yesterday", "plots.epoch"),
    (["t_s"], float("nan"), "plots.t_s"),
    (["site", "lat_deg"], 91.0, "plots.site.lat_deg"),
    (["site", "alt_m"], "100", "plots.site.alt_m"),
    (["plots"], [], "plots.plots"),
    (["plots", 0, "range_m"], -1.0, "plots.plots[0].range_m"),
    (["plots", 0, "range_m"], 0.0, "plots.plots[0].range_m"),
    (["plots", 0, "az_rad"], True, "plots.plots[0].az_rad"),
    (["plots", 0, "el_rad"], 2.0, "plots.plots[0].el_rad"),
    (["plots", 0, "covariance"], [[1.0, 0.5, 0], [0, 1.0, 0], [0, 0, 1.0]],
     "plots.plots[0].covariance"),
    (["plots", 0, "covariance"], [[1.0, 0, 0], [0, -1.0, 0], [0, 0, 1.0]],
     "plots.plots[0].covariance"),
    (["plots", 0, "covariance"], [[1.0, 0], [0, 1.0]], "plots.plots[0].covariance"),
    # an unknown key is refused (closed schema, issue 11), so a truth id never travels
    (["plots", 0, "truth_id"], "L1", "plots.plots[0].truth_id"),
])
def test_bad_plot_payloads_are_refused_naming_the_field(path, value, field) -> None:
    doc = _set(path, value)
    with pytest.raises(InputError) as err:
        RadarPlots.from_dict(doc)
    assert err.value.field == field


def test_a_scan_mixing_sensors_is_no_payload(small) -> None:
    _, obs = small
    a, b = (scan[0] for scan in scans_of(obs.detections)[:2])
    assert (a.sensor_id, a.t_s) != (b.sensor_id, b.t_s)
    with pytest.raises(InputError) as err:
        RadarPlots.from_detections("x", EPOCH, [a, b])
    assert err.value.field == "plots.scan"


def test_shared_plots_carry_no_truth(small) -> None:
    _, obs = small
    items = plot_warnings("KOR", [d for d in obs.detections if d.owner == "KOR"], [])
    scans = [w for w in items if w.plots]
    assert scans and any(any(d.truth_id for d in w.plots) for w in scans)
    for w in scans:
        assert "truth_id" not in json.dumps(
            RadarPlots.from_detections("s", EPOCH, w.plots).to_dict())


# -- (b) the treaty ---------------------------------------------------------------------------

def test_plots_denied_by_the_automated_hub_allowed_direct_on_2017_03_06() -> None:
    """agreements.md §4: the 2023 mechanism shares the three elements only, never the
    location of own sensors; plots in sensor coordinates reveal it. The Japan–Korea GSOMIA
    (in force from 23 Nov 2016) has no element limit."""
    sc = load_scenario("2017-03-06")
    assert PLOT_ELEMENTS == ("trajectory", "sensor_location")
    plans = plan_routes(sc, load_catalog(), share="measurements")
    assert plans["direct"].delay("KOR", "JPN", "plots") is not None
    assert plans["direct"].delay("JPN", "KOR", "plots") is not None
    assert plans["auto_hub"].delay("KOR", "JPN", "plots") is None
    path = next(p for p in plans["auto_hub"].paths if (p.originator, p.recipient)
                == ("KOR", "JPN"))
    assert any("sensor_location" in r for r in path.plots_reasons)
    # as if every agreement were in force, the element exclusion alone still denies plots,
    # while the three warning elements go through the automated hub
    counter = plan_routes(sc, load_catalog(), RouteConfig(ignore_dates=True),
                          share="measurements")["auto_hub"]
    assert counter.delay("KOR", "JPN") is not None
    assert counter.delay("KOR", "JPN", "plots") is None
    path = next(p for p in counter.paths if (p.originator, p.recipient) == ("KOR", "JPN"))
    assert len(path.plots_reasons) == 1 and "sensor_location" in path.plots_reasons[0]
    # TISA (per-item approval, no element list) and the legs to/from the hub allow plots
    assert plans["tisa_hub"].delay("KOR", "JPN", "plots") == pytest.approx(1.0 + 300.0 + 1.0)
    assert counter.delay("KOR", "USA", "plots") is not None


def test_real_nodes_refuse_plots_on_the_automated_hub_and_carry_them_direct(small) -> None:
    sc, obs = small
    kor = plot_warnings("KOR", [d for d in obs.detections if d.owner == "KOR"], [])[:4]
    items = {"JPN": [], "KOR": kor, "USA": []}
    cfg = RouteConfig(ignore_dates=True)
    plans = plan_routes(sc, load_catalog(), cfg, ("auto_hub", "direct"), share="measurements")
    hub = NodeDelivery(cfg)(items, plans["auto_hub"], sc, load_catalog())
    assert {d.to for d in hub} == {"USA"}              # the KOR → USA leg is a bilateral
    direct = NodeDelivery(cfg)(items, plans["direct"], sc, load_catalog())
    def scan(w):
        return w.t_s, w.plots[0].sensor_id

    got = sorted((d.to, *scan(d.item)) for d in direct)
    assert got == sorted((to, *scan(w)) for w in kor for to in ("JPN", "USA"))
    # the plots arrive as sent, their truth put back by the simulation (never sent)
    sent = {scan(w): w.plots for w in kor}
    for d in direct:
        for a, b in zip(d.item.plots, sent[scan(d.item)], strict=True):
            assert (a.range_m, a.az_rad, a.el_rad, a.truth_id) == \
                (b.range_m, b.az_rad, b.el_rad, b.truth_id)
            assert np.array_equal(a.covariance, b.covariance) and a.owner == "KOR"


# -- (c), (d) ideal reprocessing against plain tracker runs --------------------------------

def _schedule(sc, obs, route: str, party: str, cfg: RouteConfig):
    warnings = {p: plot_warnings(p, [d for d in obs.detections if d.owner == p], [])
                for p in sc.parties}
    plan = plan_routes(sc, load_catalog(), cfg, (route,), share="measurements")[route]
    arrived = [(d.t_s, d.item.plots) for d in deliver_planned(warnings, plan)
               if d.to == party]
    own = [(w.t_s, w.plots) for w in warnings[party]]
    return own + arrived


def _plain(scans, t: float) -> Tracker:
    tr = Tracker(TrackerConfig())
    tr.process([d for avail, dets in scans if avail <= t for d in dets])
    return tr


def _same(a: Tracker, b: Tracker) -> None:
    assert [(t.number, t.status, t.confirmed_s, t.deleted_s) for t in a.tracks] == \
        [(t.number, t.status, t.confirmed_s, t.deleted_s) for t in b.tracks]
    for ta, tb in zip(a.tracks, b.tracks, strict=True):
        np.testing.assert_allclose(ta.state.x, tb.state.x, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ta.state.P, tb.state.P, rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_zero_delay_picture_is_one_tracker_over_the_union(small) -> None:
    """With instant links every partner plot is available when measured: Japan's picture on
    the direct route is one tracker run over every party's plots."""
    sc, obs = small
    sc = dataclasses.replace(sc, links=())          # every link the default: 0 s
    scans = _schedule(sc, obs, "direct", "JPN", RouteConfig(default_link_delay_s=0.0))
    assert {dets[0].owner for _, dets in scans} == {"JPN", "KOR", "USA"}
    rt = ReprocessingTracker(TrackerConfig(), scans)
    for t in (100.0, 200.0, 300.0, obs.t_end_s):
        got = rt.at(t)
        assert got is rt.settled               # nothing late: no speculative copy
        union = Tracker(TrackerConfig())
        union.process([d for d in obs.detections if d.t_s <= t])
        _same(got, union)
    assert sum(1 for t in union.tracks if t.confirmed) >= 1


@pytest.mark.slow
def test_late_plots_are_reprocessed_as_a_fresh_tracker_would(small) -> None:
    """TISA: Korea's plots reach Japan 302 s late (ASSUMED 300 s approval); the checkpoint
    machinery (settled tracker + speculative copy) equals a fresh tracker over the arrived
    set at every evaluation time."""
    sc, obs = small
    scans = _schedule(sc, obs, "tisa_hub", "JPN", RouteConfig())
    late = [a - dets[0].t_s for a, dets in scans if dets[0].owner == "KOR"]
    assert late and min(late) == pytest.approx(302.0)
    rt = ReprocessingTracker(TrackerConfig(), scans)
    speculative = 0
    for t in (60.0, 150.0, 330.0, 390.0, 392.5, 450.0, obs.t_end_s + 400.0):
        got = rt.at(t)
        speculative += got is not rt.settled
        _same(got, _plain(scans, t))
    assert speculative >= 3
    with pytest.raises(InputError) as err:
        rt.at(100.0)                            # forward only
    assert err.value.field == "t_s"


def _det(t: float, sensor: str) -> Detection:
    return Detection(t, sensor, "KOR", 37.0, 127.0, 50.0, 5e5, 0.5, 0.2, np.eye(3) * 1e-4)


@given(st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["a", "b", "c"]),
                          st.floats(0.0, 400.0)), min_size=1, max_size=40),
       st.lists(st.floats(-10.0, 700.0), min_size=1, max_size=10))
@settings(max_examples=100, deadline=None)
def test_tau_settles_only_what_no_later_scan_precedes(scans, times) -> None:
    """For every schedule: τ(t) never decreases, every scan measured before τ(t) is available
    by t, and a scan not yet available is never measured before τ(t)."""
    rt = ReprocessingTracker(TrackerConfig(), [(t + d, [_det(float(t), s)])
                                               for t, s, d in scans])
    last = -math.inf
    for t in sorted(times):
        tau = rt.tau(t)
        assert tau >= last
        last = tau
        assert np.all(rt.available[rt.times < tau] <= t)
        assert np.all(rt.times[rt.available > t] >= tau)


# -- a run: real nodes and the planned delivery, and Japan on 2017-03-06 ------------------------

@pytest.mark.slow
def test_nodes_carry_the_plots_as_planned(small) -> None:
    """The default delivery (real nodes: decide, sign, seal, TISA approval) gives the same
    plot arrivals at the same times as the planned delays, so the same figures."""
    sc = dataclasses.replace(small[0], duration_s=250.0)
    cfg = RunConfig(share="measurements", pip_tail_interval_s=60.0, measured=("JPN",))
    nodes = run_scenario(sc, cfg)
    assert nodes.observation.t_end_s == pytest.approx(250.0)
    analytical = run_scenario(sc, cfg, delivery=planned)
    for route in cfg.routes:
        a = sorted((d.to, d.item.originator, len(d.item.plots), round(d.t_s, 6))
                   for d in analytical.deliveries[route])
        b = sorted((d.to, d.item.originator, len(d.item.plots), round(d.t_s, 6))
                   for d in nodes.deliveries[route])
        assert a == b, route
        assert nodes.knowledge["L1"]["JPN"][route].figures() == \
            analytical.knowledge["L1"]["JPN"][route].figures()
    direct = nodes.deliveries["direct"]
    assert all(d.item.report is None for r in cfg.routes for d in nodes.deliveries[r])
    assert {(bool(d.item.plots), d.item.launch is not None) for d in direct} == \
        {(True, False), (False, True)}          # plots, and SBIRS's launch reports as before
    # the automated hub (not in force in 2017) carries nothing between Japan and Korea
    assert not [d for d in nodes.deliveries["auto_hub"]
                if {d.to, d.item.originator} == {"JPN", "KOR"}]
    k = nodes.knowledge["L1"]["JPN"]
    # Korea's plots reach Japan after the scenario's 2-s link on the direct route
    kor_first = min(d.t_s for d in nodes.observation.detections
                    if d.owner == "KOR" and d.truth_id == "L1")
    kor_to_jpn = [d.t_s - d.item.t_s for d in direct
                  if d.item.originator == "KOR" and d.to == "JPN"]
    assert kor_to_jpn and set(np.round(kor_to_jpn, 6)) == {2.0}
    launch_s = nodes.flights[0].launch_s
    assert k["direct"].first_detection_s <= kor_first + 2.0 - launch_s
    assert k["direct"].first_confirmed_s <= k["none"].first_confirmed_s
    doc = json.loads(json.dumps(run_to_json(nodes)))
    assert doc["share"] == "measurements"
    usa = doc["launches"][0]["parties"]["USA"]
    assert usa["direct"]["not_measured"][0] == "first_confirmed_s"
    paths = doc["route_paths"]["auto_hub"]
    assert all("plots_allowed" in p for p in paths)


def test_unknown_share_is_refused() -> None:
    with pytest.raises(InputError) as err:
        RunConfig(share="tracks-and-plots")
    assert err.value.field == "share"


@pytest.mark.slow
def test_japan_gains_from_korean_plots_on_2017_03_06() -> None:
    """2017-03-06 (four ER-Scuds into Japan's EEZ): with Korea's and the US's plots direct,
    Japan's first PIP within 50 km is never later than with its own radars alone."""
    res = run_scenario(load_scenario("2017-03-06"),
                       RunConfig(share="measurements", routes=("none", "direct"),
                                 measured=("JPN",), pip_tail_interval_s=60.0),
                       delivery=planned)
    assert len(res.flights) == 4
    reached = 0
    for f in res.flights:
        k = res.knowledge[f.id]["JPN"]
        got, base = k["direct"].first_pip_within_50km_s, k["none"].first_pip_within_50km_s
        assert got is not None
        assert base is None or got <= base
        reached += base is not None and got < base
    assert reached >= 1


def test_cli_refuses_an_unknown_share_and_live_measurements() -> None:
    from typer.testing import CliRunner

    from gsomia.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["run", "2017-03-06", "--share", "plots"])
    assert bad.exit_code == 2 and "--share='plots'" in bad.output
    live = runner.invoke(app, ["run", "2017-03-06", "--share", "measurements", "--live"])
    assert live.exit_code == 2 and "--live shares tracks only" in live.output
