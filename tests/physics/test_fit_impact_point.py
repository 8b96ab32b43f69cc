"""A reported impact point in the trajectory fit, with range and apogee."""

from __future__ import annotations

import pytest

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse

# 2019-10-02 Pukguksong-3 (Japan MoD): from Yonghung Bay (39.26 N, 127.58 E), about 450 km,
# apogee about 900-910 km, fell about 350 km north of Dogo (36.30 N, 133.25 E).
SITE = (39.26, 127.58)
POINT = tuple(float(v) for v in geodesic_direct(36.30, 133.25, 350e3, 0.0))


def miss_km(traj, point) -> float:
    return float(geodesic_inverse(traj.impact_lat_deg, traj.impact_lon_deg, *point)[0]) / 1e3


@pytest.mark.slow
def test_fit_moves_the_impact_to_the_reported_point_within_its_uncertainty():
    plain = fit_trajectory(*SITE, 86.0, 450e3, 910e3, missile="Pukguksong-3")
    honoured = fit_trajectory(*SITE, 86.0, 450e3, 910e3, missile="Pukguksong-3",
                              impact_point_deg=POINT, impact_sigma_m=10e3)
    # the point lies ~487 km from the site: range (2 %) and point (10 km) pull against
    # each other; the weighted fit lands nearer the point than the bearing-only fit
    assert miss_km(honoured, POINT) < miss_km(plain, POINT)
    assert miss_km(honoured, POINT) <= 30.0
    assert abs(honoured.apogee_m - 910e3) <= 0.06 * 910e3
    assert abs(honoured.range_m - 450e3) <= 0.06 * 450e3


@pytest.mark.slow
def test_a_point_the_range_cannot_reach_is_refused():
    far = tuple(float(v) for v in geodesic_direct(*SITE, 900e3, 90.0))
    with pytest.raises(PhysicsError, match="reported point"):
        fit_trajectory(*SITE, 86.0, 450e3, 910e3, missile="Pukguksong-3",
                       impact_point_deg=far, impact_sigma_m=5e3)


@pytest.mark.parametrize(("kw", "field"), [
    ({"impact_point_deg": (95.0, 130.0)}, "impact_point_deg.lat"),
    ({"impact_point_deg": "here"}, "impact_point_deg"),
    ({"impact_point_deg": (39.4, 133.2), "impact_sigma_m": 0.0}, "impact_sigma_m"),
])
def test_bad_point_names_the_field(kw, field):
    with pytest.raises(InputError) as exc:
        fit_trajectory(*SITE, 86.0, 450e3, 910e3, **kw)
    assert exc.value.field == field
