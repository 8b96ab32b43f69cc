"""For any set of holders (Japan directly or through the automated hub), any sequence of
originator notices and any order and duplication of their deliveries (also along other
paths), every holder ends in exactly the state of the
originator's last notice, with exactly one marking (Art. 6(d)–(h); the later notice wins,
gsomia.sharing.events); a notice signed by a holder changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.node import Directory, InProcessLink, Node, PartyKeys, SimClock
from gsomia.sharing import load_catalog
from gsomia.sharing.envelope import Header, seal, sign

EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)
PARTIES = ("JPN", "KOR", "USA")
KEYS = {p: PartyKeys.generate(p) for p in PARTIES}
CATALOG = load_catalog()
#: Each holder's equivalent of a Korean marking (Art. 4(2) of each bilateral agreement).
EQUIVALENT = {"JPN": {"군사II급비밀": "極秘", "군사III급비밀": "秘"},
              "USA": {"군사II급비밀": "SECRET", "군사III급비밀": "CONFIDENTIAL"}}
STEPS = st.sampled_from([("reclassify", "군사II급비밀"), ("reclassify", "군사III급비밀"),
                         ("downgrade", "군사III급비밀"), ("declassify", None)])
LAST = st.sampled_from([None, ("recall", None), ("destroy", None)])


def _nodes():
    clock = SimClock(EPOCH)
    directory = Directory(k.public() for k in KEYS.values())
    nodes = {p: Node(p, KEYS[p], directory, CATALOG, ":memory:", clock) for p in PARTIES}
    for a in PARTIES:
        for b in PARTIES:
            if a != b:
                nodes[a].connect(b, InProcessLink(b, nodes[b], clock, 0.25, sender=a))
    return clock, nodes


def _expected_ok(node, item_id, last) -> bool:
    with node.lock:
        rows = node.store.inbox(kind="item", item_id=item_id)
    listed = [i for i in node.items() if i.item_id == item_id]
    action, marking = last
    if action in ("recall", "destroy"):
        removed = {"recall": "recalled", "destroy": "destroyed"}[action]
        return not listed and all((r.status, r.payload, r.jws) == (removed, {}, "")
                                  for r in rows)  # the hub's relayed copies too
    mine = [r for r in rows if r.final == node.party]  # not the copies it relayed as hub
    if len(listed) != 1 or len(mine) != 1:
        return False
    if action == "declassify":
        return listed[0].marking.get("declassified") is True
    return (listed[0].label.classification == marking
            and listed[0].marking["classification"] == EQUIVALENT[node.party][marking])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(holders=st.sets(st.sampled_from(["JPN", "USA"]), min_size=1),
       japan_route=st.sampled_from(["direct", "auto_hub"]),
       steps=st.lists(STEPS, min_size=1, max_size=4), last=LAST, data=st.data())
def test_every_holder_ends_in_the_last_notices_state_whatever_the_delivery_order(
        holders, japan_route, steps, last, data):
    clock, nodes = _nodes()
    kor = nodes["KOR"]
    try:
        label = kor.create_item({"plan": "neo"}, classification="군사II급비밀",
                                releasable_to=["JPN", "USA"], topic="dprk-missile-threat",
                                elements=("impact_point",))
        for h in sorted(holders):  # Japan directly or through the automated hub (USA)
            kor.release(label.item_id, h, japan_route if h == "JPN" else "direct")
        clock.run()
        issued = []
        for step in [*steps, *([last] if last else [])]:
            try:
                kor.act(label.item_id, *step, send=False)
            except InputError:  # e.g. a downgrade to the marking it already has
                continue
            issued.append(step)
        if not issued:
            return
        at = EPOCH + dt.timedelta(seconds=clock.now_s())
        deliveries = []
        for row in kor.store.pending():  # the outbox's envelopes, to their next hop
            deliveries.append((row.peer, row.wire))
        for n in kor.store.notices(item_id=label.item_id):  # the same notices by other paths
            for h in holders:
                header = Header(uuid.uuid4().hex, "KOR", h, at, "direct", h,
                                f"path:{uuid.uuid4().hex}", 1)
                deliveries.append((h, seal(n["jws"], header, kor.directory,
                                           kor.keys).to_wire()))
        order = data.draw(st.permutations(deliveries))
        extra = data.draw(st.lists(st.sampled_from(deliveries), max_size=4))
        for holder, wire in [*order, *extra]:
            nodes[holder].receive(wire, peer="KOR")
        clock.run()
        kor.flush()
        clock.run()
        for h in holders:
            assert _expected_ok(nodes[h], label.item_id, issued[-1]), (h, issued)
        # a holder forging a later notice changes nothing at the other holder
        if holders == {"JPN", "USA"}:
            forged = {"notice_id": uuid.uuid4().hex, "item_id": label.item_id,
                      "originator": "JPN", "action": "declassify",
                      "new_classification": None, "seq": 99, "issued_at": at.isoformat()}
            header = Header(uuid.uuid4().hex, "JPN", "USA", at, "direct", "USA", "forge", 1)
            wire = seal(sign(KEYS["JPN"], "notice", forged, at), header, kor.directory,
                        KEYS["JPN"]).to_wire()
            assert nodes["USA"].receive(wire, peer="JPN").status == "rejected"
            clock.run()
            assert _expected_ok(nodes["USA"], label.item_id, issued[-1])
    finally:
        for node in nodes.values():
            node.close()
