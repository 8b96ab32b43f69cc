"""Arrivals on a real-time clock (:mod:`gsomia.node.inbox` notes): a receive with
``deliver_now`` hands the item to the subscribers before its receipt is returned (the
HTTP inbox's way), and one without it is delivered by the inbox's arrival thread, which
stops with the node. On a :class:`~gsomia.node.SimClock` nothing is delivered before the
clock is advanced, ``deliver_now`` or not."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from gsomia.node import Node, SimClock, WallClock
from gsomia.node.clock import runs_in_real_time
from gsomia.sharing import Label, load_catalog
from gsomia.sharing.envelope import Envelope, Header, seal, sign
from gsomia.sharing.pki import init_pki, load_directory, load_party_keys
from gsomia.web.live import wait_until

SENT_AT = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    init_pki(root)
    return root


def _envelope(pki: Path, n: int) -> Envelope:
    jpn = load_party_keys(pki, "JPN")
    label = Label(item_id=f"JPN-arrival-{n}", originator="JPN", classification="極秘",
                  releasable_to=frozenset({"KOR"}), topic="dprk-missile-threat",
                  holder="JPN")
    signed = sign(jpn, "item", {"note": f"arrival {n}"}, SENT_AT, label)
    header = Header(f"arrival-{n}", "JPN", "KOR", SENT_AT, "direct", "KOR", "arrival", n)
    return seal(signed, header, load_directory(pki), jpn)


def _korea(pki: Path, tmp: Path, clock, got: list[str]) -> Node:
    return Node("KOR", load_party_keys(pki, "KOR"), load_directory(pki), load_catalog(),
                tmp / "kor.sqlite", clock, on_item=lambda item: got.append(item.item_id))


@pytest.mark.parametrize(("clock", "real_time"), [(WallClock(), True),
                                                   (SimClock(SENT_AT), False)],
                         ids=["wall", "simulated"])
def test_runs_in_real_time(clock, real_time):
    assert runs_in_real_time(clock) is real_time


def test_deliver_now_hands_the_item_before_the_receipt(pki, tmp_path):
    got: list[str] = []
    node = _korea(pki, tmp_path, WallClock(), got)
    try:
        receipt = node.receive(_envelope(pki, 1).to_wire(), peer="JPN", deliver_now=True)
        assert receipt.status == "accepted"
        assert got == ["JPN-arrival-1"]            # already handed, in this thread
        assert [i.item_id for i in node.items()] == ["JPN-arrival-1"]
    finally:
        node.close()


def test_arrival_thread_delivers_in_order_and_stops_with_the_node(pki, tmp_path):
    got: list[str] = []
    node = _korea(pki, tmp_path, WallClock(), got)
    try:
        for n in range(1, 6):
            assert node.receive(_envelope(pki, n).to_wire(), peer="JPN").status == "accepted"
        assert wait_until(lambda: len(got) == 5, 30.0)
        assert got == [f"JPN-arrival-{n}" for n in range(1, 6)]
    finally:
        node.close()
    assert not any(t.name == "gsomia-arrive-KOR" for t in threading.enumerate())


def test_simulated_clock_waits_for_its_time(pki, tmp_path):
    got: list[str] = []
    clock = SimClock(SENT_AT)
    node = _korea(pki, tmp_path, clock, got)
    try:
        receipt = node.receive(_envelope(pki, 1).to_wire(), clock.now_s() + 2.0,
                               peer="JPN", deliver_now=True)
        assert receipt.status == "accepted"
        assert got == []
        clock.advance_to(clock.now_s() + 2.0)
        assert got == ["JPN-arrival-1"]
    finally:
        node.close()
