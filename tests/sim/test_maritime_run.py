"""Submarine contacts in a run: decided by the same rules as every item, delivered by the
nodes as by the planned step, refused to a third party, cueing the radars; and a run with
and without Japan's maritime sources on the 2016-08-24 SLBM scenario."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from gsomia.node.contacts import CONTACT_ELEMENTS, SubmarineContact
from gsomia.sharing import Label, ReleaseRequest, Route, decide, load_catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import RouteConfig, plan_routes
from gsomia.sim.delivery.nodes import NodeDelivery
from gsomia.sim.delivery.planned import deliver_planned, planned
from gsomia.sim.maritime import (
    contact_items,
    cue_groups,
    cue_table,
    maritime_block,
    without_maritime,
)
from gsomia.sim.observe import observe
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario

CNS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cns" / "test.en.json"


@pytest.mark.parametrize(("name", "cns_date"), [("2016-08-24", "2016-08-23"),
                                                ("2021-10-19", "2021-10-19"),
                                                ("2022-05-07", "2022-05-07")])
def test_slbm_scenarios_carry_the_cns_record(name, cns_date):
    records = [r for b in json.loads(CNS.read_text())["timeBins"] for r in b["data"]
               if r["date"] == cns_date and r["facility"] == "sinpo"]
    (rec,) = records
    sc = load_scenario(name)
    (launch,) = sc.launches
    hh, mm = (int(x) for x in rec["time"].split()[0].split(":"))
    t = sc.epoch + dt.timedelta(seconds=launch.t_s)
    assert (t.date().isoformat(), t.hour, t.minute) == (cns_date, hh, mm)
    assert launch.range_m == 1e3 * float(rec["distance"])
    assert launch.bearing_deg == float(rec["bearing"])
    if rec["apogee"] != "unknown":
        assert launch.apogee_m == 1e3 * float(rec["apogee"])
    assert (launch.lat_deg, launch.lon_deg) == (40.0368, 128.1839)   # facility sinpo
    (sub,) = sc.submarines
    # the boat fires from the water 1.6 km SSE of the facility point (which is on land)
    assert sub.launch == "L1" and sub.position(launch.t_s) == (40.0228, 128.1899)
    assert {s.owner for s in sc.maritime} == {"JPN"}


@pytest.fixture(scope="module")
def slbm21():
    return load_scenario("2021-10-19")


def test_contact_payload_round_trips_through_its_schema(slbm21):
    items = contact_items(slbm21, 7200.0)
    assert items["JPN"] and not items["KOR"] and not items["USA"]
    c = items["JPN"][0].contact
    p = SubmarineContact("c-1", slbm21.epoch, c.t_s, c.contact_t_s, c.sensor_id, c.how,
                         c.lat_deg, c.lon_deg, c.sigma_m).validate()
    assert SubmarineContact.from_dict(p.to_dict()) == p
    assert "truth" not in str(p.to_dict())          # the true submarine never travels


def test_contacts_go_direct_under_the_gsomia_and_never_through_the_automated_hub(slbm21):
    plans = plan_routes(slbm21, load_catalog(), RouteConfig(ignore_dates=True))
    assert plans[Route.DIRECT].delay("JPN", "KOR", "contacts") == 2.0
    auto = plans[Route.AUTO_HUB]
    assert auto.delay("JPN", "KOR", "warning") is not None   # warnings relayed in 2024
    assert auto.delay("JPN", "KOR", "contacts") is None      # pre-launch indication: never
    path = next(p for p in auto.paths if (p.originator, p.recipient) == ("JPN", "KOR"))
    assert any("pre_launch_indication" in r for r in path.contacts_reasons)


def test_a_contact_is_refused_to_a_third_party():
    cat = load_catalog()
    at = dt.datetime(2021, 10, 19, tzinfo=dt.UTC)
    label = Label(item_id="contact-1", originator="JPN", classification="秘",
                  releasable_to=frozenset({"KOR"}), topic="dprk-missile-threat",
                  holder="JPN", created=at, elements=CONTACT_ELEMENTS,
                  purpose="missile-warning")
    to_kor = decide(ReleaseRequest(label, "KOR", at, route=Route.DIRECT,
                                   purpose="missile-warning"), cat)
    to_usa = decide(ReleaseRequest(label, "USA", at, route=Route.DIRECT,
                                   purpose="missile-warning"), cat)
    assert to_kor.permit
    assert not to_usa.permit                          # not Releasable To the US


def test_nodes_deliver_contacts_as_the_planned_step(slbm21):
    cat = load_catalog()
    plans = plan_routes(slbm21, cat)
    items = contact_items(slbm21, 7200.0)
    for route in (Route.DIRECT, Route.TISA_HUB):
        nodes = NodeDelivery()(items, plans[route], slbm21, cat)
        plan = deliver_planned(items, plans[route])
        assert [(d.t_s, d.to, d.item.contact.sensor_id) for d in nodes] == \
            [(d.t_s, d.to, d.item.contact.sensor_id) for d in plan]
        assert all(d.item.contact.truth_id == "SUB1" for d in nodes)   # put back, scoring


def test_japans_contact_shortens_the_revisit_of_koreas_radars_on_the_launch(slbm21):
    cat = load_catalog()
    plans = plan_routes(slbm21, cat)
    items = contact_items(slbm21, 7200.0)
    cues, first = cue_table(items, {Route.DIRECT: planned(items, plans[Route.DIRECT],
                                                         slbm21, cat)})
    assert first["KOR"]["route"] == "direct" and first["JPN"]["route"] == "own"
    assert first["KOR"]["t_s"] == first["JPN"]["t_s"] + 2.0     # the 2 s JPN->KOR link
    plain, cued = observe(slbm21), observe(slbm21, cues=cues)
    kor = [s for s in slbm21.sensors if s.owner == "KOR"]
    def revisits(obs, sid):
        t = sorted({d.t_s for d in obs.detections if d.sensor_id == sid and d.truth_id})
        return min(b - a for a, b in zip(t, t[1:], strict=False))
    seen = [s.id for s in kor if sum(d.sensor_id == s.id and d.truth_id == "L1"
                                     for d in cued.detections) > 1]
    assert seen and all(revisits(cued, sid) < revisits(plain, sid) for sid in seen)


@pytest.mark.slow
def test_run_with_and_without_japans_maritime_sources():
    sc = load_scenario("2016-08-24")
    cfg = RunConfig(warnings=False, area_samples=100)
    with_run = run_scenario(sc, cfg, delivery=planned)
    groups = cue_groups(with_run.contacts, with_run.contact_deliveries)
    # 2016-08-24: no Japan-ROK GSOMIA yet: direct and the automated hub carry Japan's
    # contacts to the US alone, TISA to Korea too; none: own contacts only
    assert groups == {"none": "none", "tisa_hub": "tisa_hub", "auto_hub": "auto_hub",
                      "direct": "auto_hub"}
    runs = {r: run_scenario(sc, cfg, delivery=planned, cue_route=r)
            for r in ("none", "tisa_hub", "auto_hub")}
    without = run_scenario(without_maritime(sc, "JPN"), cfg, delivery=planned)
    block = maritime_block({r: runs[f] for r, f in groups.items()}, without, "JPN",
                           lambda v: v)
    assert block["sources"] == ["jpn-p1-sinpo-approaches", "jpn-ss-sinpo-barrier"]
    assert block["cues"]["tisa_hub"]["KOR"]["route"] == "tisa_hub"
    # direct shares the automated hub's run (same cues) but its cues are named direct
    assert block["cues"]["direct"]["USA"]["route"] == "direct"
    assert block["cues"]["auto_hub"]["USA"]["route"] == "auto_hub"
    assert block["cues"]["direct"]["USA"]["t_s"] == block["cues"]["auto_hub"]["USA"]["t_s"]
    assert block["cues"]["direct"]["JPN"]["route"] == "own"
    assert "KOR" not in block["cues"]["direct"] and "KOR" not in block["cues"]["none"]
    assert "KOR" not in block["cues_without"]
    # Korea is cued by Japan's contacts on tisa_hub only: elsewhere its radars see the
    # same with and without them (same draws, same scans)
    for route in ("none", "auto_hub", "direct"):
        for figure in block["launches"][0]["parties"]["KOR"][route].values():
            assert figure["gain_s"] in (0.0, None)
    kor = block["launches"][0]["parties"]["KOR"]["tisa_hub"]
    for figure in kor.values():
        if figure["gain_s"] is not None:
            assert figure["gain_s"] == figure["without"] - figure["with"]
    assert dataclasses.asdict(without.scenario.submarines[0]) == \
        dataclasses.asdict(sc.submarines[0])
