"""``decide`` gives the recorded outcome on a fixed corpus of requests (issue 11 item 5).

The corpus is regenerated here from fixed seeds, never stored: the benchmark's 1,500
seeded requests (``benchmarks/bench_decisions.py``, ``make_requests(1500, 7)``: every
route, persons, consents) and 500 requests of :func:`drawn_cases` (``random.Random`` with
:data:`DRAWN_SEED`: parties, markings of every scheme — some not the originator's —,
releasability, topics, elements, every route spelling, dates around every entry into
force, suspension and renewal, persons with any clearance, consents of every scope and
state). ``data/decide_corpus.json`` holds, per request, the sha256 of the canonical JSON
of its outcome (``Decision.to_dict()``: verdict, every reason with its rule id, source and
detail, in order, the obligations, the marking, the agreements, the request; or the error
type and message when ``decide`` raises), recorded with ``gsomia.sharing.decision`` as it
was before the split into rule functions (commit 2847076), and one ``requests_sha256``
over the requests themselves. A mismatch names each request whose outcome changed (its
index in the corpus), with the request and the outcome now. The old outcome is not
stored: ``--show INDEX`` prints one request and its outcome, so running it here and in a
worktree of the last commit where this test passed shows what changed.

When a rule changes ON PURPOSE (its verdict, detail text, source, order, obligations…),
check the mismatches this test lists are exactly the intended ones, then rewrite the
file and commit it with the change::

    python tests/sharing/test_sharing_rules_equivalence.py            # list mismatches
    python tests/sharing/test_sharing_rules_equivalence.py --show 10  # one request, outcome
    python tests/sharing/test_sharing_rules_equivalence.py --write \\
        --source "gsomia.sharing.decide at <commit> (<what changed on purpose>)"

pytest never writes it (only ``--write`` in :func:`main` does). A change of the requests
themselves (this generator, the benchmark's ``make_requests``, the packaged catalog's
parties, markings or dates) also fails ``test_requests_are_the_recorded_ones``, which says
so; rewrite the file then only with a ``decide`` known unchanged (e.g. from a worktree of
the last commit where this test passed, with the new generator copied in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bench_support import load_benchmark
from gsomia.errors import GsomiaError, InputError
from gsomia.sharing import Consent, Label, Person, ReleaseRequest, decide, load_catalog

Case = tuple[ReleaseRequest, list[Consent]]

CORPUS = Path(__file__).parent / "data" / "decide_corpus.json"
BENCH_N, BENCH_SEED = 1500, 7
DRAWN_N, DRAWN_SEED = 500, 20261204

CATALOG = load_catalog()
PARTIES = tuple(CATALOG.schemes)
MARKINGS = tuple(m.text for s in CATALOG.schemes.values() for m in s.markings)
TOPICS = ("dprk-missile-threat", "dprk-nuclear-threat", "chinese-navy")
ELEMENTS = ("launch_point", "trajectory", "impact_point", "pre_launch_indication",
            "sensor_location")
# Every spelling Route.parse takes, and two in other case and with blanks.
ROUTES = ("direct", "tisa", "tisa_hub", "tisa-hub", "auto-hub", "auto_hub", "autohub",
          "TISA", " Auto-Hub ")
# Every date an agreement starts, is suspended, notified or renewed, and a day either side.
DAYS = sorted({d + dt.timedelta(days=k)
               for a in CATALOG.agreements.values()
               for d in (a.in_force_from, *(e.date for e in a.events))
               for k in (-1, 0, 1)})
FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2035, 12, 31)
RULE_KINDS = {"releasable_to", "route", "in_force", "classification", "originator_ceiling",
              "scope", "elements", "third_party_consent", "purpose", "personnel_clearance",
              "need_to_know", "contractor_facility"}


def drawn_cases(n: int, seed: int) -> list[Case]:
    """``n`` requests with their consents, drawn as the former Hypothesis strategy drew
    them, from ``random.Random(seed)``."""
    rng = random.Random(seed)
    out: list[Case] = []
    for _ in range(n):
        originator = rng.choice(PARTIES)
        holder = rng.choice(PARTIES)
        to = rng.choice([p for p in PARTIES if p != holder])
        own = [m.text for m in CATALOG.scheme(originator).markings]
        classification = rng.choice(own if rng.randrange(10) else MARKINGS)
        label = Label(
            item_id=rng.choice(["i1", "i2"]), originator=originator,
            classification=classification,
            releasable_to=frozenset(p for p in PARTIES if rng.random() < 0.5),
            topic=rng.choice(TOPICS), holder=holder,
            elements=tuple(rng.sample(ELEMENTS, rng.randint(0, 3))),
            purpose=rng.choice([None, "missile defence"]),
        )
        day = rng.choice(DAYS) if rng.random() < 0.5 else \
            FIRST_DAY + dt.timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))
        at = dt.datetime(day.year, day.month, day.day, rng.randint(0, 23), tzinfo=dt.UTC)
        person = None
        if rng.random() < 0.5:
            party = rng.choice([to, *PARTIES])
            scheme = CATALOG.scheme(rng.choice([party, party, party, *PARTIES]))
            person = Person(party, rng.choice([m.text for m in scheme.markings]),
                            frozenset(t for t in TOPICS if rng.random() < 0.5),
                            rng.random() < 0.5, rng.random() < 0.5)
        consents = []
        for k in range(rng.randint(0, 3)):
            try:
                consents.append(Consent(
                    f"c{k}", rng.choice([originator, *PARTIES]), rng.choice(PARTIES),
                    at - dt.timedelta(days=rng.randint(-30, 400)),
                    expires_at=rng.choice([None, at + dt.timedelta(days=5),
                                           at - dt.timedelta(days=1)]),
                    item_id=rng.choice([None, label.item_id, "other"]),
                    topic=rng.choice([None, *TOPICS]),
                    classifications=rng.choice([(), (classification,), tuple(own[:1])]),
                    written=rng.random() < 0.75,
                    revoked_at=rng.choice([None, at - dt.timedelta(hours=1),
                                           at + dt.timedelta(hours=1)])))
            except InputError:  # no scope, or expiring before granted: not a consent
                continue
        out.append((ReleaseRequest(label, to, at, rng.choice(ROUTES), person,
                                   rng.choice([None, "missile defence", "other"])), consents))
    return out


def _bench_cases(n: int, seed: int) -> list[Case]:
    return load_benchmark("bench_decisions").make_requests(n, seed, CATALOG)


@cache
def corpus() -> tuple[tuple[str, Case], ...]:
    """Every request of the corpus, in the recorded order, with a name for messages."""
    return (*((f"benchmark request {i}", c) for i, c in
              enumerate(_bench_cases(BENCH_N, BENCH_SEED))),
            *((f"drawn request {i}", c) for i, c in
              enumerate(drawn_cases(DRAWN_N, DRAWN_SEED))))


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def describe(case: Case) -> dict[str, Any]:
    """The request and its consents as JSON, field by field (not through the package's
    own serialisers, so a change there does not look like a change of the corpus)."""
    request, consents = case
    label, person = request.label, request.person
    return {
        "label": {"item_id": label.item_id, "originator": label.originator,
                  "classification": label.classification,
                  "releasable_to": sorted(label.releasable_to), "topic": label.topic,
                  "holder": label.holder, "elements": list(label.elements),
                  "purpose": label.purpose},
        "to": request.to, "at": _iso(request.at), "route": str(request.route),
        "person": None if person is None else {
            "party": person.party, "clearance": person.clearance,
            "need_to_know": sorted(person.need_to_know), "contractor": person.contractor,
            "facility_clearance": person.facility_clearance},
        "purpose": request.purpose,
        "consents": [{"consent_id": c.consent_id, "originator": c.originator, "to": c.to,
                      "granted_at": _iso(c.granted_at), "expires_at": _iso(c.expires_at),
                      "item_id": c.item_id, "topic": c.topic,
                      "classifications": list(c.classifications), "written": c.written,
                      "revoked_at": _iso(c.revoked_at)} for c in consents],
    }


def outcome(run: Callable[..., Any], case: Case) -> dict[str, Any]:
    """``run(request, catalog, consents).to_dict()``, or the error it raises."""
    request, consents = case
    try:
        return run(request, CATALOG, consents).to_dict()  # type: ignore[no-any-return]
    except GsomiaError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256(data: Any) -> str:
    return hashlib.sha256(canonical(data).encode()).hexdigest()


def requests_sha256() -> str:
    return sha256([describe(case) for _, case in corpus()])


def record(run: Callable[..., Any], source: str) -> dict[str, Any]:
    """The content of ``data/decide_corpus.json`` for the decide function ``run``."""
    return {
        "source": source,
        "generator": f"{Path(__file__).name}: benchmarks/bench_decisions.py "
                     f"make_requests({BENCH_N}, {BENCH_SEED}), then "
                     f"drawn_cases({DRAWN_N}, {DRAWN_SEED})",
        "seed": {"benchmark": BENCH_SEED, "drawn": DRAWN_SEED},
        "n": len(corpus()),
        "requests_sha256": requests_sha256(),
        "sha256": [sha256(outcome(run, case)) for _, case in corpus()],
    }


def mismatches(run: Callable[..., Any], recorded: Sequence[str]) -> list[str]:
    """One readable paragraph per request whose outcome's hash is not the recorded one."""
    out = []
    for index, ((name, case), expected) in enumerate(zip(corpus(), recorded, strict=True)):
        now = outcome(run, case)
        if sha256(now) != expected:
            out.append(f"#{len(out) + 1}: corpus index {index} ({name}): recorded sha256 "
                       f"{expected[:12]}…, now {sha256(now)[:12]}…\n"
                       f"request: {_line(describe(case))}\noutcome now:\n{_show(now)}")
    return out


def _line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _show(outcome: dict[str, Any]) -> str:
    """An outcome one line per key, and one line per reason and obligation."""
    lines = []
    for key, value in outcome.items():
        if key in ("reasons", "obligations") and value:
            lines.append(f"  {key}:")
            lines += [f"    {_line(item)}" for item in value]
        elif key != "request":  # already shown above, field by field
            lines.append(f"  {key}: {_line(value)}")
    return "\n".join(lines)


def _load() -> dict[str, Any]:
    return json.loads(CORPUS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_requests_are_the_recorded_ones() -> None:
    """The seeds still give the requests the hashes were recorded for."""
    data = _load()
    assert data["n"] == len(data["sha256"]) == len(corpus()) == BENCH_N + DRAWN_N
    assert data["seed"] == {"benchmark": BENCH_SEED, "drawn": DRAWN_SEED}
    assert data["requests_sha256"] == requests_sha256(), (
        "the generated requests are not those recorded (this generator, the benchmark's "
        "make_requests or the catalog changed): see the module docstring")


def test_decide_gives_the_recorded_outcomes() -> None:
    data = _load()
    bad = mismatches(decide, data["sha256"])
    if bad:
        shown = "\n\n".join(bad[:3])
        pytest.fail(f"{len(bad)} of {data['n']} outcomes differ from those recorded in "
                    f"{CORPUS.name} ({data['source']}); if on purpose, regenerate it "
                    f"(module docstring). The first {min(len(bad), 3)}:\n\n{shown}",
                    pytrace=False)


def test_corpus_is_not_vacuous() -> None:
    """Both verdicts, every kind of rule, every route, and errors occur in the corpus."""
    outcomes = [outcome(decide, case) for _, case in corpus()]
    decisions = [o for o in outcomes if "error" not in o]
    assert {d["permit"] for d in decisions} == {True, False}
    assert {r["rule"].split(":")[0] for d in decisions for r in d["reasons"]} == RULE_KINDS
    assert {d["request"]["route"] for d in decisions} == {"direct", "tisa_hub", "auto_hub"}
    assert {str(r.route) for _, (r, _) in corpus()} == {"direct", "tisa_hub", "auto_hub"}
    assert any("error" in o for o in outcomes)


def main(argv: list[str]) -> int:
    """List the requests whose outcome is not the recorded one; with ``--show INDEX``, print
    that request and its outcome; with ``--write --source TEXT``, rewrite
    ``data/decide_corpus.json`` from the current ``decide``."""
    if "--show" in argv:
        name, case = corpus()[int(argv[argv.index("--show") + 1])]
        print(f"{name}\nrequest: {_line(describe(case))}\noutcome:\n"
              f"{_show(outcome(decide, case))}")
        return 0
    if "--write" in argv:
        if "--source" not in argv or argv.index("--source") + 1 >= len(argv):
            print("--write needs --source TEXT (what decide is, and at which commit)")
            return 2
        source = argv[argv.index("--source") + 1]
        CORPUS.parent.mkdir(exist_ok=True)
        CORPUS.write_text(json.dumps(record(decide, source), indent=1, ensure_ascii=False)
                          + "\n", encoding="utf-8")
        print(f"wrote {CORPUS} ({len(corpus())} requests)")
        return 0
    data = _load()
    if data["requests_sha256"] != requests_sha256():
        print("the generated requests are not those recorded")
        return 1
    bad = mismatches(decide, data["sha256"])
    print("\n\n".join(bad) if bad else f"all {data['n']} outcomes as recorded")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
