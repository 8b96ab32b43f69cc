"""Agreed exercises (gsomia.node.exercise): exercise traffic is taken only while the
exercise is active and accepted by this node, marked EXERCISE, and never taken as real."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import EPOCH, warning

from gsomia.errors import InputError
from gsomia.node import Directory, InProcessLink, Node, SimClock
from gsomia.node.exercise import ExerciseBook, ExercisePlan

PARTIES = ("JPN", "KOR", "USA")
T0 = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
SHA = "0" * 64


def _plan(participants=PARTIES, proposer="KOR") -> ExercisePlan:
    return ExercisePlan.from_dict({
        "exercise_id": "EX-0123456789ab", "name": "drill", "proposer": proposer,
        "participants": list(participants), "start": T0.isoformat(),
        "end": (T0 + dt.timedelta(hours=1)).isoformat(), "scenario": "2017-03-06",
        "scenario_sha256": SHA})


@dataclass
class Gate:
    """An exercise node's gate over a book, at a time the test sets."""

    book: ExerciseBook
    now: dt.datetime
    exercise_id: str = "EX-0123456789ab"

    def refusal(self) -> str | None:
        return self.book.refusal(self.exercise_id, self.now)


class Open:
    """A gate that always admits (the sending side in these tests)."""

    exercise_id = "EX-0123456789ab"

    def refusal(self) -> None:
        return None


# events: (what, party, good plan hash?, hours after the window start)
EVENTS = st.lists(st.tuples(
    st.sampled_from(["propose", "accept", "end", "traffic"]),
    st.sampled_from([*PARTIES, "CHN"]), st.booleans(),
    st.sampled_from([-1.0, 0.5, 2.0])), max_size=14)
PLANS = st.sampled_from([PARTIES, ("KOR", "USA"), ("JPN", "KOR")])


def _oracle(plan: ExercisePlan, proposed: bool, accepted: set[str], ended: bool,
            hours: float, me: str) -> bool:
    """Admitted, by the rule written out: plan known, every participant accepted it, no
    participant ended it, inside the window, and this node is a participant."""
    return (proposed and accepted >= set(plan.participants) and not ended
            and 0.0 <= hours <= 1.0 and me in plan.participants)


def _run(events, participants, on_traffic) -> None:
    plan = _plan(participants)
    book = ExerciseBook("JPN")
    proposed, ended, accepted = False, False, set()
    for what, party, good, hours in events:
        if what == "propose":
            try:
                book.propose(plan, party)
            except InputError:
                assert party != plan.proposer
                continue
            proposed = True
            accepted.add(party)
        elif what == "accept":
            book.accept(plan.exercise_id, party, plan.sha256 if good else SHA)
            if good:
                accepted.add(party)
            else:
                accepted.discard(party)
        elif what == "end":
            book.end(plan.exercise_id, party)
            ended = ended or party in plan.participants
        else:
            now = T0 + dt.timedelta(hours=hours)
            on_traffic(book, now, _oracle(plan, proposed, accepted, ended, hours, "JPN"))


@given(EVENTS, PLANS)
def test_the_book_admits_exactly_while_active_and_accepted_here(events, participants):
    def check(book, now, expected):
        assert (book.refusal("EX-0123456789ab", now) is None) == expected
    _run(events, participants, check)


@pytest.fixture(scope="module")
def pair(tmp_path_factory, party_keys, catalog):
    """KOR's and JPN's exercise nodes, and JPN's real node, on one SimClock."""
    tmp = tmp_path_factory.mktemp("exercise")
    clock = SimClock(EPOCH)
    directory = Directory(k.public() for k in party_keys.values())
    gate = Gate(ExerciseBook("JPN"), T0)
    jpn = Node("JPN", party_keys["JPN"], directory, catalog, tmp / "jpn-ex.sqlite", clock,
               exercise=gate)
    real = Node("JPN", party_keys["JPN"], directory, catalog, tmp / "jpn.sqlite", clock)
    kor = Node("KOR", party_keys["KOR"], directory, catalog, tmp / "kor-ex.sqlite", clock,
               routes={"JPN": "direct"}, exercise=Open())
    kor.connect("JPN", InProcessLink("JPN", jpn, clock, 0.0, sender="KOR"))
    yield kor, jpn, real, gate
    for n in (kor, jpn, real):
        n.close()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(EVENTS, PLANS)
def test_a_node_takes_exercise_traffic_only_while_active_and_accepted_by_it(
        pair, events, participants):
    kor, jpn, _, gate = pair

    def traffic(book, now, expected):
        gate.book, gate.now = book, now
        [rel] = kor.publish_warning(warning("X", 1.0))
        assert rel.status == "queued"
        assert jpn.store.has_envelope(rel.envelope_id) == expected
        if expected:
            [row] = jpn.store.inbox(kind="item", item_id=rel.item_id)
            assert row.marking["exercise"] == "EXERCISE EX-0123456789ab"
    _run(events, participants, traffic)


def test_exercise_items_are_marked_and_a_real_node_refuses_them(pair):
    kor, jpn, real, gate = pair
    [rel] = kor.publish_warning(warning("Y", 2.0), send=False)
    label, _ = kor.store.local_item(rel.item_id)
    assert label["privacy_mark"] == "EXERCISE EX-0123456789ab"
    wire = kor.store.outbox()[-1].wire
    receipt = real.receive(wire, peer="KOR")
    assert receipt.status == "rejected" and receipt.check == "exercise"
    assert "never takes nor releases it as real" in receipt.reason
    assert not real.items()


def test_an_exercise_node_refuses_unmarked_traffic(pair, party_keys, catalog, tmp_path):
    _, jpn, _, gate = pair
    book = ExerciseBook("JPN")
    plan = _plan()
    book.propose(plan, "KOR")
    for p in ("JPN", "USA"):
        book.accept(plan.exercise_id, p, plan.sha256)
    gate.book, gate.now = book, T0
    clock = SimClock(EPOCH)
    real_kor = Node("KOR", party_keys["KOR"], jpn.directory, catalog, tmp_path / "k.sqlite",
                    clock, routes={"JPN": "direct"})
    [rel] = real_kor.publish_warning(warning("Z", 3.0), send=False)
    receipt = jpn.receive(real_kor.store.outbox()[-1].wire, peer="KOR")
    real_kor.close()
    assert receipt.status == "rejected" and receipt.check == "exercise"
    assert "not marked EXERCISE EX-0123456789ab" in receipt.reason
    assert not jpn.store.inbox(kind="item", item_id=rel.item_id)


def test_a_plan_is_checked_field_by_field():
    with pytest.raises(InputError, match="plan.end"):
        ExercisePlan.from_dict({**_plan().to_dict(), "end": T0.isoformat()})
    with pytest.raises(InputError, match="plan.participants"):
        ExercisePlan.from_dict({**_plan().to_dict(), "participants": ["KOR"]})
    with pytest.raises(InputError, match="plan.on_end"):
        ExercisePlan.from_dict({**_plan().to_dict(), "on_end": "shred"})
