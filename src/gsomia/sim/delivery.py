"""Routes of a run and the delivery step: who gets which party's warnings, when.

A *route* of ``gsomia run`` is one way the parties could share missile warning:

``none``
    no sharing: each party has its own sensors only (the baseline).
``direct``
    every pair of parties with a bilateral agreement in force exchanges directly
    (Japan–Korea GSOMIA from 23 Nov 2016, Japan–US GSOMIA, ROK–US 1987). Arrival after the
    link delay ``A → B``.
``tisa_hub``
    Japan and Korea exchange only through the US hub, which passes an item on only with
    the originator's approval, per item (TISA para 4). Arrival after ``A → USA`` +
    ``approval_delay_s`` + ``USA → B``. The US's own items, and items to the US, go under the
    bilaterals (TISA para 3 rests on them) after the link delay.
``auto_hub``
    the 2023 automated arrangement: the same hub topology with standing approval; arrival
    after ``A → USA`` + ``hub_delay_s`` + ``USA → B``.

Each path ``originator → recipient`` of a route is decided once, on the scenario date, by
the sharing layer's :func:`gsomia.sharing.decide` for a representative missile-warning item
of the originator (its lowest agreed marking, Releasable To the other parties, topic
``dprk-missile-threat``, the three warning elements). A path whose decision is a deny (for
instance Japan–Korea ``direct`` before 23 Nov 2016, or ``auto_hub`` before 19 Dec 2023) is
not used, and its reasons are reported.

Measurement-level sharing (``share="measurements"``, :mod:`gsomia.sim.measurements`): each
path is also decided for a representative *plot* item (the same label with the elements of
:data:`gsomia.node.plots.PLOT_ELEMENTS`, ``trajectory`` and ``sensor_location``: plots in
sensor coordinates reveal the radar's site). The 2023 arrangement excludes
``sensor_location`` (agreements.md §4), so ``auto_hub`` never relays plots (the reason is
reported in the path's ``plots_reasons``); the bilaterals and TISA have no element limits.
Infrared launch reports still go under the warning decision (``allowed``).

ASSUMPTIONS (no public figure exists; documented defaults, overridable):

- ``approval_delay_s = 300``: the originator's per-item approval at the TISA hub takes
  five minutes (a human decision through liaison channels).
- ``hub_delay_s = 1``: the automated hub's processing and relay time.
- ``default_link_delay_s = 1``: a one-way link delay between two nodes where the scenario
  gives none.

The delivery step here is analytical (arrival = sending time + the path's delay); the
nodes of :mod:`gsomia.node` carry the same items through decide → seal → send → open when
they are available.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gsomia.errors import InputError
from gsomia.node.plots import PLOT_ELEMENTS
from gsomia.sharing import Catalog, Consent, Label, ReleaseRequest, decide
from gsomia.sim.scenario import Scenario

__all__ = ["HUB", "RUN_ROUTES", "SHARES", "Path", "RouteConfig", "RoutePlan", "plan_routes"]

RUN_ROUTES = ("none", "tisa_hub", "auto_hub", "direct")
"""The routes compared by a run, from least to most sharing."""

HUB = "USA"
"""The hub of TISA and of the 2023 arrangement (agreements.md §3, §4)."""

_SHARING_ROUTE = {"direct": "direct", "tisa_hub": "tisa", "auto_hub": "auto-hub"}
_MARKING = {"JPN": "秘", "KOR": "군사III급비밀", "USA": "CONFIDENTIAL"}
_TOPIC = "dprk-missile-threat"
_ELEMENTS = ("launch_point", "trajectory", "impact_point")
SHARES = ("tracks", "measurements")
"""What a run shares: track reports (the three warning elements) or radar plots."""


@dataclass(frozen=True, slots=True)
class RouteConfig:
    """Delays of the routes (see the module notes: ASSUMPTIONS).

    Attributes:
        approval_delay_s: originator's per-item approval at the TISA hub [s].
        hub_delay_s: processing at the automated hub [s].
        default_link_delay_s: link delay where the scenario gives none [s].
        ignore_dates: True to use every route as if its agreements were in force
            (counterfactual); False (default) to gate routes by the scenario date.
    """

    approval_delay_s: float = 300.0
    hub_delay_s: float = 1.0
    default_link_delay_s: float = 1.0
    ignore_dates: bool = False

    def __post_init__(self) -> None:
        for name in ("approval_delay_s", "hub_delay_s", "default_link_delay_s"):
            if not getattr(self, name) >= 0.0:
                raise InputError(name, getattr(self, name), "must be >= 0 s")


@dataclass(frozen=True, slots=True)
class Path:
    """How one party's items reach another on one route.

    Attributes:
        originator, recipient: party codes.
        via: the hub's code, or None for a direct path.
        delay_s: total delay from sending to arrival [s].
        allowed: the decision's verdict on the scenario date.
        agreements: the agreements the decision rests on.
        reasons: the failed reasons' details (empty when allowed).
        plots_allowed: the verdict for a plot item (measurement-level sharing), or None
            when the run shares tracks (not decided).
        plots_reasons: the failed reasons of that decision.
    """

    originator: str
    recipient: str
    via: str | None
    delay_s: float
    allowed: bool
    agreements: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    plots_allowed: bool | None = None
    plots_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Every path of one route (allowed or not)."""

    route: str
    paths: tuple[Path, ...] = field(default=())

    def delay(self, originator: str, recipient: str, kind: str = "warning") -> float | None:
        """The delay of the allowed path [s], or None when the route gives none.

        ``kind``: ``"warning"`` (track and launch reports) or ``"plots"`` (radar plots,
        allowed only where the path's ``plots_allowed`` is True).

        Raises:
            InputError: another ``kind``.
        """
        if kind not in ("warning", "plots"):
            raise InputError("kind", kind, "expected warning or plots")
        for p in self.paths:
            if p.originator == originator and p.recipient == recipient and \
                    (p.allowed if kind == "warning" else p.plots_allowed is True):
                return p.delay_s
        return None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``plots_allowed`` and ``plots_reasons`` only where decided)."""
        paths: list[dict[str, object]] = []
        for p in self.paths:
            paths.append({"from": p.originator, "to": p.recipient, "via": p.via,
                          "delay_s": p.delay_s, "allowed": p.allowed,
                          "agreements": list(p.agreements), "reasons": list(p.reasons)})
            if p.plots_allowed is not None:
                paths[-1].update(plots_allowed=p.plots_allowed,
                                 plots_reasons=list(p.plots_reasons))
        return {"route": self.route, "paths": paths}


def _link(scenario: Scenario, a: str, b: str, cfg: RouteConfig) -> float:
    for link in scenario.links:
        if link.from_party == a and link.to_party == b:
            return link.delay_s
    return cfg.default_link_delay_s


def _decide(catalog: Catalog, originator: str, recipient: str, route: str,
            at: dt.datetime, parties: tuple[str, ...],
            elements: tuple[str, ...] = _ELEMENTS) -> tuple[bool, tuple[str, ...],
                                                            tuple[str, ...]]:
    label = Label(item_id=f"warning-{originator}", originator=originator,
                  classification=_MARKING[originator],
                  releasable_to=frozenset(p for p in parties if p != originator),
                  topic=_TOPIC, holder=originator, created=at, elements=elements,
                  purpose="missile-warning")
    consents = ()
    if route != "direct":
        # the hub's leg needs the originator's approval: per item on TISA (its delay is
        # the approval_delay_s assumption), standing on the automated hub
        consents = (Consent(f"approval-{originator}-{recipient}", originator, recipient,
                            at - dt.timedelta(seconds=1), item_id=label.item_id),)
    d = decide(ReleaseRequest(label, recipient, at, route=_SHARING_ROUTE[route],
                              purpose="missile-warning"), catalog, consents)
    return d.permit, d.agreements, tuple(r.detail for r in d.failed)


def plan_routes(scenario: Scenario, catalog: Catalog, config: RouteConfig | None = None,
                routes: tuple[str, ...] = RUN_ROUTES, share: str = "tracks"
                ) -> dict[str, RoutePlan]:
    """The paths of every route between the scenario's parties (module notes).

    Args:
        scenario: parties, links and epoch (the decision date).
        catalog: the agreements (:func:`gsomia.sharing.load_catalog`).
        config: delays and date gating.
        routes: names among :data:`RUN_ROUTES`.
        share: ``"tracks"``, or ``"measurements"`` to decide plot items too
            (``plots_allowed`` of each path; module notes).

    Returns:
        route name → :class:`RoutePlan` (``none`` has no paths).

    Raises:
        InputError: an unknown route or share, or a party without a marking scheme.
    """
    if share not in SHARES:
        raise InputError("share", share, f"expected one of {', '.join(SHARES)}")
    cfg = config or RouteConfig()
    at = scenario.epoch
    if cfg.ignore_dates:
        at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)   # every catalogued agreement in force
    known = [p for p in scenario.parties if p in _MARKING]
    out: dict[str, RoutePlan] = {}
    for route in routes:
        if route not in RUN_ROUTES:
            raise InputError("routes", route, f"expected some of {', '.join(RUN_ROUTES)}")
        if route == "none":
            out[route] = RoutePlan(route)
            continue
        paths = []
        for a in known:
            for b in known:
                if a == b:
                    continue
                hubbed = route != "direct" and HUB in scenario.parties and HUB not in (a, b)
                way = route if hubbed else "direct"
                if hubbed:
                    middle = cfg.approval_delay_s if route == "tisa_hub" else cfg.hub_delay_s
                    delay = _link(scenario, a, HUB, cfg) + middle + _link(scenario, HUB, b, cfg)
                else:
                    delay = _link(scenario, a, b, cfg)
                nohub = not hubbed and route != "direct" and HUB not in scenario.parties
                if nohub:
                    ok, agreements, reasons = False, (), (f"no hub ({HUB}) in the scenario",)
                else:
                    ok, agreements, reasons = _decide(catalog, a, b, way, at, known)
                plots_ok: bool | None = None
                plots_reasons: tuple[str, ...] = ()
                if share == "measurements":
                    plots_ok, plots_reasons = (False, reasons) if nohub else \
                        _decide(catalog, a, b, way, at, known, PLOT_ELEMENTS)[::2]
                paths.append(Path(a, b, HUB if hubbed else None, delay, ok, agreements,
                                  reasons, plots_ok, plots_reasons))
        out[route] = RoutePlan(route, tuple(paths))
    return out
