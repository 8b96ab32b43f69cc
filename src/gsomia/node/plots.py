"""Radar plots as a shared payload: measurement-level sharing (the option of issue 7).

Track-level sharing (:mod:`gsomia.node.warning`) sends the three warning elements. The
measurement-level option sends, for each scan of one of the originator's radars with at
least one plot, one item carrying every plot of that scan (false alarms included, as a
real feed would carry them; the true object of a plot is never sent). Plots are in the
radar's own coordinates, so the payload reveals where the radar is: its label carries the
elements :data:`PLOT_ELEMENTS` (``trajectory`` and ``sensor_location``), and the release
decision (:func:`gsomia.sharing.decide`) judges each path by them. The 2023 arrangement
excludes ``sensor_location`` (agreements.md §4: never the type or location of own
sensors), so the automated hub never carries plots; a bilateral such as the Japan–Korea
GSOMIA has no such exclusion.

Payload (JSON-ready; SI units; times in seconds since the scenario epoch, which travels as
ISO 8601 text; site on WGS 84)::

    {"kind": "radar_plots", "scan_id": str, "epoch": ISO 8601, "t_s": float,
     "sensor_id": str,
     "site": {"lat_deg": float, "lon_deg": float, "alt_m": float},
     "plots": [{"range_m": float, "az_rad": float, "el_rad": float,
                "covariance": 3x3 (range_m, az_rad, el_rad)}, ...]}

Azimuth clockwise from north, elevation above the local horizontal, as in
:class:`gsomia.warning.types.Detection`. Checks follow the tracker's edge
(:func:`gsomia.warning.tracking.tracker.check_detection`): range in (0, 1e8 m], elevation in
[-π/2, π/2], covariance finite, symmetric and positive definite; ``t_s`` within ten years
of the epoch (:data:`gsomia.schemas.payloads.MAX_ABS_TIME_S`, as a warning's times).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from gsomia.errors import InputError
from gsomia.node.warning import WARNING_TOPIC
from gsomia.schemas import RadarPlotsDoc, parse
from gsomia.schemas.payloads import MAX_PLOTS
from gsomia.warning.tracking.tracker import MAX_RANGE_M
from gsomia.warning.types import Detection

__all__ = ["MAX_PLOTS", "PLOT_ELEMENTS", "PLOT_KIND", "Plot", "RadarPlots",
           "is_plot_payload", "publish_plots"]

#: The payload's ``kind``.
PLOT_KIND = "radar_plots"
#: Elements of a plot item's label: a track's raw data and, through the sensor
#: coordinates, the radar's location (agreements.md §4 names it as never shared by the hub).
PLOT_ELEMENTS = ("trajectory", "sensor_location")
#: Most plots in one scan (a radar's false alarms are at most 100 per scan,
#: :mod:`gsomia.warning.sensors`; the rest is margin for real objects).


def _num(value: Any, name: str, lo: float = -math.inf, hi: float = math.inf,
         lo_open: bool = False) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer)
            or not math.isfinite(value) or not lo <= value <= hi
            or (lo_open and value == lo)):
        where = "" if (lo, hi) == (-math.inf, math.inf) else \
            f" in {'(' if lo_open else '['}{lo:g}, {hi:g}]"
        raise InputError(name, value, f"expected a finite number{where}")
    return float(value)


def _cov(value: Any, name: str) -> tuple[tuple[float, float, float], ...]:
    rows = value.tolist() if isinstance(value, np.ndarray) else value
    if (not isinstance(rows, list | tuple) or len(rows) != 3
            or any(not isinstance(r, list | tuple) or len(r) != 3 for r in rows)):
        raise InputError(name, value, "expected a 3x3 matrix")
    out = tuple(tuple(_num(v, name) for v in r) for r in rows)
    m = np.array(out)
    if not np.allclose(m, m.T, rtol=1e-9, atol=0.0):
        raise InputError(name, value, "expected a symmetric matrix (a covariance)")
    if not np.linalg.eigvalsh(m)[0] > 0.0:
        raise InputError(name, value, "expected a positive definite matrix (a covariance)")
    return out  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Plot:
    """One plot of a scan: ``range_m`` [m], ``az_rad``, ``el_rad`` [rad] and its
    ``covariance`` ``(3, 3)`` in (range_m, az_rad, el_rad), as nested tuples."""

    range_m: float
    az_rad: float
    el_rad: float
    covariance: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True, slots=True)
class RadarPlots:
    """Every plot of one scan of one radar (the shared payload; module notes).

    Attributes:
        scan_id: the originator's id of the scan (1 to 128 characters).
        epoch: the scenario epoch (aware datetime); t_s: scan time [s since the epoch].
        sensor_id: the radar; site_lat_deg, site_lon_deg [deg], site_alt_m [m]: its
            position (WGS 84).
        plots: the plots (at least one, at most :data:`MAX_PLOTS`).
    """

    scan_id: str
    epoch: dt.datetime
    t_s: float
    sensor_id: str
    site_lat_deg: float
    site_lon_deg: float
    site_alt_m: float
    plots: tuple[Plot, ...]

    #: The label's topic and elements when published (:meth:`gsomia.node.Node.publish`).
    topic: ClassVar[str] = WARNING_TOPIC
    elements: ClassVar[tuple[str, ...]] = PLOT_ELEMENTS

    @property
    def stream(self) -> str:
        """The stream it is published on, ``plots:<sensor_id>`` (order kept per radar)."""
        return f"plots:{self.sensor_id}"

    @classmethod
    def from_detections(cls, scan_id: str, epoch: dt.datetime,
                        detections: Sequence[Detection]) -> RadarPlots:
        """The payload of one scan (detections of one sensor at one time; their
        ``truth_id`` is left out).

        Raises:
            InputError: no detection (``plots.plots``), detections of several sensors or
                times (``plots.scan``), or a malformed value (:meth:`validate`).
        """
        if not detections:
            raise InputError("plots.plots", [], "a scan with at least one plot expected")
        d0 = detections[0]
        if any((d.sensor_id, d.t_s, d.site_lat_deg, d.site_lon_deg, d.site_alt_m)
               != (d0.sensor_id, d0.t_s, d0.site_lat_deg, d0.site_lon_deg, d0.site_alt_m)
               for d in detections):
            raise InputError("plots.scan", len(detections),
                             "detections of one sensor at one time expected")
        out = cls(scan_id, epoch, float(d0.t_s), d0.sensor_id, float(d0.site_lat_deg),
                  float(d0.site_lon_deg), float(d0.site_alt_m),
                  tuple(Plot(float(d.range_m), float(d.az_rad), float(d.el_rad),
                             tuple(tuple(float(v) for v in row)
                                   for row in np.asarray(d.covariance, dtype=float)))
                        for d in detections))
        return out.validate()

    def detections(self, owner: str, truth_ids: Sequence[str | None] | None = None
                   ) -> list[Detection]:
        """The plots as :class:`~gsomia.warning.types.Detection` of ``owner`` (the
        originator), in payload order; ``truth_ids`` (one per plot, kept by the simulation
        for scoring only) or None.

        Raises:
            InputError: ``truth_ids`` of another length than the plots.
        """
        ids = list(truth_ids) if truth_ids is not None else [None] * len(self.plots)
        if len(ids) != len(self.plots):
            raise InputError("truth_ids", len(ids), f"expected {len(self.plots)} (one per plot)")
        return [Detection(self.t_s, self.sensor_id, owner, self.site_lat_deg,
                          self.site_lon_deg, self.site_alt_m, p.range_m, p.az_rad, p.el_rad,
                          np.array(p.covariance, dtype=float), truth)
                for p, truth in zip(self.plots, ids, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload (module notes)."""
        return {
            "kind": PLOT_KIND,
            "scan_id": self.scan_id,
            "epoch": self.epoch.astimezone(dt.UTC).isoformat(),
            "t_s": self.t_s,
            "sensor_id": self.sensor_id,
            "site": {"lat_deg": self.site_lat_deg, "lon_deg": self.site_lon_deg,
                     "alt_m": self.site_alt_m},
            "plots": [{"range_m": p.range_m, "az_rad": p.az_rad, "el_rad": p.el_rad,
                       "covariance": [list(r) for r in p.covariance]} for p in self.plots],
        }

    def validate(self) -> RadarPlots:
        """Check every field (module notes); return self.

        Raises:
            InputError: names the field, e.g. ``plots.site.lat_deg`` or
                ``plots.plots[2].covariance``.
        """
        if not isinstance(self.epoch, dt.datetime) or self.epoch.tzinfo is None:
            raise InputError("plots.epoch", self.epoch, "expected an aware datetime")
        if not isinstance(self.plots, tuple) or not all(isinstance(p, Plot)
                                                        for p in self.plots):
            raise InputError("plots.plots", self.plots, "expected a tuple of plots")
        parse(RadarPlotsDoc, self.to_dict(), prefix="plots")
        return self._check_plots()

    def _check_plots(self) -> RadarPlots:
        """The checks beyond the schema: ranges within the tracker's, covariances."""
        for i, p in enumerate(self.plots):
            where = f"plots.plots[{i}]"
            _num(p.range_m, f"{where}.range_m", 0.0, MAX_RANGE_M, lo_open=True)
            _cov(p.covariance, f"{where}.covariance")
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RadarPlots:
        """Read the JSON payload back and check it as :meth:`validate` does (the schema
        once, on ``data``; then ranges and covariances).

        Raises:
            InputError: a field is missing or malformed (names ``plots.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("plots", data, "expected a JSON object")
        doc = parse(RadarPlotsDoc, data, prefix="plots")
        return cls(
            scan_id=doc.scan_id, epoch=doc.epoch, t_s=doc.t_s, sensor_id=doc.sensor_id,
            site_lat_deg=doc.site.lat_deg, site_lon_deg=doc.site.lon_deg,
            site_alt_m=doc.site.alt_m,
            plots=tuple(Plot(p.range_m, p.az_rad, p.el_rad,
                             _cov(data["plots"][i]["covariance"],
                                  f"plots.plots[{i}].covariance"))
                        for i, p in enumerate(doc.plots)),
        )._check_plots()


def is_plot_payload(payload: Any) -> bool:
    """True when an item's payload is a :class:`RadarPlots` (its ``kind``)."""
    return isinstance(payload, Mapping) and payload.get("kind") == PLOT_KIND


class _Publisher(Protocol):
    """What :func:`publish_plots` needs of a node (:meth:`gsomia.node.Node.publish`)."""

    def publish(self, payload: RadarPlots, *, classification: str | None = None,
                send: bool = True) -> list[Any]: ...


def publish_plots(node: _Publisher, plots: RadarPlots, *, classification: str | None = None,
                  send: bool = True) -> list[Any]:
    """Create a plot item at ``node`` and release it to every partner in its routes:
    ``node.publish(plots, ...)`` (:meth:`gsomia.node.Node.publish`), kept for its callers.

    The label names :data:`PLOT_ELEMENTS` under the topic
    :data:`gsomia.node.warning.WARNING_TOPIC`, Releasable To the partners and the hubs of
    their routes, on one stream per radar (``plots:<sensor_id>``). Denials are audited by
    the node and returned (status ``denied``), not raised, as by
    :meth:`~gsomia.node.Node.publish_warning`.

    Receivers tell plot items from warnings by the payload's ``kind``
    (:func:`is_plot_payload`, :attr:`gsomia.node.ReceivedItem.kind`): a receiving node hands
    them to its ``on_item`` and ``on_plots`` subscribers, never to ``on_warning``.

    Returns:
        One :class:`gsomia.node.Release` per partner, in partner order.

    Raises:
        InputError: a malformed payload (:meth:`RadarPlots.validate`).
    """
    return node.publish(plots, classification=classification, send=send)
