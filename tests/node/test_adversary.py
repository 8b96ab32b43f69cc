"""The adversarial holder (:mod:`gsomia.web.adversary`) against real nodes on a SimClock:
every attempt rejected and audited; and, for any sequence of legitimate operations
(publish, release, approve, onward release, derived items) mixed with the adversary's
attempts, no node ends up holding an item its Originating Party did not release to it or
consent to (Art. 6; TISA para 4; agreements.md §4)."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import EPOCH, PARTIES, warning

from gsomia.errors import GsomiaError
from gsomia.node import WARNING_TOPIC, Directory, InProcessLink, Node, Route, SimClock
from gsomia.sharing.envelope import Header, seal
from gsomia.web.adversary import ATTEMPT_KINDS, run_attempts

MARKS = {"KOR": "군사II급비밀", "JPN": "極秘", "USA": "SECRET"}


def _nodes(catalog, party_keys, tmp) -> tuple[SimClock, dict[str, Node]]:
    clock = SimClock(EPOCH)
    directory = Directory(k.public() for k in party_keys.values())
    nodes = {p: Node(p, party_keys[p], directory, catalog,
                     f"sqlite:///{tmp}/{p}-{uuid.uuid4().hex[:6]}.sqlite", clock)
             for p in PARTIES}
    for a in PARTIES:
        for b in PARTIES:
            if a != b:
                nodes[a].connect(b, InProcessLink(b, nodes[b], clock, 0.5, sender=a))
    clock.advance_to(10.0)
    return clock, nodes


def _permitted(nodes: dict[str, Node], originator: str, item_id: str, party: str) -> bool:
    """The originator's own records: it released ``item_id`` to ``party`` (an outbox row
    for that final recipient, or to that hub) or signed a consent for it (Art. 6)."""
    node = nodes[originator]
    with node.lock:
        released = any(r.kind == "item" and r.item_id == item_id and party in (r.final, r.peer)
                       for r in node.store.outbox())
        consented = any(b.get("item_id") == item_id and b.get("to") == party and j
                        for b, j in node.store.consents())
    return released or consented


def _leaks(nodes: dict[str, Node]) -> list[tuple[str, str, str]]:
    """``(party, item, originator)`` of every item a party holds (delivered, or held as a
    hub for a final recipient) that its originator did not permit, sources of derived
    items included."""
    out = []
    for party, node in nodes.items():
        with node.lock:
            rows = [r for r in node.store.inbox(kind="item")]
        for row in rows:
            if row.final != party and not _permitted(nodes, row.originator, row.item_id,
                                                     row.final):
                out.append((row.final, row.item_id, row.originator))
            if row.originator != party and not _permitted(nodes, row.originator,
                                                          row.item_id, party):
                out.append((party, row.item_id, row.originator))
            for src in (row.label or {}).get("derived_from", []):
                if src["originator"] != party and not _permitted(
                        nodes, src["originator"], src["item_id"], party):
                    out.append((party, src["item_id"], src["originator"]))
    return out


def test_every_attempt_of_the_adversarial_holder_is_rejected_and_audited(catalog, party_keys,
                                                                         tmp_path):
    clock, nodes = _nodes(catalog, party_keys, tmp_path)
    report = run_attempts(nodes)
    assert list(report) == list(ATTEMPT_KINDS)
    for kind, counts in report.items():
        if kind == "forged_notice" and counts["sent"] == 0:
            continue  # the signed kinds have no notice: nothing to forge
        assert counts["sent"] >= 1, kind
        assert counts["rejected"] == counts["sent"], (kind, counts)
        assert counts["audited"] == counts["sent"], (kind, counts)
        assert counts["delivered"] == 0, (kind, counts)
    assert _leaks(nodes) == []
    # the originator's own releases went through meanwhile
    assert len(nodes["JPN"].items()) == 2 and len(nodes["USA"].items()) == 1
    for node in nodes.values():
        assert node.audit.verify().ok
        node.close()


_party = st.sampled_from(PARTIES)
_route = st.sampled_from([Route.DIRECT, Route.TISA_HUB, Route.AUTO_HUB])
_op = st.one_of(
    st.tuples(st.just("publish"), _party, st.dictionaries(_party, _route, max_size=2)),
    st.tuples(st.just("item"), _party, st.frozensets(_party, max_size=3), _party),
    st.tuples(st.just("approve"), st.integers(0, 9), _party, _route,
              st.none() | _party),
    st.tuples(st.just("onward"), _party, st.integers(0, 9), _party, _route),
    st.tuples(st.just("derive"), _party, st.integers(0, 9), st.frozensets(_party), _party),
    st.tuples(st.just("handmade"), _party, st.integers(0, 9), _party, _route, _party),
    st.tuples(st.just("advance"), st.floats(0.1, 5.0)),
)


def _apply(op: tuple, clock: SimClock, nodes: dict[str, Node], made: list[tuple[str, str]]
           ) -> None:
    """Long because it is the table of operations: one legitimate or adversarial step;
    refusals (GsomiaError) are part of the game."""
    kind, *args = op
    try:
        if kind == "publish":
            party, routes = args
            node = nodes[party]
            node.routes = {p: r for p, r in routes.items() if p != party}
            for rel in node.publish_warning(warning(f"T{len(made)}")):
                made.append((party, rel.item_id))
        elif kind == "item":
            party, rel_to, to = args
            label = nodes[party].create_item({"n": len(made), "who": party},
                                             classification=MARKS[party],
                                             releasable_to=rel_to - {party},
                                             topic=WARNING_TOPIC, elements=("impact_point",))
            made.append((party, label.item_id))
            if to != party:
                nodes[party].release(label.item_id, to, Route.DIRECT)
        elif kind == "approve" and made:
            originator, item_id = made[args[0] % len(made)]
            to, route, holder = args[1:]
            if to != originator and holder != originator:
                nodes[originator].approve(item_id, to, route, holder=holder)
        elif kind == "onward" and made:
            holder, index, to, route = args
            if to != holder:
                nodes[holder].release(made[index % len(made)][1], to, route)
        elif kind == "derive" and made:
            holder, index, rel_to, to = args
            label = nodes[holder].create_item(
                {"fused": len(made)}, classification=MARKS[holder],
                releasable_to=rel_to - {holder}, topic=WARNING_TOPIC,
                derived_from=[made[index % len(made)][1]])
            made.append((holder, label.item_id))
            if to != holder:
                nodes[holder].release(label.item_id, to, Route.DIRECT)
        elif kind == "handmade" and made:
            holder, index, to, route, final = args
            rows = nodes[holder].store.inbox(kind="item", item_id=made[index % len(made)][1])
            if rows and to != holder:
                at = EPOCH + dt.timedelta(seconds=clock.now_s())
                eid = uuid.uuid4().hex
                header = Header(eid, holder, to, at, route.value, final, f"h:{eid}", 1)
                node = nodes[holder]
                node.links[to].send(seal(rows[0].jws, header, node.directory, node.keys))
        elif kind == "advance":
            clock.advance_to(clock.now_s() + args[0])
    except GsomiaError:
        pass


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(ops=st.lists(_op, min_size=1, max_size=12), attack_at=st.integers(0, 12))
def test_no_sequence_delivers_an_item_the_originator_did_not_permit(
        catalog, party_keys, tmp_path, ops, attack_at):
    clock, nodes = _nodes(catalog, party_keys, tmp_path)
    made: list[tuple[str, str]] = []
    try:
        for i, op in enumerate(ops):
            if i == attack_at:
                report = run_attempts(nodes)
                assert all(c["delivered"] == 0 for c in report.values()), report
            _apply(op, clock, nodes, made)
        clock.advance_to(clock.now_s() + 10.0)
        assert _leaks(nodes) == []
    finally:
        for node in nodes.values():
            node.close()
