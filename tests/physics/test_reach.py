"""The reach of the propulsion classes: a flight beyond its class's largest burnout speed is
refused naming the field, the needed speed, the limit and a class that can fly it; no
launch of the public record, of flight-times.csv or of a packaged scenario is refused."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.earth import WGS84
from gsomia.physics.fit_checks import check_reach, needed_burnout_speed_m_s
from gsomia.physics.fit_start import kepler_burnout_state
from gsomia.physics.propulsion import (
    PROPULSION_CLASSES,
    REACH_MARGIN,
    min_energy_speed_m_s,
    propulsion_class_for,
)
from gsomia.physics.validation import load_flight_times
from gsomia.records import load_records
from gsomia.sim.scenario import load_scenario
from gsomia.sim.scenario.load import packaged_scenario_names
from gsomia.sim.scenario.records import check_records, load_record_failures, record_propulsion

GM, R_E = WGS84.gm_m3_s2, WGS84.mean_radius_m


def test_limits_are_the_nasic_ranges_at_minimum_energy_plus_the_margin():
    # Q = v²R/GM = 2 sin(Ψ/2)/(1 + sin(Ψ/2)) (Bate, Mueller & White §6.2), by hand for 1,000 km
    s = math.sin(1_000e3 / R_E / 2.0)
    v_srbm = math.sqrt(GM / R_E * 2.0 * s / (1.0 + s))
    assert v_srbm == pytest.approx(3016.1, abs=0.1)
    assert PROPULSION_CLASSES["solid-srbm"].max_burnout_speed_m_s() == pytest.approx(
        1.1 * v_srbm)
    assert REACH_MARGIN == 0.10
    assert PROPULSION_CLASSES["liquid-irbm"].max_burnout_speed_m_s() == pytest.approx(
        1.1 * min_energy_speed_m_s(5_500e3))
    escape = math.sqrt(2.0 * GM / R_E)
    for name in ("liquid-icbm", "solid-icbm"):
        assert PROPULSION_CLASSES[name].max_burnout_speed_m_s() == pytest.approx(escape)


@given(st.floats(10e3, 15_000e3), st.floats(1e3, 10_000e3))
def test_no_flight_needs_less_than_the_minimum_energy_speed_of_its_range(range_m, apogee_m):
    assert needed_burnout_speed_m_s(range_m, apogee_m) >= \
        min_energy_speed_m_s(range_m) * (1.0 - 1e-9)


@given(st.floats(10e3, 15_000e3), st.floats(1.0, 20.0))
def test_a_lofted_flight_needs_the_speed_of_its_kepler_ellipse(range_m, loft):
    half = range_m / R_E / 2.0
    apogee_me = R_E * ((1.0 + math.sin(half) + math.cos(half)) / 2.0 - 1.0)
    v = needed_burnout_speed_m_s(range_m, apogee_me * loft)
    assert v == pytest.approx(kepler_burnout_state(range_m, apogee_me * loft)[0])
    assert needed_burnout_speed_m_s(range_m, apogee_me) == pytest.approx(
        min_energy_speed_m_s(range_m), rel=1e-9)


def test_a_solid_srbm_to_9000_km_is_refused_before_any_flight():
    with pytest.raises(InputError) as err:
        fit_trajectory(39.66, 124.71, 80.0, 9_000e3, 1_200e3, propulsion="solid-srbm")
    assert err.value.field == "range_m" and err.value.value == 9_000e3
    msg = str(err.value)
    assert "propulsion class solid-srbm" in msg
    assert "needs a burnout speed of 7.02 km/s" in msg
    assert "limit of 3.32 km/s" in msg and "1,000 km reach + 10 %" in msg
    assert "use propulsion solid-icbm" in msg


@pytest.mark.parametrize(("cls", "range_km", "apogee_km", "advice"), [
    ("liquid-srbm", 3_000.0, 600.0, "liquid-irbm"),
    ("solid-srbm", 400.0, 1_500.0, "solid-mrbm"),      # lofted: the energy of its apogee
    ("liquid-irbm", 8_000.0, 1_200.0, "liquid-icbm"),
    ("solid-mrbm", 9_000.0, 1_500.0, "solid-icbm"),
])
def test_each_bounded_class_refuses_beyond_its_reach(cls, range_km, apogee_km, advice):
    with pytest.raises(InputError, match=f"class {cls}.*use propulsion {advice}"):
        check_reach(PROPULSION_CLASSES[cls], range_km * 1e3, apogee_km * 1e3,
                    field="launches[0].range_km", value=range_km)


def _ratio(cls: str, range_m: float, apogee_m: float) -> float:
    return check_reach(PROPULSION_CLASSES[cls], range_m, apogee_m)


def test_no_launch_of_the_public_record_is_beyond_its_class(shared_data):
    failures = load_record_failures()
    worst: dict[str, float] = {}
    checked = 0
    for rec in load_records(shared_data / "cns"):
        skip = check_records([rec])[0]
        assert skip is None or "reach" not in skip.reason, skip   # never dropped for reach
        if skip is not None:   # no figures to fly: left out of every scenario anyway
            continue
        cls = record_propulsion(rec, failures)
        ratio = _ratio(cls, 1e3 * float(rec.range_km), 1e3 * float(rec.apogee_km))
        worst[cls] = max(worst.get(cls, 0.0), ratio)
        checked += 1
    assert checked >= 200
    assert set(worst) == set(PROPULSION_CLASSES)
    assert max(worst.values()) < 1.0


def test_no_flight_time_record_or_packaged_launch_is_beyond_its_class(shared_data):
    for f in load_flight_times(shared_data / "flight-times.csv"):
        cls = propulsion_class_for(f.missile, f.range_km * 1e3)
        assert _ratio(cls, f.range_km * 1e3, f.apogee_km * 1e3) < 1.0
    for name in packaged_scenario_names():   # loading checks the reach of every launch
        assert load_scenario(name).launches


def test_a_record_beyond_its_class_is_skipped_with_the_reason(shared_data):
    rec = next(r for r in load_records(shared_data / "cns")
               if r.missile_name == "Hwasong-11E" and check_records([r])[0] is None)
    far = dataclasses.replace(rec, range_km=3_000.0, apogee_km=600.0)
    skip = check_records([far])[0]
    assert skip is not None and skip.kind == "outside_flight_model"
    assert "beyond the reach of propulsion class solid-srbm" in str(skip)
    assert "use propulsion solid-mrbm" in str(skip)
