"""``decide`` as rule functions gives exactly what the single function gave (issue 11 item 5).

The oracle is ``frozen_decision.py``, a verbatim copy of the module before the split. Over
generated requests (parties, markings of every scheme — some not the originator's —,
releasability, topics, elements, routes, dates around every entry into force, suspension
and renewal, persons with any clearance, consents of every scope and state) both must give
the same JSON form (verdict, every reason with its rule id, source and detail, in order,
the obligations, the marking, the agreements) or raise the same error.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import frozen_decision
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsomia.errors import GsomiaError, InputError
from gsomia.sharing import Catalog, Consent, Label, Person, ReleaseRequest, decide, load_catalog

CATALOG = load_catalog()
PARTIES = tuple(CATALOG.schemes)
MARKINGS = tuple(m.text for s in CATALOG.schemes.values() for m in s.markings)
TOPICS = ("dprk-missile-threat", "dprk-nuclear-threat", "chinese-navy")
ELEMENTS = ("launch_point", "trajectory", "impact_point", "pre_launch_indication",
            "sensor_location")
ROUTES = ("direct", "tisa", "tisa_hub", "auto-hub", "auto_hub")
# Every date an agreement starts, is suspended, notified or renewed, and a day either side.
_DAYS = sorted({d + dt.timedelta(days=k)
                for a in CATALOG.agreements.values()
                for d in (a.in_force_from, *(e.date for e in a.events))
                for k in (-1, 0, 1)})


def _outcome(run: Any, request: Any, catalog: Catalog, consents: list[Consent]) -> Any:
    try:
        return run(request, catalog, consents).to_dict()
    except GsomiaError as exc:
        return (type(exc).__name__, str(exc))


@st.composite
def cases(draw: st.DrawFn) -> tuple[ReleaseRequest, list[Consent]]:
    originator = draw(st.sampled_from(PARTIES))
    holder = draw(st.sampled_from(PARTIES))
    to = draw(st.sampled_from([p for p in PARTIES if p != holder]))
    own = [m.text for m in CATALOG.scheme(originator).markings]
    classification = draw(st.sampled_from(own) if draw(st.integers(0, 9)) else
                          st.sampled_from(MARKINGS))
    label = Label(
        item_id=draw(st.sampled_from(["i1", "i2"])), originator=originator,
        classification=classification,
        releasable_to=frozenset(draw(st.sets(st.sampled_from(PARTIES)))),
        topic=draw(st.sampled_from(TOPICS)), holder=holder,
        elements=tuple(draw(st.lists(st.sampled_from(ELEMENTS), max_size=3, unique=True))),
        purpose=draw(st.sampled_from([None, "missile defence"])),
    )
    day = draw(st.one_of(st.sampled_from(_DAYS),
                         st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31))))
    at = dt.datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), tzinfo=dt.UTC)
    person = None
    if draw(st.booleans()):
        party = draw(st.sampled_from([to, *PARTIES]))
        scheme = CATALOG.scheme(draw(st.sampled_from([party, party, party, *PARTIES])))
        person = Person(party, draw(st.sampled_from([m.text for m in scheme.markings])),
                        frozenset(draw(st.sets(st.sampled_from(TOPICS)))),
                        draw(st.booleans()), draw(st.booleans()))
    consents = []
    for k in range(draw(st.integers(0, 3))):
        try:
            consents.append(Consent(
                f"c{k}", draw(st.sampled_from([originator, *PARTIES])),
                draw(st.sampled_from(PARTIES)),
                at - dt.timedelta(days=draw(st.integers(-30, 400))),
                expires_at=draw(st.sampled_from([None, at + dt.timedelta(days=5),
                                                 at - dt.timedelta(days=1)])),
                item_id=draw(st.sampled_from([None, label.item_id, "other"])),
                topic=draw(st.sampled_from([None, *TOPICS])),
                classifications=draw(st.sampled_from([(), (classification,), own[:1]])),
                written=draw(st.booleans()) or draw(st.booleans()),
                revoked_at=draw(st.sampled_from([None, at - dt.timedelta(hours=1),
                                                 at + dt.timedelta(hours=1)]))))
        except InputError:  # no scope, or expiring before granted: not a consent
            continue
    request = ReleaseRequest(label, to, at, draw(st.sampled_from(ROUTES)), person,
                             draw(st.sampled_from([None, "missile defence", "other"])))
    return request, consents


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_rules_give_the_frozen_outcome(case: tuple[ReleaseRequest, list[Consent]]) -> None:
    request, consents = case
    expected = _outcome(frozen_decision.decide, request, CATALOG, consents)
    assert _outcome(decide, request, CATALOG, consents) == expected


def _bench_cases(n: int) -> list[tuple[ReleaseRequest, list[Consent]]]:
    path = Path(__file__).parents[2] / "benchmarks" / "bench_decisions.py"
    spec = importlib.util.spec_from_file_location("bench_decisions", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.make_requests(n, 7, CATALOG)


def test_benchmark_requests_give_the_frozen_outcome() -> None:
    """The benchmark's seeded requests (every route, persons, consents) give the frozen
    outcome, and they are not vacuous: both verdicts and every kind of rule occur."""
    kinds: set[str] = set()
    verdicts: set[bool] = set()
    for request, consents in _bench_cases(1500):
        expected = _outcome(frozen_decision.decide, request, CATALOG, consents)
        assert _outcome(decide, request, CATALOG, consents) == expected
        verdicts.add(expected["permit"])
        kinds |= {r["rule"].split(":")[0] for r in expected["reasons"]}
    assert verdicts == {True, False}
    assert kinds == {"releasable_to", "route", "in_force", "classification",
                     "originator_ceiling", "scope", "elements", "third_party_consent",
                     "purpose", "personnel_clearance", "need_to_know", "contractor_facility"}
