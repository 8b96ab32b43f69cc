"""Upper limits of a radar's false-alarm rate, range noise and scan offset, named with the
scenario file, key and value."""

from __future__ import annotations

import pytest

from gsomia.errors import InputError
from gsomia.sim.scenario import load_scenario
from scenario_support import write_scenario


def write_limits(tmp_path, **radar):
    """The base scenario for Korea alone, Green Pine B-1 with the ``radar`` values."""
    return write_scenario(tmp_path / "limits.toml", name="limits", parties=["KOR"],
                          sensors=[{"site": "kor-greenpine-b-1", **radar}])


@pytest.mark.parametrize(("key", "value"), [
    ("false_alarms_per_scan", "1e9"), ("false_alarms_per_scan", "10000.0"),
    ("sigma_range_m", "1e12"), ("scan_offset_s", "1e15"), ("scan_offset_s", "-1e15"),
])
def test_out_of_range_radar_value_names_file_key_and_value(tmp_path, key, value):
    path = write_limits(tmp_path, **{key: float(value)})
    with pytest.raises(InputError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "limits.toml" in text and key in text, text
    assert str(float(value)) in text or value in text, text


def test_values_within_the_limits_are_accepted(tmp_path):
    path = write_limits(tmp_path, false_alarms_per_scan=2.0, sigma_range_m=500.0,
                        scan_offset_s=3.0)
    (radar,) = load_scenario(path).sensors
    assert radar.false_alarms_per_scan == 2.0
