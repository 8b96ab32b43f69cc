"""Arrivals reach the subscriber once each, in the order stored, whatever order a clock
runs its timers in (a wall clock runs each on its own thread), and a failure after a
commit (a checkpoint the store refuses) never loses a committed step's deliveries."""

from __future__ import annotations

import random
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import warning

from gsomia.node import SimClock


class ShuffledClock(SimClock):
    """A SimClock that runs the callbacks due at one time in a drawn order, as timer
    threads started together may run in any order."""

    def __init__(self, *args, rng: random.Random, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rng = rng

    def advance_to(self, t_s: float) -> int:
        n = 0
        while self._queue and self._queue[0][0] <= t_s:
            when = self._queue[0][0]
            due = []
            while self._queue and self._queue[0][0] == when:
                due.append(self._queue.pop(0))
            self.rng.shuffle(due)
            self._now = when
            for _, _, fn in due:
                fn()
                n += 1
        self._now = float(t_s)
        return n


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: the checkpoint refusal below is a SQLite trigger."""
    return lambda name: f"sqlite:///{tmp_path / name}.sqlite"


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8))
def test_arrivals_are_delivered_in_the_order_stored_whatever_order_timers_run(net, seed, n):
    net.clock.__class__ = ShuffledClock  # same state, timers now run in a drawn order
    net.clock.rng = random.Random(seed)
    net.clock._queue.sort()
    kor = net.nodes["KOR"]
    before = len(net.got["JPN"])
    tracks = [f"S{seed}-{i}" for i in range(n)]
    for track in tracks:  # one envelope per exchange, all arriving at the same time
        kor.publish_warning(warning(track, 10.0))
    net.clock.advance_to(net.clock.now_s() + 5.0)
    assert [w.track_id for _, w, _ in net.got["JPN"][before:]] == tracks

def test_a_checkpoint_the_store_refuses_loses_no_delivery(net, tmp_path):
    jpn_file = tmp_path / "JPN.sqlite"
    with sqlite3.connect(jpn_file) as db:  # the store refuses every checkpoint from now on
        db.execute("CREATE TRIGGER refuse_checkpoints BEFORE INSERT ON audit_checkpoints "
                   "BEGIN SELECT RAISE(ABORT, 'checkpoint refused'); END")
    kor = net.nodes["KOR"]
    for i in range(100):  # far over the 64 records after which a checkpoint is due
        kor.publish_warning(warning(f"T{i}", float(i)))
        net.clock.advance_to(net.clock.now_s() + 1.0)
    net.clock.advance_to(net.clock.now_s() + 5.0)
    assert [w.t_s for _, w, _ in net.got["JPN"]] == [float(i) for i in range(100)]
    assert kor.outbox_counts()["pending"] == 0
    with sqlite3.connect(jpn_file) as db:
        assert db.execute("SELECT count(*) FROM audit_checkpoints").fetchone()[0] == 0
        db.execute("DROP TRIGGER refuse_checkpoints")
    kor.publish_warning(warning("T100", 100.0))  # the next commit signs what was left
    net.clock.advance_to(net.clock.now_s() + 5.0)
    with sqlite3.connect(jpn_file) as db:
        assert db.execute("SELECT count(*) FROM audit_checkpoints").fetchone()[0] >= 1
    assert len(net.got["JPN"]) == 101
