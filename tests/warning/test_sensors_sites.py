"""The sensor catalogue's service dates (``in_service`` in ``gsomia/data/sensors.toml``)."""

from __future__ import annotations

import datetime as dt

import pytest

from gsomia.datafile import Table
from gsomia.errors import InputError
from gsomia.warning.sites import in_service_on, load_sensor_catalogue, sensor_from_table


def test_every_site_has_a_service_date_with_its_source():
    for sid, site in load_sensor_catalogue().items():
        assert isinstance(site["in_service"], dt.date), sid
        assert site["in_service_source"].startswith(("sensor-sites.csv", "press", "assumed")), sid


@pytest.mark.parametrize(("day", "seongju", "busan"), [
    (dt.date(2017, 3, 5), False, False),    # 2017-03-06 ER-Scuds: before THAAD and Block C
    (dt.date(2017, 4, 26), True, False),    # THAAD radar at Seongju from 26 Apr 2017
    (dt.date(2022, 10, 3), True, True),     # Green Pine C from Oct 2022
])
def test_in_service_on(day, seongju, busan):
    catalogue = load_sensor_catalogue()
    assert in_service_on(catalogue["usa-tpy2-seongju"], day) is seongju
    assert in_service_on(catalogue["kor-greenpine-c-busan"], day) is busan
    assert in_service_on(catalogue["kor-greenpine-b-1"], day)
    assert in_service_on({"id": "x"}, dt.date(1900, 1, 1))  # no date: always


def test_in_service_must_be_a_date():
    site = dict(load_sensor_catalogue()["kor-greenpine-b-1"], in_service="2012")
    with pytest.raises(InputError) as err:
        sensor_from_table(Table(site, "s.toml", "sites[0]"))
    assert str(err.value).startswith("s.toml: sites[0].in_service='2012': expected a date")


def test_revisit_has_a_floor_so_a_scan_cannot_explode():
    site = dict(load_sensor_catalogue()["kor-greenpine-b-1"], revisit_s=1e-9)
    with pytest.raises(InputError) as err:
        sensor_from_table(Table(site, "s.toml", "sites[0]"))
    assert str(err.value) == "s.toml: sites[0].revisit_s=1e-09: must be between 0.1 and 3600"
