"""A submarine that fires a launch must be at that launch's point at its time: a track ending
on land 237 km away, or a launch placed at another facility, is refused with the field and
the position, not scored as if the boat had fired it."""

from __future__ import annotations

from importlib import resources

import pytest

from gsomia.errors import InputError
from gsomia.sim.scenario import load_scenario

SINPO_END = "{ t_s = 7200.0, lat_deg = 40.0368, lon_deg = 128.1839 },\n]"


def _packaged(name: str) -> str:
    return (resources.files("gsomia.data.scenarios") / f"{name}.toml").read_text("utf-8")


@pytest.mark.parametrize("name", ["2016-08-24", "2021-10-19"])
def test_the_packaged_slbm_scenarios_fire_from_the_boat(name):
    sc = load_scenario(name)
    (sub,) = sc.submarines
    assert sub.position(sc.launches[0].t_s) == (sc.launches[0].lat_deg, sc.launches[0].lon_deg)


@pytest.mark.parametrize(("old", "new", "km"), [
    (SINPO_END, "{ t_s = 7200.0, lat_deg = 39.03, lon_deg = 125.75 },\n]", "237.2"),  # Pyongyang
    ('site = "sinpo"', 'site = "wonsan"', "113.8"),
])
def test_a_boat_away_from_its_launch_is_refused(tmp_path, old, new, km):
    text = _packaged("2021-10-19")
    assert text.count(old) == 1
    path = tmp_path / "away.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "away.toml: submarines[0].track=" in message
    assert f"the submarine fires 'L1' (launches[0]) but is {km} km from its launch point" \
        in message
    assert "at most 5 km" in message


def test_a_boat_4_km_off_its_facility_is_accepted(tmp_path):
    # 0.036 deg of latitude = 4.0 km south of Sinpo
    text = _packaged("2021-10-19").replace(
        SINPO_END, "{ t_s = 7200.0, lat_deg = 40.0008, lon_deg = 128.1839 },\n]")
    path = tmp_path / "near.toml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).submarines[0].position(7200.0) == (40.0008, 128.1839)
