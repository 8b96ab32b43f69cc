"""``gsomia run --plots``: the map shows which PIP ellipse belongs to which launch, the EEZ
and territorial-sea limits, ships apart from ground radars, and the satellite sensor.

Run: the packaged 2017-03-06 scenario (four ER-Scuds; ground radars, three Aegis destroyers
on station, the US SBIRS), planned delivery, routes none and direct.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.plots import ZONE_GRID, map_figure, write_plots
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.sim.scoring import load_zones
from gsomia.warning.sensors import Radar

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

SHIPS = {"jpn-ddg-sea-of-japan", "usa-ddg-okushiri-west", "kor-ddg-east-sea"}


@pytest.fixture(scope="module")
def zones():
    return load_zones()


@pytest.fixture(scope="module")
def result():
    cfg = RunConfig(routes=("none", "direct"), pip_interval_s=10.0)
    return run_scenario(load_scenario("2017-03-06"), cfg, delivery=planned)


@pytest.fixture(scope="module")
def figure(result, zones):
    fig = map_figure(result, zones)
    yield fig
    plt.close(fig)


def _by_gid(ax, prefix: str) -> dict[str, object]:
    return {a.get_gid(): a for a in ax.get_children()
            if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)}


def test_radar_platform_is_ground_or_ship() -> None:
    base = {"id": "r", "owner": "KOR", "lat_deg": 37.0, "lon_deg": 130.0, "alt_m": 0.0,
            "max_range_m": 5e5}
    assert Radar(**base).platform == "ground"
    assert Radar(**base, platform="ship").platform == "ship"
    with pytest.raises(InputError) as err:
        Radar(**base, platform="boat")
    assert err.value.field == "platform" and err.value.value == "boat"


def test_the_catalogue_destroyers_are_ships() -> None:
    sensors = load_scenario("2017-03-06").sensors
    ships = {s.id for s in sensors if getattr(s, "platform", None) == "ship"}
    assert ships == SHIPS
    assert {s.platform for s in sensors if isinstance(s, Radar) and s.id not in SHIPS} == \
        {"ground"}


@pytest.mark.slow
def test_plot_files_are_written(result, zones, tmp_path) -> None:
    paths = write_plots(result, tmp_path / "plots", zones)
    assert [p.name for p in paths] == ["map.png", "pip_error_L1.png", "pip_error_L2.png",
                                       "pip_error_L3.png", "pip_error_L4.png"]
    for p in paths:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.mark.slow
def test_ships_ground_radars_and_the_satellite_have_their_own_symbols(result, figure) -> None:
    overview = figure.axes[0]
    drawn = _by_gid(overview, "sensor:")
    assert set(drawn) == {f"sensor:{s.id}" for s in result.scenario.sensors}
    markers = {}
    for s in result.scenario.sensors:
        line = drawn[f"sensor:{s.id}"]
        markers[s.id] = line.get_marker()
        if isinstance(s, Radar):              # at its site
            assert (line.get_xdata()[0], line.get_ydata()[0]) == (s.lon_deg, s.lat_deg)
    ground = {markers[s.id] for s in result.scenario.sensors
              if isinstance(s, Radar) and s.id not in SHIPS}
    ship = [markers[i] for i in SHIPS]
    assert ground == {"^"}
    assert all(m is ship[0] for m in ship) and ship[0] != "^"
    sat = drawn["sensor:usa-sbirs"]
    assert sat.get_marker() not in ("^", ship[0])
    assert sat.get_transform() is overview.transAxes          # no site: in the corner
    texts = [t.get_text() for t in overview.texts]
    assert "usa-sbirs (USA)" in texts
    # its lines of sight end at the four launch points
    sights = [t for t in overview.texts if t.get_text() == "" and t.arrow_patch is not None]
    launch_points = sorted((float(f.trajectory.launch_lon_deg),
                            float(f.trajectory.launch_lat_deg)) for f in result.flights)
    ends = sorted((float(t.xy[0]), float(t.xy[1])) for t in sights)
    assert np.asarray(ends) == pytest.approx(np.asarray(launch_points), abs=1e-4)


@pytest.mark.slow
def test_each_pip_ellipse_is_labelled_and_tied_to_its_launch(result, figure) -> None:
    zoom = figure.axes[1]
    rings = _by_gid(zoom, "pip:")
    labels = _by_gid(zoom, "pip-label:")
    leaders = _by_gid(zoom, "leader:")
    expected = {f"pip:{f.id}:{party}:{route}"
                for f in result.flights
                for party, routes in result.knowledge[f.id].items()
                for route in ("none", "direct")
                if routes[route].first_pip_within_50km_s is not None}
    assert set(rings) == expected and len(expected) >= 8
    assert {g.split(":")[1] for g in expected} == {"L1", "L2", "L3", "L4"}
    impacts = {f.id: (f.trajectory.impact_lon_deg, f.trajectory.impact_lat_deg)
               for f in result.flights}
    for gid, ring in rings.items():
        _, launch, party, route = gid.split(":")
        key = gid.removeprefix("pip:")
        assert ring.get_label() == f"{launch} {party} {route}"
        assert labels[f"pip-label:{key}"].get_text() == launch
        # the label sits on the ellipse's northernmost point
        top = float(np.max(ring.get_ydata()))
        assert labels[f"pip-label:{key}"].xy[1] == pytest.approx(top)
        lx, ly = leaders[f"leader:{key}"].get_data()
        assert (lx[-1], ly[-1]) == pytest.approx(impacts[launch], abs=1e-3)
        # from the ellipse's centre
        assert (lx[0], ly[0]) == pytest.approx((np.mean(ring.get_xdata()[:-1]),
                                                np.mean(ring.get_ydata()[:-1])), abs=1e-6)


@pytest.mark.slow
def test_eez_limits_are_drawn_where_the_zone_changes(figure, zones) -> None:
    zoom = figure.axes[1]
    limits = _by_gid(zoom, "eez:")
    assert "eez:JPN" in limits
    names = {t.get_text() for t in zoom.texts if (t.get_gid() or "").startswith("zone-name:")}
    assert "JPN EEZ" in names
    x0, x1 = zoom.get_xlim()
    y0, y1 = zoom.get_ylim()
    step = max(x1 - x0, y1 - y0) / (ZONE_GRID - 1)
    segs = [s for s in limits["eez:JPN"].allsegs[0] if len(s)]
    pts = np.concatenate(segs)
    assert len(pts) > 20
    # around every 10th vertex, within a grid step, lie both Japan's zones and another's
    for lon, lat in pts[:: max(1, len(pts) // 10)]:
        a = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
        glon, glat = lon + 1.5 * step * np.cos(a), lat + 1.5 * step * np.sin(a)
        dist, az = geodesic_inverse(lat, lon, glat, glon)
        r = np.radians(az)
        party, _ = zones.zones(lat, lon, dist * np.sin(r), dist * np.cos(r),
                               every_country=True)
        assert "JPN" in set(party) and set(party) - {"JPN"}, (lon, lat, set(party))
