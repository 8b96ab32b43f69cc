"""A sender publishing while the receiver is restarted (with ``resume()`` called once,
twice, or later, after it took envelopes), its link goes down and up, and its store
refuses every delivery or one item's for a while, in any interleaving (Hypothesis): the
receiver's subscriber gets every warning once, in the order published."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import warning

from gsomia.node import Node
from gsomia.node.links import MAX_BATCH_ENVELOPES

STEPS = st.lists(st.sampled_from(
    ["publish", "publish", "publish", "advance", "advance_short", "restart",
     "restart_resume_twice", "restart_resume_late", "resume", "link_down", "link_up",
     "refuse", "refuse_last", "allow"]),
    min_size=5, max_size=40)


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: the refusal below is a SQLite trigger."""
    return lambda name: f"sqlite:///{tmp_path / name}.sqlite"


def _refuse(db, envelope_id: str | None = None) -> None:
    """Make ``db`` refuse to mark items delivered (only ``envelope_id`` when given)."""
    only = "" if envelope_id is None else f" AND NEW.envelope_id = '{envelope_id}'"
    db.execute("CREATE TRIGGER refuse_all BEFORE UPDATE OF status ON inbox WHEN "
               f"NEW.status = 'delivered'{only} BEGIN SELECT RAISE(ABORT, 'refused'); END")


def _restart_unresumed(net):
    """``net.restart("JPN")`` with its ``resume()`` left for later: the new node takes
    envelopes at once (a live node's server starts before its resume)."""
    resume = Node.resume
    Node.resume = lambda self: None
    try:
        return net.restart("JPN")
    finally:
        Node.resume = resume


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_interleaving_delivers_each_warning_once_in_order(net, steps):
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    link = net.links[("KOR", "JPN")]
    link.max_batch = MAX_BATCH_ENVELOPES  # a backlog goes in batches
    before = len(net.got["JPN"])
    sent: list[str] = []
    refused = False
    for step in steps:
        jpn = net.nodes["JPN"]
        if step == "publish":
            sent.append(kor.publish_warning(warning(f"T{len(sent)}", 10.0))[0].item_id)
        elif step == "advance":
            net.clock.advance_to(net.clock.now_s() + 1.5)
        elif step == "advance_short":
            net.clock.advance_to(net.clock.now_s() + 0.25)
        elif step == "restart":
            net.restart("JPN")
        elif step == "restart_resume_twice":
            net.restart("JPN").resume()
        elif step == "restart_resume_late":
            _restart_unresumed(net)
        elif step == "resume":
            jpn.resume()
        elif step == "link_down":
            link.up = False
        elif step == "link_up":
            link.up = True
        elif step == "refuse" and not refused:
            _refuse(jpn.store.db)
            refused = True
        elif step == "refuse_last" and not refused and sent:
            _refuse(jpn.store.db, kor.store.outbox()[-1].envelope_id)
            refused = True
        elif step == "allow" and refused:
            jpn.store.db.execute("DROP TRIGGER refuse_all")
            refused = False
    if refused:
        net.nodes["JPN"].store.db.execute("DROP TRIGGER refuse_all")
    net.nodes["JPN"].resume()
    link.up = True
    net.clock.advance_to(net.clock.now_s() + 600.0)
    kor.flush()
    net.clock.advance_to(net.clock.now_s() + 600.0)
    assert [item.item_id for _, _, item in net.got["JPN"][before:]] == sent
    assert kor.outbox_counts()["pending"] == 0
