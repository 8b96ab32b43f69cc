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
of the originator, every term read from the agreement catalog passed in: its lowest agreed
marking (:func:`warning_marking`), Releasable To the other parties, the topic and elements
of the missile-warning arrangement's scope (:func:`warning_scope`: ``dprk-missile-threat``
and the three warning elements in the packaged catalog), and the hub of each hub route
(:meth:`Catalog.hub_of <gsomia.sharing.Catalog.hub_of>`: the US in TISA and in the 2023
arrangement). A path whose decision is a
deny (for instance Japan–Korea ``direct`` before 23 Nov 2016, or ``auto_hub`` before 19 Dec 2023) is
not used, and its reasons are reported.

Measurement-level sharing (``share="measurements"``, :mod:`gsomia.sim.measurements`): each
path is also decided for a representative *plot* item (the same label with the elements of
:data:`gsomia.node.plots.PLOT_ELEMENTS`, ``trajectory`` and ``sensor_location``: plots in
sensor coordinates reveal the radar's site). The 2023 arrangement excludes
``sensor_location`` (agreements.md §4), so ``auto_hub`` never relays plots (the reason is
reported in the path's ``plots_reasons``); the bilaterals and TISA have no element limits.
Infrared launch reports still go under the warning decision (``allowed``).

Routes of a run are ``"none"`` (:data:`NONE`) and the members of
:class:`gsomia.sharing.Route` (:func:`parse_run_route` takes every spelling
:meth:`Route.parse` takes); they print as ``none``, ``tisa_hub``, ``auto_hub``, ``direct``.

ASSUMPTIONS (no public figure exists; documented defaults, overridable):

- ``approval_delay_s = 300``: the originator's per-item approval at the TISA hub takes
  five minutes (a human decision through liaison channels).
- ``hub_delay_s = 1``: the automated hub's processing and relay time.
- ``default_link_delay_s = 1``: a one-way link delay between two nodes where the scenario
  gives none.

The delivery steps that carry the items by these plans are in :mod:`gsomia.sim.delivery.
planned` (analytical: arrival = sending time + the path's delay), :mod:`gsomia.sim.delivery.
nodes` (the parties' real nodes on a simulated clock) and :mod:`gsomia.sim.delivery.live`
(real servers on a compressed wall clock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gsomia.errors import InputError
from gsomia.node.contacts import CONTACT_ELEMENTS
from gsomia.node.plots import PLOT_ELEMENTS
from gsomia.sharing import Catalog, Consent, Label, ReleaseRequest, Route, decide
from gsomia.sim.scenario import Scenario

__all__ = ["NONE", "RUN_ROUTES", "SHARES", "Path", "RouteConfig", "RoutePlan", "link_delay",
           "parse_run_route", "plan_routes", "warning_marking", "warning_scope"]

NONE = "none"
"""The baseline route of a run: no sharing."""

RUN_ROUTES: tuple[str, ...] = (NONE, Route.TISA_HUB, Route.AUTO_HUB, Route.DIRECT)
"""The routes compared by a run, from least to most sharing."""

SHARES = ("tracks", "measurements")
"""What a run shares: track reports (the three warning elements) or radar plots."""


def parse_run_route(value: object, field: str = "routes") -> str:
    """A route of a run: :data:`NONE`, or the :class:`~gsomia.sharing.Route` of ``value`` in
    any spelling :meth:`Route.parse <gsomia.sharing.Route.parse>` takes.

    Raises:
        InputError: naming ``field`` and ``value`` when it is neither.
    """
    if isinstance(value, str) and value.strip().lower() == NONE:
        return NONE
    try:
        return Route.parse(value, field)
    except InputError:
        raise InputError(field, value, f"expected some of {', '.join(RUN_ROUTES)}") from None


def warning_marking(catalog: Catalog, party: str) -> str | None:
    """The marking of a party's representative warning item: the lowest marking of its
    scheme that an equivalence table of one of its agreements covers (Art. 4(2): the lowest
    level the parties agreed on; 秘, 군사III급비밀 and CONFIDENTIAL in the packaged
    catalog), or None when the catalog has no scheme or no agreed marking for it."""
    scheme = catalog.schemes.get(party)
    if scheme is None:
        return None
    agreements = [a for a in catalog.agreements.values() if party in a.parties]
    for marking in sorted(scheme.markings, key=lambda m: -m.rank):
        if any(a.row_of(party, marking.text) is not None for a in agreements):
            return marking.text
    return None


def warning_scope(catalog: Catalog) -> tuple[str, tuple[str, ...]]:
    """``(topic, elements)`` of the representative missile-warning item: the first topic
    and the elements of the scope of the missile-warning arrangement, the automated hub's
    (agreements.md §4: ``dprk-missile-threat``; launch point, trajectory, impact point).

    Raises:
        InputError: no arrangement of route ``auto_hub`` with a scope naming a topic and
            elements in the catalog.
    """
    for a in catalog.by_route(Route.AUTO_HUB):
        if a.scope is not None and a.scope.topics and a.scope.elements:
            return a.scope.topics[0], a.scope.elements
    raise InputError("catalog", [a.name for a in catalog.by_route(Route.AUTO_HUB)],
                     "no missile-warning arrangement (route auto_hub) whose scope names "
                     "a topic and elements")


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

    def decision_time(self, scenario: Scenario) -> dt.datetime:
        """When the paths are decided (and the nodes' clocks start): the scenario epoch, or
        with ``ignore_dates`` 2024-01-01 UTC, when every catalogued agreement is in force."""
        if self.ignore_dates:
            return dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        return scenario.epoch


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
        contacts_allowed: the verdict for a submarine contact item (element
            ``pre_launch_indication``, :mod:`gsomia.node.contacts`), or None when the
            scenario has no maritime sources (not decided).
        contacts_reasons: the failed reasons of that decision.
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
    contacts_allowed: bool | None = None
    contacts_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Every path of one route (allowed or not); ``route``: :data:`NONE` or a
    :class:`~gsomia.sharing.Route`."""

    route: str
    paths: tuple[Path, ...] = field(default=())

    def delay(self, originator: str, recipient: str, kind: str = "warning") -> float | None:
        """The delay of the allowed path [s], or None when the route gives none.

        ``kind``: ``"warning"`` (track and launch reports), ``"plots"`` (radar plots,
            allowed only where the path's ``plots_allowed`` is True) or ``"contacts"``
            (submarine contacts, only where ``contacts_allowed`` is True).

        Raises:
            InputError: another ``kind``.
        """
        if kind not in ("warning", "plots", "contacts"):
            raise InputError("kind", kind, "expected warning, plots or contacts")
        for p in self.paths:
            ok = {"warning": p.allowed, "plots": p.plots_allowed is True,
                  "contacts": p.contacts_allowed is True}[kind]
            if p.originator == originator and p.recipient == recipient and ok:
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
            if p.contacts_allowed is not None:
                paths[-1].update(contacts_allowed=p.contacts_allowed,
                                 contacts_reasons=list(p.contacts_reasons))
        return {"route": self.route, "paths": paths}


def link_delay(scenario: Scenario, a: str, b: str, cfg: RouteConfig) -> float:
    """The one-way delay of the link ``a → b`` [s]: the scenario's, else
    ``cfg.default_link_delay_s`` (ASSUMPTION, module notes)."""
    for link in scenario.links:
        if link.from_party == a and link.to_party == b:
            return link.delay_s
    return cfg.default_link_delay_s


@dataclass(frozen=True, slots=True)
class _Item:
    """The catalog's terms of the representative item (module notes)."""

    markings: dict[str, str]
    topic: str
    elements: tuple[str, ...]


def _decide(catalog: Catalog, item: _Item, originator: str, recipient: str, route: Route,
            at: dt.datetime, parties: list[str], elements: tuple[str, ...] | None = None
            ) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    label = Label(item_id=f"warning-{originator}", originator=originator,
                  classification=item.markings[originator],
                  releasable_to=frozenset(p for p in parties if p != originator),
                  topic=item.topic, holder=originator, created=at,
                  elements=item.elements if elements is None else elements,
                  purpose="missile-warning")
    consents = ()
    if route.is_hub:
        # the hub's leg needs the originator's approval: per item on TISA (its delay is
        # the approval_delay_s assumption), standing on the automated hub
        consents = (Consent(f"approval-{originator}-{recipient}", originator, recipient,
                            at - dt.timedelta(seconds=1), item_id=label.item_id),)
    d = decide(ReleaseRequest(label, recipient, at, route=route, purpose="missile-warning"),
               catalog, consents)
    return d.permit, d.agreements, tuple(r.detail for r in d.failed)


def _path(scenario: Scenario, catalog: Catalog, item: _Item, cfg: RouteConfig,
          route: Route, a: str, b: str, at: dt.datetime, share: str,
          contacts: bool = False) -> Path:
    """The path ``a → b`` of one route (module notes)."""
    known = list(item.markings)
    hub = catalog.hub_of(route)
    hubbed = hub is not None and hub in scenario.parties and hub not in (a, b)
    way = route if hubbed else Route.DIRECT
    if hubbed:
        assert hub is not None
        middle = cfg.approval_delay_s if route is Route.TISA_HUB else cfg.hub_delay_s
        delay = link_delay(scenario, a, hub, cfg) + middle + link_delay(scenario, hub, b, cfg)
    else:
        delay = link_delay(scenario, a, b, cfg)
    nohub = not hubbed and route.is_hub and (hub is None or hub not in scenario.parties)
    if nohub:
        ok, agreements = False, ()
        reasons = ((f"no hub ({hub}) in the scenario",) if hub is not None else
                   (f"no hub arrangement of route {route} in the catalog",))
    else:
        ok, agreements, reasons = _decide(catalog, item, a, b, way, at, known)
    plots_ok: bool | None = None
    plots_reasons: tuple[str, ...] = ()
    if share == "measurements":
        plots_ok, plots_reasons = (False, reasons) if nohub else \
            _decide(catalog, item, a, b, way, at, known, PLOT_ELEMENTS)[::2]
    contacts_ok: bool | None = None
    contacts_reasons: tuple[str, ...] = ()
    if contacts:
        contacts_ok, contacts_reasons = (False, reasons) if nohub else \
            _decide(catalog, item, a, b, way, at, known, CONTACT_ELEMENTS)[::2]
    return Path(a, b, hub if hubbed else None, delay, ok, agreements, reasons, plots_ok,
                plots_reasons, contacts_ok, contacts_reasons)


def plan_routes(scenario: Scenario, catalog: Catalog, config: RouteConfig | None = None,
                routes: tuple[str, ...] = RUN_ROUTES, share: str = "tracks"
                ) -> dict[str, RoutePlan]:
    """The paths of every route between the scenario's parties (module notes); submarine
    contact items are decided too when the scenario has maritime sources
    (``contacts_allowed`` of each path).

    Args:
        scenario: parties, links and epoch (the decision date).
        catalog: the agreements (:func:`gsomia.sharing.load_catalog`): the decisions, the
            hubs, the items' markings, topic and elements.
        config: delays and date gating.
        routes: routes of a run (:func:`parse_run_route`, any spelling).
        share: ``"tracks"``, or ``"measurements"`` to decide plot items too
            (``plots_allowed`` of each path; module notes).

    Returns:
        route (:data:`NONE` or a :class:`~gsomia.sharing.Route`) → :class:`RoutePlan`
        (``none`` has no paths). Parties without an agreed marking in the catalog
        (:func:`warning_marking`) have no paths.

    Raises:
        InputError: an unknown route or share, or a catalog without the missile-warning
            arrangement's scope (:func:`warning_scope`).
    """
    if share not in SHARES:
        raise InputError("share", share, f"expected one of {', '.join(SHARES)}")
    cfg = config or RouteConfig()
    at = cfg.decision_time(scenario)
    markings = {p: warning_marking(catalog, p) for p in scenario.parties}
    topic, elements = warning_scope(catalog)
    item = _Item({p: m for p, m in markings.items() if m is not None}, topic, elements)
    out: dict[str, RoutePlan] = {}
    for name in routes:
        route = parse_run_route(name)
        if route == NONE:
            out[route] = RoutePlan(route)
            continue
        assert isinstance(route, Route)
        paths = [_path(scenario, catalog, item, cfg, route, a, b, at, share,
                       bool(scenario.maritime))
                 for a in item.markings for b in item.markings if a != b]
        out[route] = RoutePlan(route, tuple(paths))
    return out
