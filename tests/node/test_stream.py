"""The in-nation stream on NATS JetStream (gsomia.node.stream) against the real server of
this machine kind (127.0.0.1:4222, JetStream on; ``GSOMIA_TEST_NATS`` overrides), with
real node workers (``gsomia stream work`` subprocesses) where processes matter.

Every test makes its own stream, subjects and durable consumer (unique names) and deletes
the stream at the end. When the server cannot be reached the ``services`` tests fail,
naming the URL (CI starts it): they never pass by skipping.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import nats
import pytest
from node_support import allow, refuse, warning
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.node import Directory, InProcessLink, Node, WallClock
from gsomia.node.config import load_config
from gsomia.node.stream import (
    MSG_ID_HEADER,
    Delivery,
    Outcome,
    StreamConsumer,
    StreamMessage,
    StreamSettings,
    publish_messages,
    stream_info,
)
from gsomia.node.stream_ingest import NodeIngest, stream_item_id
from gsomia.sharing.pki import init_pki
from nats_support import NatsServer

NATS_URL = os.environ.get("GSOMIA_TEST_NATS", "nats://127.0.0.1:4222")
#: Longest wait for a worker to get through the messages [s] (a bound, not a timing check).
WAIT_S = 60.0
#: ack_wait of the test consumers [s]: a killed worker's messages come back after it.
ACK_WAIT_S = 2.0


def _reachable(url: str) -> None:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 4222), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"NATS JetStream server not reachable at {url} ({exc}); the services "
                    "tests need it (this machine kind starts it; GSOMIA_TEST_NATS overrides)")


async def _delete_stream(url: str, name: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()


@pytest.fixture
def settings() -> Iterator[StreamSettings]:
    """Unique stream, subjects and consumer on the test server; the stream (and with it
    the consumer) deleted afterwards."""
    _reachable(NATS_URL)
    tag = uuid.uuid4().hex[:10]
    s = StreamSettings(NATS_URL, "KOR", stream=f"T_{tag}", durable=f"w{tag}",
                       prefix=f"t{tag}", ack_wait_s=ACK_WAIT_S, max_deliver=5, batch=4)
    yield s
    asyncio.run(_delete_stream(NATS_URL, s.stream))


def _tracks(n: int, prefix: str = "m") -> list[StreamMessage]:
    return [StreamMessage("tracks", f"{prefix}-{i}", warning(f"T{i}", 10.0 + i).to_dict())
            for i in range(n)]


def _wait(cond: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout_s:g} s: {what}")
        time.sleep(0.05)


def _consume(settings: StreamSettings, handler: Callable[[Delivery], Outcome],
             until: Callable[[StreamConsumer], bool], what: str,
             **kw: float) -> StreamConsumer:
    """Run a consumer with ``handler`` until ``until(consumer)``; stop it; return it."""
    consumer = StreamConsumer(settings, handler, **kw).start()
    try:
        _wait(lambda: until(consumer), what)
    finally:
        consumer.stop()
    return consumer


@pytest.fixture
def pair(tmp_path, party_keys, catalog, database_url) -> Iterator[tuple[Node, Node]]:
    """KOR's node (SQLite, or PostgreSQL) releasing directly to JPN's, over an in-process
    link."""
    clock = WallClock()
    directory = Directory(k.public() for k in party_keys.values())
    jpn = Node("JPN", party_keys["JPN"], directory, catalog, tmp_path / "jpn.sqlite", clock)
    kor = Node("KOR", party_keys["KOR"], directory, catalog, database_url("kor"), clock,
               routes={"JPN": "direct"})
    kor.connect("JPN", InProcessLink("JPN", jpn, clock, 0.0, sender="KOR"))
    yield kor, jpn
    kor.close()
    jpn.close()


# -- in one process ----------------------------------------------------------------------
@pytest.mark.services
def test_duplicates_are_stored_once_and_each_message_becomes_one_item(settings, pair):
    kor, jpn = pair
    first = publish_messages(settings, _tracks(12))
    again = publish_messages(settings, _tracks(12))  # retries: same Nats-Msg-Id
    assert (first.stored, first.duplicates) == (12, 0)
    assert (again.stored, again.duplicates) == (0, 12)
    consumer = StreamConsumer(settings, NodeIngest(kor)).start()
    try:
        _wait(lambda: consumer.counts.processed == 12, "12 processed")
        _wait(lambda: len(jpn.items()) == 12, "12 items at JPN")
    finally:
        consumer.stop()
    assert consumer.counts.duplicate == consumer.counts.rejected == 0
    ids = {stream_item_id("KOR", settings.stream, f"m-{i}") for i in range(12)}
    assert {i.label.item_id for i in jpn.items()} == ids
    assert sorted(i.payload["track_id"] for i in jpn.items()) == sorted(
        f"T{i}" for i in range(12))
    info = stream_info(settings)
    assert info["messages"] == 12
    c = info["consumer"]
    assert (c["pending"], c["ack_pending"], c["ack_floor_seq"]) == (0, 0, 12)
    assert (c["ack_policy"], c["ack_wait_s"], c["max_deliver"]) == ("explicit", 2.0, 5)


@pytest.mark.services
def test_a_message_id_seen_after_the_window_is_acked_not_processed_again(settings, pair):
    kor, _ = pair
    ingest = NodeIngest(kor)
    s = StreamSettings(settings.url, "KOR", settings.stream, settings.durable,
                       settings.prefix, ack_wait_s=ACK_WAIT_S, duplicate_window_s=0.5)
    publish_messages(s, _tracks(3))
    time.sleep(1.0)  # past the duplicate window: the server stores the retries again
    assert publish_messages(s, _tracks(3)).stored == 3
    consumer = _consume(s, ingest, lambda c: c.counts.processed + c.counts.duplicate == 6,
                        "6 handled")
    assert (consumer.counts.processed, consumer.counts.duplicate) == (3, 3)
    assert len(kor.store.local_items()) == 3
    assert all(ingest.processed(s.stream, f"m-{i}") for i in range(3))


async def _publish_raw(url: str, subject: str, data: bytes, msg_id: str | None) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(subject, data,
                                     headers={MSG_ID_HEADER: msg_id} if msg_id else None)
    finally:
        await nc.close()


@pytest.mark.services
def test_a_poison_message_is_terminated_audited_and_never_redelivered(settings, pair):
    kor, jpn = pair
    subject = settings.subject("tracks")
    publish_messages(settings, _tracks(1, "ok-before"))
    poison = [(b"{not json", "bad-json"), (json.dumps({"kind": "x"}).encode(), "bad-payload"),
              (b"[1, 2]", "not-object"), (b"{}", None), (b'{"a": NaN}', "nan")]
    for data, msg_id in poison:
        asyncio.run(_publish_raw(settings.url, subject, data, msg_id))
    publish_messages(settings, _tracks(1, "ok-after"))
    consumer = StreamConsumer(settings, NodeIngest(kor)).start()
    try:
        _wait(lambda: consumer.counts.processed == 2 and consumer.counts.rejected == 5,
              "2 processed, 5 rejected")
        time.sleep(2 * ACK_WAIT_S)  # a message not terminated would come back by now
    finally:
        consumer.stop()
    assert (consumer.counts.processed, consumer.counts.rejected, consumer.counts.retry,
            consumer.counts.duplicate) == (2, 5, 0, 0)
    rejected = [r for r in kor.audit.records() if r.kind == "stream.rejected"]
    assert [r.body["msg_id"] for r in rejected] == [m for _, m in poison]
    assert [r.body["stream_seq"] for r in rejected] == [2, 3, 4, 5, 6]
    reasons = [r.body["reason"] for r in rejected]
    assert "not JSON" in reasons[0] and "Nats-Msg-Id" in reasons[3] and "NaN" in reasons[4]
    assert all(r.body["deliveries"] == 1 for r in rejected)
    c = stream_info(settings)["consumer"]
    assert (c["pending"], c["ack_pending"], c["redelivered_pending"]) == (0, 0, 0)
    _wait(lambda: len(jpn.items()) == 2, "the two good ones at JPN")
    assert len(kor.store.local_items()) == 2


@pytest.mark.services
def test_a_failing_store_is_retried_and_nothing_is_lost(settings, pair):
    kor, jpn = pair
    ingest = NodeIngest(kor)
    calls = {"n": 0}
    outcomes: list[Outcome] = []

    def flaky(d):  # the real handler, after two deliveries that find the store failing
        calls["n"] += 1
        if calls["n"] <= 2:
            refuse(kor.store.db, "TRUE")  # every outbox row: mid-transaction
            try:
                out = ingest(d)
            finally:
                allow(kor.store.db)
            outcomes.append(out)
            return out
        return ingest(d)

    publish_messages(settings, _tracks(3))
    consumer = _consume(settings, flaky, lambda c: c.counts.processed == 3, "3 processed",
                        retry_delay_s=0.2)
    assert outcomes == [Outcome.RETRY, Outcome.RETRY]  # the handler's own answer
    assert consumer.counts.retry == 2
    assert len(kor.store.local_items()) == 3
    _wait(lambda: len(jpn.items()) == 3, "3 items at JPN")


def _delivery(msg_id: str, data: bytes, seq: int = 1) -> Delivery:
    return Delivery("T_race", "t.kor.tracks", "tracks", msg_id, data, seq, 1)


def test_two_workers_racing_on_one_message_make_one_item(tmp_path, party_keys, catalog,
                                                         database_url):
    """Two node objects on one store (as two worker processes) handed the same message
    at once (an ack lost, ack_wait run out): one item, the other acks it as a duplicate."""
    directory = Directory(k.public() for k in party_keys.values())
    url = database_url("kor")
    nodes = [Node("KOR", party_keys["KOR"], directory, catalog, url, WallClock())
             for _ in range(2)]
    try:
        ingests = [NodeIngest(n) for n in nodes]
        for k in range(5):
            d = _delivery(f"race-{k}", json.dumps(warning(f"T{k}").to_dict()).encode(), k + 1)
            barrier = threading.Barrier(2)
            out: list[Outcome] = []

            def handle(ingest: NodeIngest, d: Delivery = d, barrier=barrier, out=out) -> None:
                barrier.wait()
                out.append(ingest(d))

            threads = [threading.Thread(target=handle, args=(i,)) for i in ingests]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(o.value for o in out) == ["duplicate", "processed"]
        assert len(nodes[0].store.local_items()) == 5
        created = [r for r in nodes[0].audit.records() if r.kind == "item.created"]
        assert len(created) == 5
    finally:
        for n in nodes:
            n.close()


def test_a_message_the_node_refuses_is_rejected_with_its_reason(tmp_path, party_keys,
                                                                catalog):
    directory = Directory(k.public() for k in party_keys.values())
    node = Node("KOR", party_keys["KOR"], directory, catalog, tmp_path / "k.sqlite",
                WallClock())
    try:
        ingest = NodeIngest(node)
        bad = warning().to_dict() | {"t_s": 1e12}  # beyond ten years of the epoch
        assert ingest(_delivery("far", json.dumps(bad).encode())) is Outcome.REJECTED
        plots = _delivery("p", json.dumps(warning().to_dict()).encode())
        plots = Delivery(plots.stream, "t.kor.detections", "detections", "p", plots.data, 2, 1)
        assert ingest(plots) is Outcome.REJECTED  # a warning on the detections subject
        other = Delivery("T_race", "t.kor.other", None, "o", b"{}", 3, 1)
        assert ingest(other) is Outcome.REJECTED
        rejected = [r.body for r in node.audit.records() if r.kind == "stream.rejected"]
        assert [(b["msg_id"], b["stream_seq"]) for b in rejected] == [
            ("far", 1), ("p", 2), ("o", 3)]
        assert "t_s" in rejected[0]["reason"] and "plots" in rejected[1]["reason"]
        assert "subject" in rejected[2]["reason"]
        assert node.store.local_items() == []
        assert ingest.processed("T_race", "far") is None
    finally:
        node.close()


@pytest.mark.services
def test_a_message_committed_but_never_acked_comes_back_and_is_not_processed_twice(
        settings, pair):
    """The worst moment for a crash: the item committed, the ack not sent. The message is
    delivered again and acked as a duplicate."""
    kor, jpn = pair
    ingest = NodeIngest(kor)
    seen: dict[str | None, list[Outcome]] = {}

    def crash_before_ack(d: Delivery) -> Outcome:
        out = ingest(d)
        seen.setdefault(d.msg_id, []).append(out)
        if out is Outcome.PROCESSED:
            raise RuntimeError("crashed before the ack")  # the consumer nak's: redelivery
        return out

    publish_messages(settings, _tracks(4))
    _consume(settings, crash_before_ack, lambda c: c.counts.duplicate == 4,
             "4 redeliveries acked", retry_delay_s=0.1)
    assert seen == {f"m-{i}": [Outcome.PROCESSED, Outcome.DUPLICATE] for i in range(4)}
    assert len(kor.store.local_items()) == 4
    _wait(lambda: len(jpn.items()) == 4, "4 items at JPN")
    assert len(jpn.items()) == 4


@pytest.mark.services
def test_a_message_that_keeps_failing_is_rejected_after_max_failures(settings, pair):
    kor, _ = pair
    publish = kor.publish

    def faulty(payload, **kw):  # a fault of the node on one message only
        if payload.track_id == "T1":
            raise RuntimeError("fault on T1")
        return publish(payload, **kw)

    kor.publish = faulty
    publish_messages(settings, _tracks(3))
    consumer = _consume(settings, NodeIngest(kor, max_failures=3),
                        lambda c: c.counts.processed == 2 and c.counts.rejected == 1,
                        "2 processed, 1 rejected", retry_delay_s=0.1)
    assert consumer.counts.retry == 2
    rejected = [r.body for r in kor.audit.records() if r.kind == "stream.rejected"]
    assert [(b["msg_id"], b["deliveries"]) for b in rejected] == [("m-1", 3)]
    assert "RuntimeError: fault on T1" in rejected[0]["reason"]
    c = stream_info(settings)["consumer"]
    assert (c["pending"], c["ack_pending"]) == (0, 0)


# -- node workers as processes ---------------------------------------------------------
@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    init_pki(root, ["KOR", "JPN"])
    return root


def _config(tmp_path: Path, pki: Path) -> Path:
    """KOR's node config: a SQLite store shared by its workers, JPN a peer on a closed
    port (its releases wait in the outbox)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    cfg = tmp_path / "kor.toml"
    cfg.write_text(f'party = "KOR"\nlisten = "127.0.0.1:0"\nstore = "kor/store.sqlite"\n'
                   f'keys = "{pki}"\n\n[peers.JPN]\nurl = "https://127.0.0.1:{port}"\n',
                   encoding="utf-8")
    return cfg


class Worker:
    """``gsomia stream work`` as a subprocess."""

    def __init__(self, cfg: Path, s: StreamSettings, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gsomia")), "stream", "work", "--config", str(cfg),
             "--stream", s.url, "--stream-name", s.stream, "--durable", s.durable,
             "--prefix", s.prefix, "--ack-wait", str(s.ack_wait_s), "--max-deliver",
             str(s.max_deliver), "--batch", "2"],
            stdout=subprocess.DEVNULL, stderr=log.open("w"), env={**os.environ,
                                                                  "COLUMNS": "200"})
        _wait(lambda: "worker on" in log.read_text() or self.proc.poll() is not None,
              f"worker started ({log})")
        assert self.proc.poll() is None, log.read_text()

    def stop(self) -> dict[str, int]:
        """SIGTERM; the counts it printed."""
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(30) == 0, self.log.read_text()
        words = self.log.read_text().split("processed", 1)[1].replace(",", "").split()
        return {"processed": int(words[0]), "duplicates": int(words[2])}

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no cleanup at all
        self.proc.wait(30)


def _rows(store: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(store, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _count(store: Path) -> int:
    try:
        return _rows(store, "SELECT count(*) FROM stream_messages")[0][0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0


def _check_exactly_once(store: Path, settings: StreamSettings, n: int) -> None:
    """Every message of ``n`` processed once: one row, one item, one item.created, one
    release to JPN each."""
    assert _rows(store, "SELECT count(*), count(DISTINCT msg_id) FROM stream_messages") == [
        (n, n)]
    ids = {stream_item_id("KOR", settings.stream, f"m-{i}") for i in range(n)}
    assert {r[0] for r in _rows(store, "SELECT item_id FROM local_items")} == ids
    assert _rows(store, "SELECT count(*) FROM local_items") == [(n,)]
    created = _rows(store, "SELECT body FROM audit WHERE kind = 'item.created'")
    assert sorted(json.loads(b[0])["item_id"] for b in created) == sorted(ids)
    assert _rows(store, "SELECT count(*), count(DISTINCT item_id) FROM outbox "
                        "WHERE peer = 'JPN'") == [(n, n)]


@pytest.mark.services
@pytest.mark.slow
def test_two_worker_processes_split_the_stream_none_lost_none_twice(settings, pki, tmp_path):
    cfg = _config(tmp_path, pki)
    store = tmp_path / "kor" / "store.sqlite"
    workers = [Worker(cfg, settings, tmp_path / f"w{i}.log") for i in range(2)]
    publish_messages(settings, _tracks(60))
    _wait(lambda: _count(store) == 60, "60 messages processed")
    counts = [w.stop() for w in workers]
    assert sum(c["processed"] for c in counts) == 60
    assert all(c["processed"] > 0 for c in counts), counts  # both took a share
    _check_exactly_once(store, settings, 60)
    c = stream_info(settings)["consumer"]
    assert (c["pending"], c["ack_pending"], c["ack_floor_seq"]) == (0, 0, 60)


@pytest.mark.services
@pytest.mark.slow
def test_a_worker_killed_mid_stream_resumes_none_lost_none_twice(settings, pki, tmp_path):
    cfg = _config(tmp_path, pki)
    store = tmp_path / "kor" / "store.sqlite"
    first = Worker(cfg, settings, tmp_path / "first.log")
    publish_messages(settings, _tracks(80))
    _wait(lambda: _count(store) >= 15, "15 messages processed")
    first.kill()
    done_before = _count(store)
    assert done_before < 80  # killed mid-stream
    second = Worker(cfg, settings, tmp_path / "second.log")
    _wait(lambda: _count(store) == 80, "80 messages processed after the restart")
    # a message the first worker committed but never acked comes back after ack_wait: the
    # second worker acks it as a duplicate; stop only once every message is acked
    _wait(lambda: stream_info(settings)["consumer"]["ack_pending"] == 0,
          "every message acked (redeliveries of the killed worker's messages)")
    counts = second.stop()
    assert counts["processed"] == 80 - done_before
    _check_exactly_once(store, settings, 80)
    c = stream_info(settings)["consumer"]
    assert (c["pending"], c["ack_pending"], c["ack_floor_seq"]) == (0, 0, 80)


@pytest.mark.services
@pytest.mark.slow
def test_the_nats_server_killed_and_restarted_mid_stream_loses_nothing(tmp_path, party_keys,
                                                                      catalog):
    server = NatsServer(tmp_path / "js").start()
    s = StreamSettings(server.url, "KOR", stream="T_restart", durable="w", prefix="trs",
                       ack_wait_s=ACK_WAIT_S, batch=2)
    directory = Directory(k.public() for k in party_keys.values())
    node = Node("KOR", party_keys["KOR"], directory, catalog, tmp_path / "k.sqlite",
                WallClock())
    consumer = None
    try:
        publish_messages(s, _tracks(40)[:20])
        consumer = StreamConsumer(s, NodeIngest(node), retry_delay_s=0.2).start()
        _wait(lambda: len(node.store.local_items()) >= 5, "5 processed")
        server.kill()  # kill -9 of the server mid-stream
        server.start()  # same port, same JetStream store
        publish_messages(s, _tracks(40)[20:])
        _wait(lambda: len(node.store.local_items()) == 40, "40 items after the restart")
        assert consumer.running
    finally:
        if consumer is not None:
            consumer.stop()
        node.close()
        server.kill()
    ids = {stream_item_id("KOR", s.stream, f"m-{i}") for i in range(40)}
    again = Node("KOR", party_keys["KOR"], directory, catalog, tmp_path / "k.sqlite",
                 WallClock())
    try:
        assert {i for i, *_ in again.store.local_items()} == ids
        created = [r for r in again.audit.records() if r.kind == "item.created"]
        assert len(created) == 40
    finally:
        again.close()


# -- without NATS ------------------------------------------------------------------------
def test_without_a_stream_the_node_path_is_unchanged(tmp_path, pki):
    cfg = load_config(_config(tmp_path, pki))
    assert cfg.stream is None
    code = ("import sys, gsomia.node, gsomia.web, gsomia.cli.node; "
            "print(sorted(m for m in sys.modules if m == 'nats' or m.startswith('nats.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"  # serve without a stream never loads nats-py


def test_a_stream_in_the_config_is_read_and_checked(tmp_path, pki):
    path = _config(tmp_path, pki)
    text = path.read_text()
    head, peers = text.split("\n\n", 1)
    path.write_text(f'{head}\nstream = "nats://127.0.0.1:4222"\n\n{peers}')
    assert load_config(path).stream == "nats://127.0.0.1:4222"
    path.write_text(f'{head}\nstream = "http://127.0.0.1:4222"\n\n{peers}')
    with pytest.raises(InputError, match="stream.*expected nats://host:port"):
        load_config(path)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("url", {"url": "http://127.0.0.1:4222"}),
    ("party", {"party": "kor"}),
    ("stream", {"stream": "A.B"}),
    ("durable", {"durable": "a b"}),
    ("prefix", {"prefix": "A>"}),
    ("ack_wait_s", {"ack_wait_s": 0}),
    ("max_deliver", {"max_deliver": 0}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_settings_name_the_bad_field(field, kwargs):
    args = {"url": "nats://127.0.0.1:4222", "party": "KOR", **kwargs}
    with pytest.raises(InputError) as err:
        StreamSettings(**args)
    assert err.value.field == f"stream.{field}"


def test_message_ids_and_kinds_are_checked():
    with pytest.raises(InputError, match="msg_id"):
        StreamMessage("tracks", "has space", {})
    with pytest.raises(InputError, match="kind"):
        StreamMessage("warnings", "a", {})
    s = StreamSettings("nats://127.0.0.1:4222", "KOR")
    assert (s.stream, s.durable, s.subjects) == (
        "GSOMIA_KOR", "gsomia-kor-node", ["gsomia.kor.detections", "gsomia.kor.tracks"])
    assert s.kind_of("gsomia.kor.tracks") == "tracks" and s.kind_of("gsomia.jpn.tracks") is None


def test_an_unreachable_server_is_a_clear_error_naming_the_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"nats://127.0.0.1:{s.getsockname()[1]}"  # bound, not listening: refused
        result = CliRunner().invoke(app, ["stream", "info", "--party", "KOR",
                                          "--server", url])
    assert result.exit_code == 2
    assert f"link to {url}: NATS server not reachable" in result.output
    assert "Traceback" not in result.output
