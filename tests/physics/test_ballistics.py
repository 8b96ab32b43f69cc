"""Flight physics: conservation laws, closed-form orbits, and the fit to published figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.ballistics import (
    PROPULSION_CLASSES,
    Controls,
    fit_trajectory,
    fly,
    kepler_burnout_state,
    propulsion_class_for,
)
from gsomia.physics.earth import WGS84
from gsomia.physics.fit_checks import needed_burnout_speed_m_s
from gsomia.physics.geodesy import enu_basis, geodesic_inverse, geodetic2ecef
from gsomia.physics.propagate import derivatives, propagate, propagate_to_impact
from gsomia.physics.propulsion import resolve_propulsion, thrust_acceleration

SPHERE = WGS84.spherical()


def _energy(y, earth=SPHERE):
    return 0.5 * np.sum(y[:, 3:] ** 2, axis=1) - earth.gm_m3_s2 / np.linalg.norm(y[:, :3], axis=1)


def _surface_state(lat, lon, az_deg, speed, gamma, earth=SPHERE):
    """State at the surface with a speed and flight-path angle along an azimuth."""
    e, n, u = enu_basis(lat, lon)
    horiz = math.sin(math.radians(az_deg)) * e + math.cos(math.radians(az_deg)) * n
    v = speed * (math.cos(gamma) * horiz + math.sin(gamma) * u)
    return np.concatenate((geodetic2ecef(lat, lon, 0.0, earth), v))


def test_energy_and_angular_momentum_conserved_over_30_minutes():
    """Point mass, no rotation, no drag: both invariants to 1e-6 relative (issue 2)."""
    y0 = _surface_state(39.0, 125.0, 80.0, 6500.0, math.radians(60))[None, :]
    y0[0, :3] *= 1.0 + 100e3 / SPHERE.a_m  # start 100 km up so the arc stays aloft
    y = propagate(y0, 1800.0, SPHERE, step_s=1.0)
    assert abs((_energy(y) - _energy(y0)) / _energy(y0))[0] < 1e-6
    h0 = np.cross(y0[:, :3], y0[:, 3:])
    h1 = np.cross(y[:, :3], y[:, 3:])
    assert np.linalg.norm(h1 - h0) / np.linalg.norm(h0) < 1e-6


@pytest.mark.parametrize("alt_km", [300.0, pytest.param(2000.0, marks=pytest.mark.slow),
                                    pytest.param(35786.0, marks=pytest.mark.slow)],
                         ids=["LEO", "MEO", "GEO"])
def test_circular_orbit_closes_after_one_period(alt_km):
    r = SPHERE.a_m + alt_km * 1e3
    v = math.sqrt(SPHERE.gm_m3_s2 / r)
    period = SPHERE.circular_period_s(r)  # 2π√(r³/GM)
    y0 = np.array([[r, 0.0, 0.0, 0.0, v * math.cos(0.3), v * math.sin(0.3)]])
    y = propagate(y0, period, SPHERE, step_s=1.0)
    # back where it started to 1e-8 of the radius, and not there a tenth of a period earlier
    assert np.linalg.norm(y[0, :3] - y0[0, :3]) < 1e-8 * r
    y_early = propagate(y0, 0.9 * period, SPHERE, step_s=1.0)
    assert np.linalg.norm(y_early[0, :3] - y0[0, :3]) > 0.5 * r


@pytest.mark.parametrize(("range_km", "apogee_km"), [(1000, 265), (950, 4475), (4600, 1000)],
                         ids=["ER-Scud", "Hwasong-15-lofted", "Hwasong-12-over-Aomori"])
def test_vacuum_arc_matches_kepler_time_of_flight(range_km, apogee_km):
    """Surface-to-surface arc over a spherical, non-rotating Earth vs Kepler's equation."""
    speed, gamma, t_kepler = kepler_burnout_state(range_km * 1e3, apogee_km * 1e3, SPHERE)
    y0 = _surface_state(39.0, 125.0, 80.0, speed, gamma)
    hit = propagate_to_impact(y0[None, :], SPHERE, step_s=0.5)
    assert hit.hit[0]
    assert hit.t_s[0] == pytest.approx(t_kepler, abs=1e-3)
    r_end = hit.y_ecef[0, :3]
    psi = math.acos(np.dot(r_end, y0[:3]) / (np.linalg.norm(r_end) * np.linalg.norm(y0[:3])))
    assert psi * SPHERE.a_m == pytest.approx(range_km * 1e3, rel=1e-7)
    # apogee of the integrated arc, from energy and angular momentum
    r_peak = np.linalg.norm(propagate(y0[None, :], t_kepler / 2, SPHERE, step_s=0.5)[0, :3])
    assert r_peak - SPHERE.a_m == pytest.approx(apogee_km * 1e3, rel=1e-7)


def test_vectorised_propagator_agrees_with_solve_ivp_on_same_dynamics():
    rng = np.random.default_rng(7)
    base = _surface_state(39.66, 124.71, 81.0, 3000.0, math.radians(45), WGS84)
    base[:3] = geodetic2ecef(39.66, 124.71, 60e3)
    y0 = base + np.concatenate((rng.normal(0, 100, (20, 3)), rng.normal(0, 5, (20, 3))), axis=1)
    ours = propagate_to_impact(y0, WGS84, step_s=1.0)
    for i in range(5):
        ref = solve_ivp(lambda t, y: derivatives(y, WGS84), (0, 2000), y0[i], method="DOP853",
                        rtol=1e-12, atol=1e-6,
                        events=_ground_event())
        t_ref = ref.t_events[0][0]
        assert ours.t_s[i] == pytest.approx(t_ref, abs=1e-4)
        assert np.linalg.norm(ours.y_ecef[i, :3] - ref.y_events[0][0][:3]) < 0.05


def _ground_event():
    from gsomia.physics.geodesy import height_above_ellipsoid_fast

    def ev(t, y):
        return height_above_ellipsoid_fast(y[:3], WGS84)

    ev.terminal = True
    ev.direction = -1
    return ev


def test_propagate_backwards_returns_to_start():
    y0 = _surface_state(39.0, 125.0, 80.0, 4000.0, math.radians(50), WGS84)[None, :]
    y0[0, :3] = geodetic2ecef(39.0, 125.0, 100e3)
    back = propagate(propagate(y0, 300.0, WGS84), -300.0, WGS84)
    assert np.linalg.norm(back[0, :3] - y0[0, :3]) < 1e-4


def test_propagator_rejects_bad_shapes_and_underground_starts():
    with pytest.raises(InputError, match="shape"):
        propagate(np.zeros((3, 5)), 1.0)
    with pytest.raises(InputError, match="below the ellipsoid"):
        propagate_to_impact(np.array([[WGS84.a_m - 100.0, 0, 0, 0, 0, 0]]))


@pytest.mark.parametrize(("missile", "expected"), [
    ("ER-Scud", "liquid-srbm"), ("scud-c", "liquid-srbm"), ("Nodong", "liquid-srbm"),
    ("Hwasong-12", "liquid-irbm"), ("hwasong-15", "liquid-icbm"), ("Hwasong-17", "liquid-icbm"),
    ("Pukguksong-3 SLBM", "solid-mrbm"), ("hwasong-11a", "solid-srbm"),
    ("hwasong-18", "solid-icbm"), ("hwasong-16b", "solid-mrbm"),
])
def test_propulsion_class_from_missile_name(missile, expected):
    assert propulsion_class_for(missile) == expected


def test_propulsion_class_needs_name_or_range():
    assert propulsion_class_for("mystery", 800e3) == "liquid-srbm"
    assert propulsion_class_for(None, 12_000e3) == "liquid-icbm"
    with pytest.raises(InputError, match="missile"):
        propulsion_class_for("mystery")


def test_stage_shares_sum_to_one():
    for c in PROPULSION_CLASSES.values():
        assert sum(s.dv_share for s in c.stages) == pytest.approx(1.0), c.name
        assert all(0 < s.propellant_fraction < 1 for s in c.stages), c.name


def test_fit_er_scud_matches_range_apogee_and_bearing():
    """2017-03-06 ER-Scud (Japan MoD: ~1,000 km, apogee ~260-265 km)."""
    traj = fit_trajectory(39.66, 124.71, 81.0, 1000e3, 265e3, missile="ER-Scud")
    assert traj.range_m == pytest.approx(1000e3, rel=1e-3)
    assert traj.apogee_m == pytest.approx(265e3, rel=1e-3)
    _, az = geodesic_inverse(39.66, 124.71, traj.impact_lat_deg, traj.impact_lon_deg)
    assert float(az) == pytest.approx(81.0, abs=0.1)
    # burnout at the class's burn time, and the apogee in mid-flight of free flight
    assert traj.burnout_s == PROPULSION_CLASSES["liquid-srbm"].burn_s
    assert traj.burnout_s < traj.apogee_s < traj.flight_time_s
    # the Trajectory interpolates its samples: position at a sample is the sample itself
    np.testing.assert_allclose(traj.position_at(traj.t_s[100]), traj.r_ecef_m[100], atol=1e-6)


def test_trajectory_interpolation_between_samples_is_accurate():
    traj = fit_trajectory(39.66, 124.71, 81.0, 1000e3, 265e3, missile="ER-Scud")
    # integrate from the sample at t=200 s to 200.5 s and compare with the interpolant
    i = int(np.searchsorted(traj.t_s, 200.0))
    y0 = np.concatenate((traj.r_ecef_m[i], traj.v_ecef_m_s[i]))[None, :]
    y = propagate(y0, 0.5, WGS84, step_s=0.05)
    assert np.linalg.norm(traj.position_at(traj.t_s[i] + 0.5) - y[0, :3]) < 0.01
    with pytest.raises(InputError, match="t_s"):
        traj.position_at(traj.flight_time_s + 1.0)


def test_drag_slows_the_flight():
    c = Controls(dv_ideal_m_s=4200.0, final_pitch_deg=40.0, azimuth_deg=81.0)
    vac = fly(39.66, 124.71, c, "liquid-srbm")
    dragged = fly(39.66, 124.71, c, "liquid-srbm", ballistic_coefficient_kg_m2=2000.0)
    assert dragged.range_m < vac.range_m
    assert dragged.flight_time_s > vac.flight_time_s
    # drag acts only below 120 km, after burnout: the apogee barely moves, and only down
    assert vac.apogee_m - 100.0 < dragged.apogee_m < vac.apogee_m


@pytest.mark.slow
def test_fit_refuses_impossible_figures():
    with pytest.raises(PhysicsError, match="apogee"):
        fit_trajectory(39.66, 124.71, 81.0, 1000e3, 10e3)
    with pytest.raises(PhysicsError, match="burn time of 140 s"):
        fit_trajectory(39.66, 124.71, 81.0, 150e3, 15e3, propulsion="liquid-irbm")
    with pytest.raises(InputError, match="range_m"):
        fit_trajectory(39.66, 124.71, 81.0, -5.0, 100e3)
    with pytest.raises(InputError, match="lat_deg"):
        fit_trajectory(95.0, 124.71, 81.0, 500e3, 100e3)
    with pytest.raises(InputError, match="propulsion"):
        fit_trajectory(39.66, 124.71, 81.0, 500e3, 100e3, propulsion="steam")
    with pytest.raises(InputError, match="ballistic_coefficient"):
        fit_trajectory(39.66, 124.71, 81.0, 500e3, 100e3, ballistic_coefficient_kg_m2=float("nan"))
    with pytest.raises(InputError, match="lat_deg"):
        fit_trajectory(True, 124.71, 81.0, 500e3, 100e3)
    with pytest.raises(InputError, match="missile"):
        fit_trajectory(39.66, 124.71, 81.0, 500e3, 100e3, missile=5)
    # NumPy scalars are numbers too
    traj = fit_trajectory(np.float32(39.66), np.int64(125), 81.0, 500e3, 150e3)
    assert traj.range_m == pytest.approx(500e3, rel=1e-3)


@pytest.mark.parametrize("kwargs", [{"step_s": 0.0}, {"step_s": float("nan")}, {"step_s": -1.0},
                                    {"max_time_s": float("inf")},
                                    {"ballistic_coefficient_kg_m2": 0.0}])
def test_propagate_to_impact_rejects_bad_settings(kwargs):
    y0 = _surface_state(39.0, 125.0, 80.0, 3000.0, 0.7, WGS84)[None, :]
    with pytest.raises(InputError):
        propagate_to_impact(y0, WGS84, **kwargs)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(range_km=st.floats(300, 5000), loft=st.floats(0.3, 1.5), bearing=st.floats(0, 359))
def test_fit_meets_range_and_apogee_within_1_percent(range_km, loft, bearing):
    """For any plausible range and apogee (apogee = loft × range, from a depressed to a
    lofted flight), with the class chosen by range and within its reach, range and apogee
    are met."""
    apogee_km = loft * range_km
    prop = PROPULSION_CLASSES[propulsion_class_for(None, range_km * 1e3)]
    assume(needed_burnout_speed_m_s(range_km * 1e3, apogee_km * 1e3)
           <= prop.max_burnout_speed_m_s())
    traj = fit_trajectory(39.0, 126.0, bearing, range_km * 1e3, apogee_km * 1e3)
    assert traj.range_m == pytest.approx(range_km * 1e3, rel=0.01)
    assert traj.apogee_m == pytest.approx(apogee_km * 1e3, rel=0.01)


@pytest.mark.parametrize("name", sorted(PROPULSION_CLASSES))
def test_thrust_integrates_to_each_stage_ideal_dv(name):
    """Tsiolkovsky: over each stage's burn, ∫a dt = −v_e ln(1 − ζ) = its share of the Δv;
    no thrust after burnout."""
    prop, dv = PROPULSION_CLASSES[name], 5000.0
    t0 = 0.0
    for stage in prop.stages:
        got, _ = quad(lambda t: thrust_acceleration(prop, dv, t), t0, t0 + stage.burn_s,
                      epsabs=1e-9, epsrel=1e-11, limit=200)
        assert got == pytest.approx(stage.dv_share * dv, rel=1e-9)
        t0 += stage.burn_s
    assert thrust_acceleration(prop, dv, prop.burn_s) == 0.0
    assert thrust_acceleration(prop, dv, prop.burn_s + 100.0) == 0.0


def test_vertical_boost_loses_between_surface_and_burnout_gravity_times_burn_time():
    """A vertical flight (final pitch 90°) over a spherical, non-rotating, point-mass Earth
    is one-dimensional: v(T) = Δv − ∫ GM/r² dt, so the burnout speed lies between
    Δv − g(R)·T and Δv − g(r_burnout)·T (liquid SRBM: T = 85 s, Δv = 2 km/s)."""
    prop = PROPULSION_CLASSES["liquid-srbm"]
    traj = fly(39.0, 125.0, Controls(2000.0, 90.0, 0.0), prop, earth=SPHERE)
    k = int(np.searchsorted(traj.t_s, prop.burn_s))
    assert traj.t_s[k] == prop.burn_s
    r_bo = float(np.linalg.norm(traj.r_ecef_m[k]))
    v_bo = float(np.linalg.norm(traj.v_ecef_m_s[k]))
    gm, big_r = SPHERE.gm_m3_s2, SPHERE.a_m
    assert 2000.0 - gm / big_r**2 * prop.burn_s < v_bo < 2000.0 - gm / r_bo**2 * prop.burn_s
    assert 1150.0 < v_bo < 1175.0  # 2000 m/s less about 9.8 m/s² × 85 s
    # the velocity stays along the radius: no turn without a tilt or a rotating Earth
    assert np.linalg.norm(np.cross(traj.r_ecef_m[k], traj.v_ecef_m_s[k])) < 1e-6 * r_bo * v_bo


def test_resolve_propulsion_by_name_or_class_and_refuses_unknown_names():
    """A two-stage liquid ICBM burns 2 × 150 s; a class passes through; an unknown name is
    refused naming the field and listing the known classes."""
    icbm = resolve_propulsion("liquid-icbm")
    assert icbm is PROPULSION_CLASSES["liquid-icbm"]
    assert (len(icbm.stages), icbm.burn_s) == (2, 300.0)
    assert resolve_propulsion(icbm) is icbm
    with pytest.raises(InputError, match="solid-srbm") as err:
        resolve_propulsion("hybrid-srbm")
    assert (err.value.field, err.value.value) == ("propulsion", "hybrid-srbm")
