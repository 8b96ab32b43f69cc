"""MissileWarning.validate / from_dict: covariances must be covariances (symmetric, PSD)
and times plausible (|t| <= ten years, impact not before t_s, launch not after t_s);
RadarPlots covariances likewise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.node.plots import RadarPlots
from gsomia.node.warning import MissileWarning
from gsomia.schemas.payloads import MAX_ABS_TIME_S

EPOCH = "2017-08-28T20:58:00+00:00"


def payload(**over) -> dict:
    base = {
        "track_id": "K15", "epoch": EPOCH, "t_s": 100.0,
        "launch_point": {"lat_deg": 39.0, "lon_deg": 125.7, "launch_s": 0.0,
                         "launch_sigma_s": 2.0, "cov_en_m2": [[4e6, 1e6], [1e6, 4e6]]},
        "trajectory": {"t_s": 100.0, "x_ecef": [1e6, 2e6, 3e6, 1.0, 2.0, 3.0],
                       "P": np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0]).tolist()},
        "impact_point": {"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0,
                         "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                         "valid": True},
    }
    base.update(over)
    return base


def refused(data: dict) -> InputError:
    with pytest.raises(InputError) as info:
        MissileWarning.from_dict(data)
    return info.value


def test_a_good_warning_passes_and_round_trips():
    w = MissileWarning.from_dict(payload())
    assert w.to_dict()["launch_point"]["cov_en_m2"] == [[4e6, 1e6], [1e6, 4e6]]
    assert MissileWarning.from_dict(w.to_dict()) == w


def test_the_testers_warning_is_refused():
    bad = {"track_id": "K15", "epoch": "2017-08-28T20:58:00Z", "t_s": -5e9,
           "impact_point": {"lat_deg": 40, "lon_deg": 150, "impact_s": -913,
                            "impact_sigma_s": 1, "cov_en_m2": [[1, 5], [0, 1]],
                            "valid": True}}
    assert refused(bad).field == "warning.t_s"
    bad["t_s"] = -1000.0
    err = refused(bad)
    assert err.field == "warning.impact_point.cov_en_m2"
    assert "symmetric" in str(err)


@pytest.mark.parametrize("element,key", [("impact_point", "cov_en_m2"),
                                         ("launch_point", "cov_en_m2")])
def test_a_2x2_that_is_symmetric_but_indefinite_is_refused(element, key):
    data = payload()
    data[element] = {**data[element], key: [[1.0, 5.0], [5.0, 1.0]]}  # eigenvalues 6, -4
    err = refused(data)
    assert err.field == f"warning.{element}.{key}"
    assert "positive semi-definite" in str(err)


def test_a_6x6_trajectory_covariance_asymmetric_or_indefinite_is_refused():
    p = np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0])
    p[0, 3] = 200.0  # asymmetric
    data = payload(trajectory={**payload()["trajectory"], "P": p.tolist()})
    err = refused(data)
    assert (err.field, "symmetric" in str(err)) == ("warning.trajectory.P", True)
    p[3, 0] = 200.0  # symmetric now, but 200^2 > 1e4 * 1: indefinite
    data = payload(trajectory={**payload()["trajectory"], "P": p.tolist()})
    err = refused(data)
    assert (err.field, "positive semi-definite" in str(err)) == ("warning.trajectory.P", True)


def test_a_singular_psd_covariance_passes():
    # rank one: eigenvalues 0 and 2e6 (rounding may make the zero slightly negative)
    data = payload()
    data["impact_point"] = {**data["impact_point"], "cov_en_m2": [[1e6, 1e6], [1e6, 1e6]]}
    assert MissileWarning.from_dict(data).impact_point["cov_en_m2"] == [[1e6, 1e6],
                                                                        [1e6, 1e6]]


@pytest.mark.parametrize("field,data", [
    ("warning.t_s", payload(t_s=MAX_ABS_TIME_S * 1.01)),
    ("warning.t_s", payload(t_s=-MAX_ABS_TIME_S * 1.01)),
    ("warning.trajectory.t_s", payload(trajectory={**payload()["trajectory"], "t_s": 1e12})),
    ("warning.impact_point.impact_s",
     payload(impact_point={**payload()["impact_point"], "impact_s": 4e9})),
    ("warning.launch_point.launch_s",
     payload(launch_point={**payload()["launch_point"], "launch_s": -4e9})),
])
def test_times_beyond_ten_years_are_refused(field, data):
    err = refused(data)
    assert err.field == field


def test_ten_years_is_the_documented_bound():
    assert MAX_ABS_TIME_S == 10 * 365.25 * 86400
    data = payload(t_s=-MAX_ABS_TIME_S, launch_point=None, trajectory=None)
    assert MissileWarning.from_dict(data).t_s == -MAX_ABS_TIME_S


def test_an_impact_before_the_estimate_is_refused_and_at_it_passes():
    data = payload(impact_point={**payload()["impact_point"], "impact_s": 99.5})
    err = refused(data)
    assert (err.field, err.value) == ("warning.impact_point.impact_s", 99.5)
    data = payload(impact_point={**payload()["impact_point"], "impact_s": 100.0})
    assert MissileWarning.from_dict(data).impact_point["impact_s"] == 100.0


def test_a_launch_after_the_estimate_is_refused_and_at_it_passes():
    data = payload(launch_point={**payload()["launch_point"], "launch_s": 100.5})
    err = refused(data)
    assert (err.field, err.value) == ("warning.launch_point.launch_s", 100.5)
    data = payload(launch_point={**payload()["launch_point"], "launch_s": 100.0})
    assert MissileWarning.from_dict(data).launch_point["launch_s"] == 100.0


def test_validate_checks_a_constructed_warning_too():
    w = MissileWarning("T1", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), 10.0, impact_point={
        "lat_deg": 40.0, "lon_deg": 136.0, "impact_s": 600.0, "impact_sigma_s": 5.0,
        "cov_en_m2": [[1.0, 0.5], [0.4, 1.0]], "valid": True})
    with pytest.raises(InputError) as info:
        w.validate()
    assert info.value.field == "warning.impact_point.cov_en_m2"


_elem = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([2, 6]).flatmap(
    lambda n: st.lists(st.lists(_elem, min_size=n, max_size=n), min_size=n, max_size=n)))
def test_any_symmetric_psd_matrix_passes(rows):
    a = np.array(rows)
    m = a @ a.T  # symmetric positive semi-definite by construction
    m = (m + m.T) / 2.0
    n = len(rows)
    if n == 2:
        data = payload(impact_point={**payload()["impact_point"], "cov_en_m2": m.tolist()})
        got = MissileWarning.from_dict(data).impact_point["cov_en_m2"]
    else:
        data = payload(trajectory={**payload()["trajectory"], "P": m.tolist()})
        got = MissileWarning.from_dict(data).trajectory["P"]
    assert got == m.tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_elem, min_size=2, max_size=2), min_size=2, max_size=2),
       st.floats(1e-3, 1e3), st.sampled_from([-1.0, 1.0]))
def test_any_asymmetric_matrix_fails(rows, delta, sign):
    a = np.array(rows)
    m = a @ a.T + np.eye(2)
    # break symmetry by more than the relative tolerance
    m[0, 1] += sign * max(delta, 1e-6 * float(np.max(np.abs(m))))
    data = payload(impact_point={**payload()["impact_point"], "cov_en_m2": m.tolist()})
    err = refused(data)
    assert err.field == "warning.impact_point.cov_en_m2"
    assert "symmetric" in str(err)


def _plots(cov) -> dict:
    return {"kind": "radar_plots", "scan_id": "s1", "epoch": EPOCH, "t_s": 5.0,
            "sensor_id": "R1", "site": {"lat_deg": 35.0, "lon_deg": 135.0, "alt_m": 0.0},
            "plots": [{"range_m": 1e5, "az_rad": 0.1, "el_rad": 0.2,
                       "covariance": cov}]}


def test_radar_plot_covariances_must_be_symmetric_and_positive_definite():
    good = np.diag([100.0, 1e-6, 1e-6]).tolist()
    assert RadarPlots.from_dict(_plots(good)).plots[0].covariance[0][0] == 100.0
    asym = np.diag([100.0, 1e-6, 1e-6])
    asym[0, 1] = 1e-4
    with pytest.raises(InputError) as info:
        RadarPlots.from_dict(_plots(asym.tolist()))
    assert info.value.field.endswith("plots[0].covariance")
    assert "symmetric" in str(info.value)
    indef = [[1.0, 5.0, 0.0], [5.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    with pytest.raises(InputError) as info:
        RadarPlots.from_dict(_plots(indef))
    assert "positive definite" in str(info.value)


def test_radar_plots_time_beyond_ten_years_is_refused():
    data = _plots(np.diag([100.0, 1e-6, 1e-6]).tolist())
    data["t_s"] = 2 * MAX_ABS_TIME_S
    with pytest.raises(InputError) as info:
        RadarPlots.from_dict(data)
    assert info.value.field == "plots.t_s"
