"""What a node's stream workers take, and how a stream is set up: every message read as the
HTTP API reads a body (I-JSON, RFC 7493), a malformed one terminated on its first delivery
and audited; an existing stream never changed; the consumer's redelivery count as the
server means it. Against the real NATS JetStream server (``services``; fixtures and helpers
of test_stream.py: unique stream, subjects and consumer, deleted afterwards)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import nats
import pytest
from node_support import warning
from test_stream import (
    ACK_WAIT_S,
    NATS_URL,
    WAIT_S,
    _delete_stream,
    _publish_raw,
    _wait,
    pair,
    settings,
)

from gsomia.errors import InputError, LinkError
from gsomia.node import Directory, Node, WallClock
from gsomia.node.stream import (
    Delivery,
    Outcome,
    StreamConsumer,
    StreamSettings,
    publish_messages,
    stream_info,
)
from gsomia.node.stream_ingest import NodeIngest
from gsomia.schemas.json_text import MAX_DEPTH

__all__ = ["pair", "settings"]  # fixtures, used by name

GOOD = json.dumps(warning("T1", 10.0).to_dict())
#: Malformed messages on the tracks subject: (message id, bytes, words of the reason).
MALFORMED = [
    ("surrogate", b'{"a": "\\ud800"}', "lone surrogate U+D800"),
    ("surrogate-key", b'{"\\udfff": 1}', "lone surrogate U+DFFF"),
    ("long-integer", b'{"t_s": ' + b"9" * 5000 + b"}", "integer of 5000 digits"),
    ("big-integer", b'{"t_s": 9007199254740992}', "integer outside"),
    ("repeated", (GOOD[:-1] + ', "track_id": "T2"}').encode(), "'track_id' repeated"),
    ("deep", b'{"a": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}",
     f"nested more than {MAX_DEPTH}"),
    ("not-utf8", b'{"a": "\xff"}', "not UTF-8"),
    ("nan", b'{"t_s": NaN}', "NaN is not JSON"),
    ("infinite", b'{"t_s": 1e400}', "outside the range of a double"),
]


def _node(tmp_path, party_keys, catalog) -> Node:
    directory = Directory(k.public() for k in party_keys.values())
    return Node("KOR", party_keys["KOR"], directory, catalog, tmp_path / "k.sqlite",
                WallClock())


@pytest.mark.parametrize(("msg_id", "data", "why"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_message_is_rejected_on_its_first_delivery(tmp_path, party_keys, catalog,
                                                              msg_id, data, why):
    node = _node(tmp_path, party_keys, catalog)
    try:
        ingest = NodeIngest(node)
        d = Delivery("T_in", "t.kor.tracks", "tracks", msg_id, data, 7, 1)
        assert ingest(d) is Outcome.REJECTED
        [body] = [r.body for r in node.audit.records() if r.kind == "stream.rejected"]
        assert (body["msg_id"], body["stream_seq"], body["deliveries"]) == (msg_id, 7, 1)
        assert why in body["reason"] and body["reason"].startswith("data")
        assert node.store.local_items() == []
        assert ingest.processed("T_in", msg_id) is None
        good = Delivery("T_in", "t.kor.tracks", "tracks", "good", GOOD.encode(), 8, 1)
        assert ingest(good) is Outcome.PROCESSED  # the reader refuses only the bad ones
    finally:
        node.close()


@pytest.mark.services
def test_malformed_messages_are_terminated_once_audited_and_never_redelivered(settings, pair):
    kor, _ = pair
    subject = settings.subject("tracks")
    publish_messages(settings, [])  # creates the stream
    for msg_id, data, _why in MALFORMED:
        asyncio.run(_publish_raw(settings.url, subject, data, msg_id))
    ingest = NodeIngest(kor)
    seen: list[tuple[str | None, int]] = []
    lock = threading.Lock()

    def handler(d: Delivery) -> Outcome:
        with lock:
            seen.append((d.msg_id, d.num_delivered))
        return ingest(d)

    consumer = StreamConsumer(settings, handler).start()
    try:
        _wait(lambda: consumer.counts.rejected == len(MALFORMED), "all rejected")
        time.sleep(2 * ACK_WAIT_S)  # a message not terminated would come back by now
    finally:
        consumer.stop()
    assert seen == [(m, 1) for m, _, _ in MALFORMED]  # each once, on its first delivery
    assert (consumer.counts.processed, consumer.counts.retry) == (0, 0)
    rejected = [r.body for r in kor.audit.records() if r.kind == "stream.rejected"]
    assert [b["msg_id"] for b in rejected] == [m for m, _, _ in MALFORMED]
    for body, (_, _, why) in zip(rejected, MALFORMED, strict=True):
        assert why in body["reason"] and body["deliveries"] == 1
    c = stream_info(settings)["consumer"]
    assert (c["pending"], c["ack_pending"], c["redelivered_pending"]) == (0, 0, 0)
    assert c["ack_floor_seq"] == len(MALFORMED)


def test_the_prefix_is_derived_from_the_stream_name_unless_given():
    assert StreamSettings(NATS_URL, "KOR").subjects == ["gsomia.kor.detections",
                                                        "gsomia.kor.tracks"]
    assert StreamSettings(NATS_URL, "KOR", "GSOMIA_KOR").prefix == "gsomia"
    own = StreamSettings(NATS_URL, "KOR", "Test-2")
    assert (own.stream, own.prefix, own.subject("tracks")) == ("Test-2", "test-2",
                                                               "test-2.kor.tracks")
    assert StreamSettings(NATS_URL, "KOR", "T_1", prefix="x").subject("tracks") == \
        "x.kor.tracks"


async def _subjects(url: str, stream: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        return sorted((await nc.jetstream().stream_info(stream)).config.subjects)
    finally:
        await nc.close()


@pytest.mark.services
def test_an_existing_stream_with_other_subjects_is_refused_not_changed(settings):
    publish_messages(settings, [])  # creates the stream with the settings' subjects
    before = asyncio.run(_subjects(settings.url, settings.stream))
    other = StreamSettings(settings.url, "JPN", settings.stream, prefix=settings.prefix)
    with pytest.raises(InputError, match=r"exists on .* with subjects "
                                         rf"{settings.prefix}\.kor\.detections"):
        publish_messages(other, [])
    with pytest.raises(InputError, match="not changed"):
        StreamConsumer(StreamSettings(settings.url, "KOR", settings.stream,
                                      prefix=f"{settings.prefix}x"), lambda d: Outcome.PROCESSED
                       ).start()
    assert asyncio.run(_subjects(settings.url, settings.stream)) == before


@pytest.mark.services
def test_a_second_stream_on_the_same_subjects_is_refused_with_a_hint(settings):
    publish_messages(settings, [])
    twin = StreamSettings(settings.url, "KOR", f"{settings.stream}_2", prefix=settings.prefix)
    try:
        with pytest.raises(LinkError, match="overlap.*another --prefix"):
            publish_messages(twin, [])
    finally:
        asyncio.run(_delete_stream(settings.url, twin.stream))


@pytest.mark.services
def test_redelivered_pending_counts_messages_pending_now_not_redeliveries_made(settings):
    publish_messages(settings, [])
    asyncio.run(_publish_raw(settings.url, settings.subject("tracks"), b"{}", "r-1"))
    second, release = threading.Event(), threading.Event()
    deliveries: list[int] = []

    def handler(d: Delivery) -> Outcome:
        deliveries.append(d.num_delivered)
        if d.num_delivered == 1:
            return Outcome.RETRY  # nak'd: delivered again
        second.set()
        release.wait(WAIT_S)
        return Outcome.PROCESSED

    consumer = StreamConsumer(settings, handler, retry_delay_s=0.2).start()
    try:
        assert second.wait(WAIT_S), "not delivered a second time"
        during = stream_info(settings)["consumer"]
        release.set()
        _wait(lambda: consumer.counts.processed == 1, "processed")
        _wait(lambda: stream_info(settings)["consumer"]["ack_pending"] == 0, "acked")
    finally:
        release.set()
        consumer.stop()
    after = stream_info(settings)["consumer"]
    assert deliveries == [1, 2]
    assert (during["ack_pending"], during["redelivered_pending"]) == (1, 1)
    assert (after["ack_pending"], after["redelivered_pending"]) == (0, 0)
