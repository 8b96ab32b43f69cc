"""Store-and-forward never gives up, and one peer never stops the others (SimClock,
in-process links)."""

from __future__ import annotations

import math

import pytest
from node_support import warning

from gsomia.errors import InputError
from gsomia.node import Directory, Node, PartyKeys, RetryPolicy


def test_backoff_stays_at_max_forever():
    policy = RetryPolicy()
    assert policy.delay_s(1) == pytest.approx(0.05)
    for n in (7, 1_024, 1_025, 1_026, 5_000, 10**9):
        assert policy.delay_s(n) == policy.max_s
    assert RetryPolicy(base_s=0.05, factor=1.5, max_s=30.0).delay_s(10**6) == 30.0
    assert all(math.isfinite(RetryPolicy(0.01, 10.0, 5.0).delay_s(n)) for n in range(1, 500))


def test_a_peer_down_for_hours_never_stops_the_others_and_loses_nothing(net):
    kor = net.nodes["KOR"]
    net.links[("KOR", "JPN")].up = False
    kor.publish_warning(warning("T1", 1.0))
    # JPN down for ~1 h: far past the ~1,025 attempts after which 2.0**n overflowed
    net.clock.advance_to(net.clock.now_s() + 3_600.0)
    [row] = [r for r in kor.store.pending() if r.peer == "JPN"]
    assert row.attempts > 1_100
    kor.publish_warning(warning("T2", 2.0))  # USA still served during the outage
    net.clock.advance_to(net.clock.now_s() + 5.0)
    assert [w.t_s for _, w, _ in net.got["USA"]] == [1.0, 2.0]
    assert net.got["JPN"] == []
    net.links[("KOR", "JPN")].up = True
    net.clock.advance_to(net.clock.now_s() + 5.0)
    assert [w.t_s for _, w, _ in net.got["JPN"]] == [1.0, 2.0]
    assert kor.outbox_counts()["pending"] == 0


def test_a_partner_without_keys_never_fails_a_publish_to_the_others(net):
    kor = net.nodes["KOR"]
    directory = kor.directory
    gbr = PartyKeys.generate("GBR").public()
    kor.directory = Directory([*(directory.get(p) for p in directory.parties), gbr])
    kor.routes = {**kor.routes, "GBR": "direct"}
    kor.directory = directory  # GBR's keys withdrawn after its route was set
    releases = {r.to: r for r in kor.publish_warning(warning("T3", 3.0))}
    assert releases["GBR"].status == "denied"
    assert [x.rule for x in releases["GBR"].decision.failed] == ["directory"]
    assert releases["JPN"].status == releases["USA"].status == "queued"
    net.clock.advance_to(net.clock.now_s() + 5.0)
    assert [w.t_s for _, w, _ in net.got["USA"]] == [3.0]


def test_a_route_to_a_party_without_keys_or_to_itself_is_refused_at_start(net):
    kor = net.nodes["KOR"]
    for routes, field in (({"GBR": "direct"}, "routes.GBR"), ({"KOR": "direct"}, "routes.KOR")):
        with pytest.raises(InputError, match=field):
            Node("KOR", kor.keys, kor.directory, kor.catalog, kor.store, net.clock,
                 routes=routes)


def test_a_malformed_warning_is_never_signed(net):
    kor = net.nodes["KOR"]
    before = len(kor.store.outbox())
    good = warning("T4", 4.0)
    for field, value in (("t_s", math.nan), ("t_s", math.inf), ("launch_point", "x")):
        bad = type(good)(**{**{f: getattr(good, f) for f in
                               ("track_id", "epoch", "t_s", "launch_point", "trajectory",
                                "impact_point")}, field: value})
        with pytest.raises(InputError, match=f"warning.{field}"):
            kor.publish_warning(bad)
    with pytest.raises(InputError, match="warning.launch_point.lat_deg"):
        type(good).from_dict({**good.to_dict(), "launch_point": {
            **good.launch_point, "lat_deg": 1e400}})
    assert len(kor.store.outbox()) == before
