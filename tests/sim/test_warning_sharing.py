"""Public warnings shared like any item (gsomia.sim.warnlog, gsomia.node.alerts): each log
entry is issued by its party's node and reaches the partners the agreements allow, on the
warning route, by the same delivery step; the real nodes and the planned delays agree."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gsomia.errors import InputError
from gsomia.node import AreaWarning
from gsomia.sharing import load_catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import plan_routes
from gsomia.sim.delivery.nodes import NodeDelivery
from gsomia.sim.delivery.planned import planned
from gsomia.sim.report import run_to_json
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.sim.warnlog import WarningRun
from gsomia.warning.alerts import WarningEntry, WarningPolicy
from scenario_support import launch_entry, write_scenario

#: Link delays of the scenario [s] (both ways given, so each arrival is known exactly).
LINKS = [("KOR", "JPN", 2.0), ("JPN", "KOR", 3.0), ("JPN", "USA", 1.5), ("USA", "JPN", 1.5),
         ("KOR", "USA", 1.0), ("USA", "KOR", 1.0)]
DELAY = {(a, b): d for a, b, d in LINKS}


def _entries() -> list[WarningEntry]:
    """A log of two entries of Japan and one of Korea (what the policy writes)."""
    return [WarningEntry("JPN", "L1", 100.0, "issue", ("JPN", "eez"), 0.6,
                         "may fall in JPN EEZ (p=0.60)"),
            WarningEntry("KOR", "L1", 110.0, "issue", ("KOR", "eez"), 0.4,
                         "may fall in KOR EEZ (p=0.40)"),
            WarningEntry("JPN", "L1", 150.0, "withdraw", ("JPN", "eez"), 0.05,
                         "predicted area no longer at risk (p=0.05)")]


def _scenario(tmp_path: Path, epoch: dt.datetime | None = None):
    kw = {} if epoch is None else {"epoch": epoch}
    return load_scenario(write_scenario(tmp_path / "s.toml", links=LINKS,
                                        launches=[launch_entry(bearing_deg=80.0)], **kw))


def _shared(sc, route: str, delivery) -> WarningRun:
    run = WarningRun(route, WarningPolicy(), _entries())
    cat = load_catalog()
    plan = plan_routes(sc, cat, routes=(route,))[route]
    run.record(delivery(run.items(sc.parties), plan, sc, cat))
    return run


@pytest.mark.parametrize("delivery", [NodeDelivery(), planned], ids=["nodes", "planned"])
def test_each_entry_reaches_the_partners_after_the_link_delay(tmp_path, delivery) -> None:
    sc = _scenario(tmp_path)
    run = _shared(sc, "direct", delivery)
    got = {(w["party"], w["t_s"], w["action"]): w["received"] for w in run.to_json()}
    assert got == {
        ("JPN", 100.0, "issue"): {"KOR": 103.0, "USA": 101.5},
        ("KOR", 110.0, "issue"): {"JPN": 112.0, "USA": 111.0},
        ("JPN", 150.0, "withdraw"): {"KOR": 153.0, "USA": 151.5}}
    none = _shared(sc, "none", delivery)
    assert [w["received"] for w in none.to_json()] == [{}, {}, {}]


@pytest.mark.parametrize("delivery", [NodeDelivery(), planned], ids=["nodes", "planned"])
def test_a_release_the_agreements_refuse_is_not_delivered(tmp_path, delivery) -> None:
    """On 2016-09-05 the Japan–Korea GSOMIA (23 Nov 2016) was not in force: Japan's and
    Korea's warnings reach the US under their bilaterals, never each other directly."""
    sc = _scenario(tmp_path, dt.datetime(2016, 9, 5, 3, 0, tzinfo=dt.UTC))
    run = _shared(sc, "direct", delivery)
    assert [sorted(w["received"]) for w in run.to_json()] == [["USA"], ["USA"], ["USA"]]


def test_the_payload_is_checked_and_read_back() -> None:
    e = _entries()[0]
    epoch = dt.datetime(2017, 3, 5, 22, 34, tzinfo=dt.UTC)
    aw = AreaWarning("alert-L1-100000", epoch, e).validate()
    back = AreaWarning.from_dict(json.loads(json.dumps(aw.to_dict())), "JPN")
    assert back == aw and back.entry == e and aw.elements == ("impact_point",)
    bad = {**aw.to_dict(), "p": 1.5}
    with pytest.raises(InputError, match=r"area_warning\.p"):
        AreaWarning.from_dict(bad, "JPN")
    with pytest.raises(InputError, match=r"area_warning\.area\.zone"):
        AreaWarning.from_dict({**aw.to_dict(), "area": {"country": "JPN", "zone": "sea"}},
                              "JPN")


@pytest.mark.slow
def test_a_run_shares_its_warnings_on_the_warning_route(tmp_path) -> None:
    """The whole run (real nodes): every entry reaches each partner after its issue time
    (the link delay exactly), the planned delivery of the same entries gives the same
    arrivals, and the JSON and its ``received`` say so."""
    sc = _scenario(tmp_path)
    res = run_scenario(sc, RunConfig(routes=("none", "direct"), pip_tail_interval_s=60.0))
    assert res.alerts is not None and res.alerts.route == "direct"
    entries = res.alerts.entries
    assert any(e.party == "JPN" for e in entries), [e.to_dict() for e in entries]
    for e in entries:
        got = res.alerts.received[(e.party, e.launch, e.t_s)]
        assert got == {q: pytest.approx(e.t_s + DELAY[(e.party, q)])
                       for q in sc.parties if q != e.party}
    cat = load_catalog()
    again = WarningRun("direct", res.alerts.policy, list(entries))
    again.record(planned(again.items(sc.parties), res.plans["direct"], sc, cat))
    assert again.received == res.alerts.received
    doc = json.loads(json.dumps(run_to_json(res)))
    assert all(w["received"] for w in doc["warnings"])
