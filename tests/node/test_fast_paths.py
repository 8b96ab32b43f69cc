"""The delivery's fast paths keep every guarantee: the audit chain's shortcut hashes equal
the full ones and a tampered end is still refused; a warning, a flush pass and a hub's
forward each commit whole or not at all; ``?synchronous=off`` only where asked."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from node_support import DELAY_S, allow, refuse, warning

from gsomia.errors import AuditError, StoreError
from gsomia.node import Route, Store
from gsomia.node.inbox import ARRIVE_RETRY_S
from gsomia.sharing import AuditLog
from gsomia.sharing.audit import GENESIS, _canonical, _hash_canonical, _str_keys, record_hash
from gsomia.sharing.sqldb import Database

AT = dt.datetime(2024, 1, 14, 6, 0, 0, 123456, tzinfo=dt.UTC)

BODIES = [
    {},
    {"party": "KOR", "marking": "大韓民国 極秘", "n": 3, "x": 1.5e-300, "ok": True, "none": None},
    {"nested": {"b": [1, 2.25, {"z": "q\"uote\\"}], "a": "tab\tnewline\n"}, "nan": float("nan")},
]


@pytest.mark.parametrize("body", BODIES)
def test_the_shortcut_hash_of_a_canonical_body_is_the_full_hash(body):
    text = _canonical(body)
    for kind in ("receive.accepted", 'odd "kind"\\', "種類"):
        assert _hash_canonical(GENESIS, 7, AT.isoformat(), kind, text) == \
            record_hash(GENESIS, 7, AT.isoformat(), kind, text)


def test_a_body_with_number_keys_is_chained_as_before_and_verifies(tmp_path):
    body = {10: "ten", 9: "nine"}  # JSON sorts them as numbers, then they become strings
    assert not _str_keys(body) and _str_keys(BODIES[2])
    with AuditLog(tmp_path / "a.sqlite") as log:
        [rec] = log.append_many([("odd", body, AT)])
        assert rec.hash == record_hash(GENESIS, 1, rec.at, "odd", _canonical(body))
        log.append("next", {"k": 1}, AT)
        assert log.verify().ok and log.verify().count == 2


def test_an_edited_last_record_is_still_refused_after_appends_by_the_same_log(tmp_path):
    path = tmp_path / "a.sqlite"
    with AuditLog(path) as log:
        log.append_many([("a", {"i": 1}, AT), ("b", {"i": 2}, AT)])
        log.append("c", {"i": 3}, AT)  # the log's own last record: not hashed again
        conn = sqlite3.connect(path)
        conn.execute("UPDATE audit SET body = '{\"i\":4}' WHERE seq = 3")
        conn.commit()
        conn.close()
        with pytest.raises(AuditError, match="record 3 does not match its hash"):
            log.append("d", {"i": 5}, AT)
        assert [r.kind for r in log.records()] == ["a", "b", "c"]
        assert not log.verify().ok


def test_two_logs_on_one_file_check_each_others_records(tmp_path):
    path = tmp_path / "a.sqlite"
    with AuditLog(path) as one, AuditLog(path) as two:
        one.append("a", {"i": 1}, AT)
        two.append("b", {"i": 2}, AT)  # hashes one's record: not its own
        one.append("c", {"i": 3}, AT)
        assert one.verify().ok and one.verify().count == 3


def test_a_warning_refused_for_one_partner_keeps_nothing(net):
    kor = net.nodes["KOR"]
    refuse(kor.store.db, "NEW.peer = 'USA'")  # JPN's row goes in first, then this fails
    audited = len(list(kor.audit.records()))
    net.clock.advance_to(10.0)
    with pytest.raises(StoreError, match="refused by the test"):
        kor.publish_warning(warning())
    assert kor.store.local_items() == [] and kor.store.outbox() == []
    assert len(list(kor.audit.records())) == audited
    allow(kor.store.db)
    releases = kor.publish_warning(warning())
    assert [r.status for r in releases] == ["queued", "queued"]
    net.clock.advance_to(10.0 + DELAY_S)
    assert len(net.got["JPN"]) == 1 and len(net.got["USA"]) == 1
    assert kor.audit.verify().ok


def test_a_flush_records_the_answers_before_a_retry_in_send_order(net):
    kor = net.nodes["KOR"]
    net.links[("KOR", "USA")].up = False
    net.clock.advance_to(10.0)
    kor.publish_warning(warning("T1", 10.0))
    kor.publish_warning(warning("T2", 10.0))
    assert kor.outbox_counts() == {"pending": 2, "acked": 2, "rejected": 0}
    kinds = [r.kind for r in kor.audit.records() if r.kind.startswith("send.")]
    assert kinds == ["send.acked", "send.retry", "send.acked"]
    net.links[("KOR", "USA")].up = True
    net.clock.advance_to(15.0)
    assert kor.outbox_counts() == {"pending": 0, "acked": 4, "rejected": 0}
    assert [w.track_id for _, w, _ in net.got["USA"]] == ["T1", "T2"]
    assert kor.audit.verify().ok


def test_a_hub_forward_refused_keeps_the_item_arrived_and_the_approval_unsent(net):
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    kor.routes = {"JPN": Route.TISA_HUB}
    net.clock.advance_to(10.0)
    [rel] = kor.publish_warning(warning())
    net.clock.advance_to(11.0)
    assert len(usa.held()) == 1
    refuse(usa.store.db, "NEW.kind = 'item'")  # the approval's row goes in first
    kor.approve(rel.item_id, "JPN")
    with pytest.raises(StoreError, match="refused by the test"):
        net.clock.advance_to(11.0 + DELAY_S)
    assert usa.store.outbox() == []  # neither the approval nor the item
    assert len(usa.held()) == 1  # still held: checked again on restart
    allow(usa.store.db)
    net.restart("USA")
    net.clock.advance_to(20.0)
    [(_, _, item)] = net.got["JPN"]
    assert item.route is Route.TISA_HUB and item.sender == "USA"
    assert net.nodes["USA"].held() == [] and net.nodes["USA"].audit.verify().ok


def test_synchronous_off_only_when_the_url_asks(tmp_path):
    def pragma(db: Database) -> int:
        return db.fetchone("PRAGMA synchronous")[0]

    default = Database(tmp_path / "a.sqlite")
    scratch = Database(f"sqlite:///{tmp_path / 'b.sqlite'}?synchronous=off")
    full = Database(f"sqlite:///{tmp_path / 'c.sqlite'}?synchronous=FULL")
    assert (pragma(default), pragma(scratch), pragma(full)) == (1, 0, 2)  # NORMAL, OFF, FULL
    assert scratch.path == str(tmp_path / "b.sqlite") and scratch.synchronous == "off"
    for db in (default, scratch, full):
        db.close()
    store = Store(f"sqlite:///{tmp_path / 'd.sqlite'}?synchronous=off")
    assert store.path == str(tmp_path / "d.sqlite") and (tmp_path / "d.sqlite").is_file()
    store.close()
    for bad in ("?synchronous=sometimes", "?fsync=off"):
        with pytest.raises(StoreError):
            Database(f"sqlite:///{tmp_path / 'e.sqlite'}{bad}")


def test_an_auto_hub_forward_refused_leaves_the_arrival_to_process_again(net):
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    kor.routes = {"JPN": Route.AUTO_HUB}
    refuse(usa.store.db, "NEW.peer = 'JPN'")
    net.clock.advance_to(10.0)
    kor.publish_warning(warning())
    net.clock.advance_to(10.0 + DELAY_S)  # refused: tried again ARRIVE_RETRY_S later
    [row] = usa.store.inbox(kind="item")
    assert row.status == "arrived" and usa.store.outbox() == []  # not held, not forwarded
    net.clock.advance_to(10.0 + DELAY_S + 2 * ARRIVE_RETRY_S)  # still refused, twice more
    assert usa.store.inbox(kind="item")[0].status == "arrived" and net.got["JPN"] == []
    allow(usa.store.db)  # no restart: the next try forwards it
    net.clock.advance_to(10.0 + 2 * DELAY_S + 3 * ARRIVE_RETRY_S)
    [(_, _, item)] = net.got["JPN"]
    assert item.route is Route.AUTO_HUB and item.sender == "USA"
    assert [r.status for r in net.nodes["USA"].store.inbox(kind="item")] == ["forwarded"]
