"""Release decisions per second: gsomia's :func:`decide` vs the same rules in Cedar (cedarpy).

Run: ``python benchmarks/bench_decisions.py [N] [--json] [--consents M] [--repeat R]``
(N requests, default 5000, seed 7; M consents, default 10,000; R runs of each side,
default 5). Times are CPU times (``time.process_time``: the machine is shared, so wall
time measures the other jobs). Each run loads the catalog afresh (nothing kept from the
run before) and the two sides alternate which goes first; the figures and ratios reported
are the medians over the runs (the ratio of each run, ours and Cedar's of the same run,
listed too).

Both sides answer the same random requests (labels, parties, routes, dates, persons,
consents). Cedar gets the rules as policies (one ``permit`` and one ``forbid`` per rule:
Releasable To, legs in force, TISA para 1 scope, §4 elements, Art. 6 consent, purpose,
Art. 7/16 person). What Cedar's language cannot express — table lookups by a computed
key (Art. 4(2) equivalence rows, the rank of a marking) and "does any consent in this set
cover the item now" — is computed in Python first and passed in the request context
("facts"). So two Cedar figures are reported: the engine alone on prepared requests, and
facts + engine. Ours does everything (lookups, every reason, obligations, marking).
The verdicts of both are compared; a mismatch is printed and makes the exit code 1.
Ours reads most of a decision from the catalog's compiled decision tables
(:mod:`gsomia.sharing.compiled`), compiled once before the timing, as Cedar's policy set is
parsed once before its own; the compile time is reported (``ours_compile_s``).
If cedarpy is not installed, only ours is measured.

Consent look-ups (``consents_*`` lines): third-party releases (Art. 6; TISA para 4 on the
``tisa`` route) decided against one book of 10,000 consents (``--consents M`` for another
size), by ``decide`` with the indexed :class:`ConsentBook` and with :class:`PlainScanBook`,
the look-up before the index (every consent per decision, every miss of the pair listed),
kept here only as the peer. The plain scan decides fewer requests (it is slow); verdicts
and the consent chosen are compared on those, a mismatch makes the exit code 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from typing import Any

from bench_args import int_at_least
from gsomia.sharing import Consent, ConsentBook, Label, Person, ReleaseRequest, Route, decide
from gsomia.sharing.catalog import Catalog, load_catalog
from gsomia.sharing.compiled import decision_tables

PARTIES = ("JPN", "KOR", "USA")
TOPICS = ("dprk-nuclear-threat", "dprk-missile-threat", "chinese-navy")
ELEMENTS = ("launch_point", "trajectory", "impact_point", "pre_launch_indication",
            "sensor_location")
ROUTES = ("direct", "tisa", "auto-hub")
EPOCH = dt.date(1970, 1, 1)

POLICIES = """
permit(principal, action == Action::"release", resource);

forbid(principal, action, resource) when {
  context.to != resource.originator && !resource.releasable.contains(context.to) };
forbid(principal, action, resource) when {
  context.route != "direct" && resource.originator != context.hub
  && !resource.releasable.contains(context.hub) };
forbid(principal, action, resource) when { context.leg1_from > context.day };
forbid(principal, action, resource) when {
  context.has_leg2 && context.leg2_from > context.day };
forbid(principal, action, resource) unless { context.level_ok };
forbid(principal, action, resource) when {
  context.route == "tisa_hub" && (context.tisa_from > context.day
  || !["dprk-nuclear-threat", "dprk-missile-threat"].contains(resource.topic)) };
forbid(principal, action, resource) when {
  context.route == "auto_hub" && (context.warn_from > context.day
  || context.tisa_from > context.day || resource.topic != "dprk-missile-threat"
  || resource.elements.isEmpty()
  || !["launch_point", "trajectory", "impact_point"].containsAll(resource.elements)) };
forbid(principal, action, resource) when {
  context.leg1_sender != resource.originator && context.leg1_receiver != resource.originator
  && !(context.route == "auto_hub" && context.leg1_sender == context.hub)
  && !context.consent_leg1 };
forbid(principal, action, resource) when {
  context.has_leg2 && context.leg2_sender != resource.originator
  && context.leg2_receiver != resource.originator
  && !(context.route == "auto_hub" && context.leg2_sender == context.hub)
  && !context.consent_leg2 };
forbid(principal, action, resource) when {
  resource.purpose != "" && context.purpose != "" && resource.purpose != context.purpose };
forbid(principal, action, resource) when {
  context.has_person && (context.person.party != context.to
  || context.person.rank > context.required_rank
  || !context.person.ntk.contains(resource.topic)
  || (context.person.contractor && !context.person.facility)) };
"""


def make_requests(n: int, seed: int, catalog: Catalog) -> list[tuple[ReleaseRequest, list]]:
    """``n`` random requests with their consents (fixed seed)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        originator = rng.choice(PARTIES)
        holder = rng.choice(PARTIES)
        to = rng.choice([p for p in PARTIES if p != holder])
        markings = [m.text for m in catalog.scheme(originator).markings]
        label = Label(
            item_id=f"i{i}", originator=originator, classification=rng.choice(markings),
            releasable_to=frozenset(p for p in PARTIES if rng.random() < 0.8),
            topic=rng.choice(TOPICS), holder=holder,
            elements=tuple(rng.sample(ELEMENTS, rng.randint(0, 2))),
            purpose=rng.choice([None, "missile defence"]),
        )
        at = dt.datetime(rng.randint(2005, 2026), rng.randint(1, 12), rng.randint(1, 28),
                         tzinfo=dt.UTC)
        person = None
        if rng.random() < 0.5:
            party = to if rng.random() < 0.8 else rng.choice(PARTIES)
            person = Person(party, rng.choice([m.text for m in catalog.scheme(party).markings]),
                            frozenset(t for t in TOPICS if rng.random() < 0.6),
                            rng.random() < 0.2, rng.random() < 0.5)
        consents = [
            Consent(f"c{i}-{k}", originator, rng.choice(PARTIES),
                    at - dt.timedelta(days=rng.randint(-30, 400)),
                    item_id=f"i{i}" if rng.random() < 0.7 else None,
                    topic=None if rng.random() < 0.7 else rng.choice(TOPICS),
                    expires_at=None if rng.random() < 0.5 else at + dt.timedelta(days=500),
                    classifications=(label.classification,))
            for k in range(rng.randint(0, 2))
        ]
        out.append((ReleaseRequest(label, to, at, rng.choice(ROUTES), person,
                                   rng.choice([None, "missile defence", "other"])), consents))
    return out


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def cedar_facts(request: ReleaseRequest, consents: list, catalog: Catalog) -> dict:
    """The Cedar request: table lookups and consent matching done here (see docstring)."""
    label, to, route = request.label, request.to, request.route
    hub = "USA"
    legs = [(label.holder, to)] if route == "direct" else [
        (s, r) for s, r in ((label.holder, hub), (hub, to)) if s != r]
    pairs = [catalog.bilaterals(s, r)[0] for s, r in legs]
    first = pairs[0] if label.originator in pairs[0].parties \
        else catalog.bilaterals(label.originator, label.holder)[0]
    row = first.row_of(label.originator, label.classification)
    level_ok = row is not None
    required = None
    for (_, receiver), agreement in zip(legs, pairs, strict=True):
        mark = agreement.equivalent(receiver, row.level) if row else None
        level_ok = level_ok and mark is not None \
            and not agreement.is_excluded(label.originator, label.classification)
        if receiver == to:
            required = mark
    scheme = catalog.scheme(to)
    book = ConsentBook(consents)
    person = request.person
    per_item = route is Route.TISA_HUB
    context = {
        "to": to, "route": str(route), "hub": hub, "day": _days(request.at.date()),
        "purpose": request.purpose or "",
        "leg1_sender": legs[0][0], "leg1_receiver": legs[0][1],
        "leg1_from": _days(pairs[0].in_force_from),
        "has_leg2": len(legs) > 1,
        "leg2_sender": legs[-1][0], "leg2_receiver": legs[-1][1],
        "leg2_from": _days(pairs[-1].in_force_from),
        "tisa_from": _days(catalog.agreement("tisa").in_force_from),
        "warn_from": _days(catalog.agreement("trilateral-missile-warning").in_force_from),
        "level_ok": level_ok,
        "required_rank": scheme.get(required).rank if required else -1,
        # TISA para 4: on the tisa_hub route the hub's leg needs an approval naming the item
        "consent_leg1": book.find(label, legs[0][1], request.at,
                                  per_item=per_item and legs[0][0] == hub) is not None,
        "consent_leg2": book.find(label, legs[-1][1], request.at,
                                  per_item=per_item and legs[-1][0] == hub) is not None,
        "has_person": person is not None,
        "person": {
            "party": person.party if person else "",
            "rank": catalog.scheme(person.party).get(person.clearance).rank if person else 0,
            "ntk": sorted(person.need_to_know) if person else [],
            "contractor": person.contractor if person else False,
            "facility": person.facility_clearance if person else False,
        },
    }
    entity = {
        "uid": {"type": "Item", "id": label.item_id},
        "attrs": {"originator": label.originator, "releasable": sorted(label.releasable_to),
                  "topic": label.topic, "elements": list(label.elements),
                  "purpose": label.purpose or ""},
        "parents": [],
    }
    cedar_request = {"principal": {"type": "Party", "id": to},
                     "action": {"type": "Action", "id": "release"},
                     "resource": {"type": "Item", "id": label.item_id}, "context": context}
    return {"request": cedar_request, "entity": entity}


class PlainScanBook(ConsentBook):
    """The consent look-up before the index (benchmark peer only): every consent of the book
    for every decision, and a denial listing every miss of the (originator, to) pair."""

    def find(self, label, to, at, per_item=False):  # type: ignore[no-untyped-def]
        return next((c for c in self if c.covers(label, to, at, per_item)), None)

    def explain(self, label, to, at, per_item=False):  # type: ignore[no-untyped-def]
        misses = []
        for consent in self:
            why = consent.why_not(label, to, at, per_item)
            if why is None:
                return consent, ""
            if consent.originator == label.originator and consent.to == to:
                misses.append(f"{consent.consent_id!r} {why}")
        if not misses:
            return None, f"none recorded from {label.originator} for {to}"
        return None, "; ".join(misses)


def consent_cases(n_consents: int, n_requests: int, seed: int, catalog: Catalog
                  ) -> tuple[list[Consent], list[ReleaseRequest]]:
    """``n_consents`` consents of every originator to every other party (most per item,
    some per topic or class; some expired, revoked, not yet valid or oral) and
    ``n_requests`` third-party releases of their items (some of items without a consent),
    direct or over the TISA hub, in 2024."""
    rng = random.Random(seed)
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    consents = []
    for k in range(n_consents):
        originator = rng.choice(PARTIES)
        scope = rng.random()
        granted = base + dt.timedelta(days=rng.randint(-400, 200))
        consents.append(Consent(
            f"c{k}", originator, rng.choice([p for p in PARTIES if p != originator]),
            granted,
            expires_at=None if rng.random() < 0.7 else granted + dt.timedelta(days=300),
            item_id=f"i{k}" if scope < 0.9 else None,
            topic=rng.choice(TOPICS) if 0.9 <= scope < 0.95 else None,
            classifications=() if scope < 0.95 else (
                rng.choice([m.text for m in catalog.scheme(originator).markings]),),
            written=rng.random() < 0.95,
            revoked_at=None if rng.random() < 0.9 else granted + dt.timedelta(days=100)))
    requests = []
    for _ in range(n_requests):
        k = rng.randrange(int(n_consents * 1.2))
        c = consents[k] if k < n_consents else None
        originator = c.originator if c else rng.choice(PARTIES)
        to = c.to if c else rng.choice([p for p in PARTIES if p != originator])
        holder = next(p for p in PARTIES if p not in (originator, to))
        route = rng.choice(["direct", "tisa"]) if "USA" in (holder, to) else "direct"
        markings = [m.text for m in catalog.scheme(originator).markings]
        label = Label(item_id=f"i{k}", originator=originator,
                      classification=rng.choice(markings), releasable_to=frozenset(PARTIES),
                      topic="dprk-missile-threat", holder=holder)
        requests.append(ReleaseRequest(label, to, base + dt.timedelta(
            days=rng.randint(0, 365)), route))
    return consents, requests


def bench_consents(n_consents: int, catalog: Catalog, n_requests: int = 2000,
                   n_plain: int = 200) -> dict:
    """Decisions/s against one book of ``n_consents`` consents: indexed vs plain scan."""
    consents, requests = consent_cases(n_consents, n_requests, 11, catalog)
    indexed, plain = ConsentBook(consents), PlainScanBook(consents)
    t0 = time.process_time()
    ours = [decide(r, catalog, indexed) for r in requests]
    t_ours = time.process_time() - t0
    t0 = time.process_time()
    peer = [decide(r, catalog, plain) for r in requests[:n_plain]]
    t_plain = time.process_time() - t0

    def chosen(d):  # type: ignore[no-untyped-def]
        return (d.permit, [r.rule for r in d.failed],
                [r.detail for r in d.reasons if r.rule == "third_party_consent" and r.passed])

    mismatches = sum(chosen(a) != chosen(b) for a, b in zip(ours, peer, strict=False))
    def longest(decisions):  # type: ignore[no-untyped-def]
        return max((len(r.detail) for d in decisions for r in d.failed), default=0)

    return {
        "consents": n_consents,
        "consents_permits": sum(d.permit for d in ours),
        "consents_indexed_decisions_per_s": round(n_requests / t_ours),
        "consents_plain_scan_decisions_per_s": round(n_plain / t_plain),
        "consents_speedup": round((t_plain / n_plain) / (t_ours / n_requests), 1),
        "consents_indexed_longest_denial_chars": longest(ours),
        "consents_plain_scan_longest_denial_chars": longest(peer),
        "consents_verdict_mismatches": mismatches,
    }


def _clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = _clocks()
    return cpu - start[0], wall - start[1]


def run_ours(cases: list[tuple[ReleaseRequest, list]]) -> tuple[list[bool], dict, int]:
    """Our verdicts on ``cases`` from a freshly loaded catalog (so no table is kept from an
    earlier run), its compiled tables made first: (verdicts, CPU and wall seconds of
    ``compile`` and ``ours``, plans)."""
    catalog = load_catalog()
    # the catalog compiled into decision tables once, before any request (as Cedar's
    # policies are parsed once, before its timing); its time is reported
    t0 = _clocks()
    plans = decision_tables(catalog).compile()
    t_compile = _since(t0)
    t0 = _clocks()
    ours = [decide(req, catalog, consents).permit for req, consents in cases]
    t_ours = _since(t0)
    return ours, {"compile": t_compile, "ours": t_ours}, plans


def run_cedar(cases: list[tuple[ReleaseRequest, list]], cedarpy: Any) -> tuple[list[bool], dict]:
    """Cedar's verdicts on ``cases`` (facts from a freshly loaded catalog): (verdicts, CPU
    and wall seconds of ``facts`` and ``engine``)."""
    catalog = load_catalog()
    t0 = _clocks()
    built = [cedar_facts(req, consents, catalog) for req, consents in cases]
    t_facts = _since(t0)
    policies = cedarpy.PolicySet.from_str(POLICIES)
    entities = cedarpy.Entities.from_json_str(json.dumps([b["entity"] for b in built]))
    requests = [b["request"] for b in built]
    t0 = _clocks()
    results = cedarpy.is_authorized_batch(requests, policies, entities)
    t_cedar = _since(t0)
    return [r.allowed for r in results], {"facts": t_facts, "engine": t_cedar}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: ``[N] [--json] [--consents M] [--repeat R]``; exit 2 naming the
    argument and its value for a bad or unknown one."""
    parser = argparse.ArgumentParser(
        prog="bench_decisions.py",
        description="Release decisions per second: gsomia's decide vs the same rules "
                    "in Cedar (cedarpy), and indexed vs plain-scan consent look-ups.")
    parser.add_argument("n", nargs="?", type=int_at_least(1), default=5000,
                        help="requests (≥ 1, default 5000, seed 7)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--consents", type=int_at_least(1), default=10_000,
                        help="consents in the book (≥ 1, default 10000)")
    parser.add_argument("--repeat", type=int_at_least(1), default=5,
                        help="runs of each side (≥ 1, default 5); medians reported")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    as_json, n_consents, repeat, n = args.json, args.consents, args.repeat, args.n
    catalog = load_catalog()
    cases = make_requests(n, 7, catalog)
    try:
        import cedarpy
    except ImportError:
        cedarpy = None
    runs: list[dict] = []
    mismatches: list[int] = []
    permits = plans = 0
    for k in range(repeat):
        # alternate who goes first, so the machine's load hits both alike
        if k % 2 == 0:
            ours, run, plans = run_ours(cases)
        if cedarpy is not None:
            theirs, times = run_cedar(cases, cedarpy)
        if k % 2 == 1:
            ours, run, plans = run_ours(cases)
        if cedarpy is not None:
            run.update(times)
            mismatches += [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
                           if a != b]
        permits = sum(ours)
        runs.append(run)

    def median_of(key: str, clock: int = 0) -> float:
        return statistics.median(r[key][clock] for r in runs)

    report: dict = {"requests": n, "permits": permits, "repeats": repeat,
                    "clock": "CPU (time.process_time), median of the repeats; *_wall: "
                             "wall clock (time.perf_counter)",
                    "ours_decisions_per_s": round(n / median_of("ours")),
                    "ours_decisions_per_s_wall": round(n / median_of("ours", 1)),
                    "ours_compile_s": round(median_of("compile"), 4),
                    "ours_compiled_plans": plans}
    if cedarpy is None:
        report["cedar"] = "cedarpy not installed: Cedar not measured"
    else:
        for clock, tail in ((0, ""), (1, "_wall")):
            engine = [r["engine"][clock] / r["ours"][clock] for r in runs]
            facts = [(r["engine"][clock] + r["facts"][clock]) / r["ours"][clock]
                     for r in runs]
            report.update({
                f"cedar_engine_decisions_per_s{tail}": round(n / median_of("engine", clock)),
                f"cedar_with_facts_decisions_per_s{tail}": round(
                    n / statistics.median(r["engine"][clock] + r["facts"][clock]
                                          for r in runs)),
                f"ratio_ours_over_cedar_engine{tail}": round(statistics.median(engine), 3),
                f"ratio_ours_over_cedar_with_facts{tail}": round(statistics.median(facts), 3),
                f"ratios_engine_per_run{tail}": [round(x, 2) for x in engine],
                f"ratios_with_facts_per_run{tail}": [round(x, 2) for x in facts],
            })
        report.update({"verdict_mismatches": len(mismatches),
                       "first_mismatch": mismatches[0] if mismatches else None})
    report.update(bench_consents(n_consents, catalog))
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:41} {value}")
    return 1 if report.get("verdict_mismatches") or report["consents_verdict_mismatches"] \
        else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
