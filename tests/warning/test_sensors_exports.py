"""The public surface of gsomia.warning.sensors: every module's __all__ sorted and defined,
and the package re-exporting the names its callers import (the surface of the former
single module sensors.py)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import gsomia.warning.sensors as sensors

MODULES = sorted(m.name for m in pkgutil.iter_modules(sensors.__path__))
FORMER_NAMES = {"STANDARD_REFRACTION_K", "Flight", "InfraredLaunchSensor", "LaunchReport",
                "Radar", "line_of_sight_clear", "MAX_BEAMWIDTH_RAD", "MAX_RANGE_RESOLUTION_M",
                "MAX_FALSE_ALARMS_PER_SCAN", "MAX_SIGMA_RANGE_M", "MAX_SCAN_OFFSET_S",
                "wrap_angle_rad"}


def _ruff_sorted(names: list[str]) -> list[str]:
    """The order ruff's RUF022 keeps: SCREAMING_CASE, then CamelCase, then the rest."""
    def kind(name: str) -> int:
        if name.isupper():
            return 0
        return 1 if name[:1].isupper() else 2
    return sorted(names, key=lambda n: (kind(n), n))


@pytest.mark.parametrize("name", ["", *MODULES])
def test_all_is_sorted_and_every_name_exists(name):
    module = importlib.import_module(f"gsomia.warning.sensors{'.' + name if name else ''}")
    assert module.__all__ == _ruff_sorted(module.__all__)
    for public in module.__all__:
        assert hasattr(module, public), public


def test_package_exports_every_former_name_from_its_module():
    assert set(sensors.__all__) == FORMER_NAMES
    for public in sensors.__all__:
        obj = getattr(sensors, public)
        defined_in = [m for m in MODULES
                      if public in importlib.import_module(f"gsomia.warning.sensors.{m}").__all__]
        assert len(defined_in) == 1, (public, defined_in)
        home = importlib.import_module(f"gsomia.warning.sensors.{defined_in[0]}")
        assert getattr(home, public) is obj
