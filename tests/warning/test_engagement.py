"""Engagement model (gsomia.warning.engagement) against closed forms, the public record,
and the interceptor data file's checks."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.sim.observe import fly_launches
from gsomia.sim.scenario import load_scenario
from gsomia.warning.engagement import (
    Engagement,
    Paths,
    ThreatWindows,
    engagement,
    intercept_time,
    latest_launch,
    predict_paths,
    schedule_salvo,
)
from gsomia.warning.interceptors import (
    FireUnit,
    Interceptor,
    load_interceptors,
    packaged_interceptors_path,
)

STEP = 0.01  # path grid of the closed-form checks [s]


def _unit(p: np.ndarray, v: float, max_range: float, reaction: float = 5.0,
          assessment: float = 3.0, magazine: int = 10, uid: str = "u") -> FireUnit:
    i = Interceptor("test", v, 0.0, 1e9, 0.0, max_range, reaction, assessment, 1e9)
    return FireUnit(uid, "JPN", i, magazine, 0.0, 0.0, 0.0, p, None)


def _line(r0: np.ndarray, u: np.ndarray, t_end: float) -> Paths:
    """A straight-line constant-velocity threat as a path from t = 0 (no uncertainty)."""
    tau = np.arange(0.0, t_end + STEP / 2, STEP)
    r = r0 + np.outer(tau, u)
    n = len(tau)
    return Paths(np.zeros(1), tau, r[None], np.full((1, n), 1e5), np.ones((1, n), bool),
                 np.zeros((1, n)))


def _intercept_closed_form(w: np.ndarray, u: np.ndarray, v: float, L: float) -> float:
    """Earliest τ ≥ L with |w + uτ| = v(τ − L): the smaller root ≥ L of
    (|u|² − v²)τ² + 2(w·u + v²L)τ + |w|² − v²L² = 0 (|u| < v: one root ≥ L)."""
    a = u @ u - v * v
    b = 2.0 * (w @ u + v * v * L)
    c = w @ w - v * v * L * L
    disc = b * b - 4 * a * c
    roots = [(-b + s * math.sqrt(disc)) / (2 * a) for s in (1.0, -1.0)]
    return min(t for t in roots if t >= L - 1e-9)


geometry = st.tuples(
    st.floats(-200e3, 200e3), st.floats(-200e3, 200e3), st.floats(50e3, 300e3),  # w
    st.floats(-1.0, 1.0), st.floats(-1.0, 1.0), st.floats(-1.0, 1.0),          # u dir
    st.floats(500.0, 2500.0),                                                     # |u|
    st.floats(3000.0, 4500.0),                                                    # v
)


def _geometry(g) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """(threat offset w from the fire unit, threat velocity u, interceptor speed v, fire
    unit position p) of a drawn geometry."""
    wx, wy, wz, ux, uy, uz, speed, v = g
    d = np.array([ux, uy, uz])
    assume(np.linalg.norm(d) > 0.1)
    return (np.array([wx, wy, wz]), speed * d / np.linalg.norm(d), v,
            np.array([6.0e6, 1.0e6, 2.0e6]))


@settings(max_examples=60, deadline=None)
@given(geometry, st.floats(0.0, 60.0))
def test_intercept_time_matches_the_quadratic(g, launch) -> None:
    w, u, v, p = _geometry(g)
    paths = _line(p + w, u, 400.0)
    unit = _unit(p, v, 1e9)
    latest = latest_launch(paths.tau_s, paths.r_m[0], paths.alt_m[0], unit)
    want = _intercept_closed_form(w, u, v, launch)
    assume(want < 399.0)
    got = intercept_time(paths.tau_s, latest, launch)
    assert got is not None and got == pytest.approx(want, abs=1e-3)


@settings(max_examples=40, deadline=None)
@given(geometry)
def test_window_and_shots_match_closed_forms(g) -> None:
    """Range limit R: the last launch is at the exit of the range sphere (the larger root
    of |w + uτ| = R, the latest launch τ − d/v increasing for |u| < v) minus R/v; the first
    launch is the reaction time after the estimate at t = 0; shots follow the quadratic."""
    w, u, v, p = _geometry(g)
    R = 1.5 * float(np.linalg.norm(w))
    a, b, c = u @ u, 2 * (w @ u), w @ w - R * R
    exit_s = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    assume(exit_s < 590.0)
    unit = _unit(p, v, R)
    e = engagement([(_line(p + w, u, 600.0), 0)], unit)
    last = exit_s - R / v
    assume(last > 5.0 + 1.0)
    assert e is not None
    assert e.first_solution_s == 0.0 and e.first_launch_s == pytest.approx(5.0)
    assert e.last_launch_s == pytest.approx(last, abs=2 * STEP)
    assert e.window_s == pytest.approx(last - 5.0, abs=2 * STEP)
    launch, shots = 5.0, []
    while launch <= last:
        hit = _intercept_closed_form(w, u, v, launch)
        shots.append((launch, hit))
        launch = hit + 3.0
    assume(abs(launch - last) > 0.1)
    assert e.shots == len(shots)
    for (lw, hw), lg, hg in zip(shots, e.shot_times_s, e.intercepts_s, strict=True):
        assert lg == pytest.approx(lw, abs=1e-3) and hg == pytest.approx(hw, abs=1e-3)


def test_track_quality_gates_the_firing_solution() -> None:
    """A point counts only with the 95 % radius below the basket: an estimate whose
    covariance (100 km σ) exceeds a 10 km basket everywhere gives no solution."""
    r0 = geodetic2ecef(39.0, 131.0, 200e3).reshape(3)
    x = np.concatenate([r0, [0.0, 0.0, 0.0]])
    loose = predict_paths(np.zeros(1), x[None], (1e5**2 * np.eye(6))[None])
    tight = predict_paths(np.zeros(1), x[None], (1.0 * np.eye(6))[None])
    data = load_interceptors()
    ship = next(u for u in data.fire_units if u.id == "jpn-ddg-sea-of-japan")
    assert engagement([(loose, 0)], ship) is None
    assert engagement([(tight, 0)], ship) is not None


def test_free_fall_covariance_growth() -> None:
    """The 95 % radius of a velocity-only uncertainty grows as sqrt(χ²₃(0.95)) σ_v τ."""
    r0 = geodetic2ecef(39.0, 131.0, 200e3).reshape(3)
    P = np.zeros((6, 6))
    P[3:, 3:] = 4.0 * np.eye(3)   # σ_v = 2 m/s
    paths = predict_paths(np.zeros(1), np.concatenate([r0, [0, 0, 100.0]])[None], P[None])
    assert paths.u95_m[0, 50] == pytest.approx(math.sqrt(7.814727903251178) * 2.0 *
                                               paths.tau_s[50], rel=1e-9)


def _windows(tid: str, unit: str, first: float, last: float, flyout: float
             ) -> ThreatWindows:
    times = np.array([0.0, 1000.0])
    latest = times - flyout     # intercept at launch + flyout
    return ThreatWindows(tid, {unit: Engagement(unit, first, first, last, last - first, 1,
                                                (first,), (first + flyout,), times, latest)})


def test_salvo_schedule_counts_reaction_and_magazine() -> None:
    """One fire unit, reaction 5 s, assessment 3 s: three threats with 10 s windows from
    t = 100 s and a 20 s flyout: first shots at 100, 105, 110 (all once); a second shot
    needs the first's intercept + 3 s = 123 s > 110 s: none twice. A magazine of 2 engages
    two of them only."""
    unit = _unit(np.zeros(3), 3000.0, 1e6, reaction=5.0, assessment=3.0, magazine=10)
    threats = [_windows(t, "u", 100.0, 110.0, 20.0) for t in ("a", "b", "c")]
    res = schedule_salvo(threats, {"u": unit})
    assert (res.once, res.twice) == (3, 0)
    assert sorted(s[0][1] for s in res.shots.values()) == [100.0, 105.0, 110.0]
    small = _unit(np.zeros(3), 3000.0, 1e6, reaction=5.0, assessment=3.0, magazine=2)
    assert schedule_salvo(threats, {"u": small}).once == 2
    wide = [_windows(t, "u", 100.0, 200.0, 20.0) for t in ("a", "b")]
    res = schedule_salvo(wide, {"u": unit})
    assert (res.once, res.twice) == (2, 2)
    assert res.shots["a"] == [("u", 100.0), ("u", 123.0)]


@pytest.mark.slow
def test_lofted_icbm_apogee_is_above_every_sm3_envelope() -> None:
    """Public record: the Hwasong-15 of 2017-11-28 (Japan MoD: apogee ~4,475 km; the
    packaged scenario 2017-11-29 flies it) at apogee is above the public ceiling of every
    SM-3 (CSIS: 500 km Block IB, about 1,000 km Block IIA) whatever the ship's position:
    no fire unit can have a latest launch time for that point. This is decided by the
    public ceilings alone; whether the descending missile is engageable below them
    depends on the ship's position and the ASSUMED average speed, so it is not asserted."""
    sc = load_scenario("2017-11-29")
    (flight,) = fly_launches(sc)
    tr = flight.trajectory
    assert tr.apogee_m == pytest.approx(4475e3, rel=0.02)
    r = tr.position_at(np.array([tr.apogee_s]))
    data = load_interceptors()
    assert {n for n in data.interceptors if n.startswith("sm3")} == \
        {"sm3-ia", "sm3-ib", "sm3-iia"}
    ship = next(u for u in data.fire_units if u.interceptor.name.startswith("sm3"))
    sm3 = [FireUnit(ship.id, ship.owner, i, ship.magazine, ship.lat_deg, ship.lon_deg,
                    0.0, ship.r_ecef_m, None)
           for n, i in data.interceptors.items() if n.startswith("sm3")]
    for u in sm3:
        for lat in np.arange(34.0, 43.0, 1.0):       # every ship position in the Sea of Japan
            for lon in np.arange(130.0, 140.0, 1.0):
                moved = FireUnit(u.id, u.owner, u.interceptor, u.magazine, lat, lon, 0.0,
                                 geodetic2ecef(lat, lon, 0.0).reshape(3), None)
                got = latest_launch(np.array([tr.apogee_s]), r.reshape(1, 3),
                                    np.array([tr.apogee_m]), moved)
                assert got[0] == -np.inf


def test_every_figure_has_a_source() -> None:
    """Every interceptor figure names a public source or an ASSUMPTION."""
    import tomllib

    doc = tomllib.loads(packaged_interceptors_path().read_text(encoding="utf-8"))
    for name, e in doc["interceptors"].items():
        for key in ("speed_source", "range_source", "min_alt_source", "reaction_source",
                    "assessment_source", "basket_source", "magazine_source"):
            assert e.get(key, "").strip(), f"{name}: {key} missing"
    for u in doc["fire_units"]:
        assert u["position_source"].strip() and u["in_service_source"].strip(), u["id"]


def test_fire_units_in_service_and_ship_positions() -> None:
    data = load_interceptors()
    day = dt.date(2017, 3, 6)
    assert {u.id for u in data.units_of("USA", day)} == {"usa-ddg-okushiri-west",
                                                        "usa-pac3-osan"}
    assert "usa-thaad-seongju" in {u.id for u in data.units_of("USA", dt.date(2017, 5, 1))}
    ship = next(u for u in load_interceptors(scenario="stress-20").fire_units
                if u.id == "jpn-ddg-sea-of-japan")
    assert (ship.lat_deg, ship.lon_deg) == (38.5, 133.0)
    default = next(u for u in data.fire_units if u.id == "jpn-ddg-sea-of-japan")
    assert (default.lat_deg, default.lon_deg) == (39.5, 135.0)


@pytest.mark.parametrize(("edit", "field"), [
    (("avg_speed_km_s = 3.0", "avg_speed_km_s = -1.0"), "avg_speed_km_s"),
    (('interceptor = "thaad"', 'interceptor = "nope"'), "interceptor"),
    (("min_alt_km = 40.0", "min_alt_km = 400.0"), "min_alt_km"),
])
def test_bad_data_names_the_field(tmp_path: Path, edit, field) -> None:
    text = packaged_interceptors_path().read_text(encoding="utf-8")
    assert edit[0] in text
    bad = tmp_path / "i.toml"
    bad.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_interceptors(bad)
    assert field in str(exc.value)
