"""``gsomia stream feed|publish|info`` against the real NATS JetStream server of this machine
kind (``services``), and ``gsomia serve --stream`` refusing an unreachable one; the feed's
messages (gsomia.sim.feed) read back as the node reads them."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import nats
import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.node import MissileWarning
from gsomia.node.plots import RadarPlots
from gsomia.sharing.pki import init_pki
from gsomia.sim.feed import party_feed
from gsomia.sim.scenario import load_scenario

NATS_URL = os.environ.get("GSOMIA_TEST_NATS", "nats://127.0.0.1:4222")
runner = CliRunner()


@pytest.fixture
def names() -> Iterator[list[str]]:
    """``--server URL --stream-name T_x --prefix tx``, unique; the stream deleted after."""
    parts = urlsplit(NATS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 4222), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"NATS JetStream server not reachable at {NATS_URL} ({exc})")
    tag = uuid.uuid4().hex[:10]
    yield ["--server", NATS_URL, "--stream-name", f"T_{tag}", "--prefix", f"t{tag}"]

    async def delete() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(f"T_{tag}")
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(delete())


def test_the_feed_is_what_the_party_sees_and_reads_as_the_node_reads_it(scenario_file):
    scenario = load_scenario(scenario_file())
    feed = party_feed(scenario, "KOR")
    kinds = {m.kind for m in feed}
    assert kinds == {"detections", "tracks"}
    for m in feed:
        read = RadarPlots.from_dict if m.kind == "detections" else MissileWarning.from_dict
        read(m.payload)
        assert m.msg_id.startswith(f"{scenario.name}/KOR/")
    assert len({m.msg_id for m in feed}) == len(feed)
    assert [m.msg_id for m in party_feed(scenario, "KOR")] == [m.msg_id for m in feed]
    only = party_feed(scenario, "KOR", "detections")
    assert [m.msg_id for m in only] == [m.msg_id for m in feed if m.kind == "detections"]
    with pytest.raises(InputError, match="--party"):
        party_feed(scenario, "CHN")


@pytest.mark.services
def test_feed_twice_stores_each_message_once(scenario_file, names):
    path = str(scenario_file())
    first = runner.invoke(app, ["stream", "feed", path, "--party", "kor", *names, "--json"])
    assert first.exit_code == 0, first.output
    counts = json.loads(first.output)
    n = counts["messages"]
    assert n > 0 and counts["detections"] > 0 and counts["tracks"] > 0
    assert (counts["stored"], counts["duplicates"]) == (n, 0)
    again = json.loads(runner.invoke(app, ["stream", "feed", path, "--party", "KOR", *names,
                                           "--json"]).output)
    assert (again["stored"], again["duplicates"]) == (0, n)
    info = runner.invoke(app, ["stream", "info", "--party", "KOR",
                               *names[:4], "--json"])
    assert info.exit_code == 0, info.output
    data = json.loads(info.output)
    assert (data["messages"], data["last_seq"], data["consumer"]) == (n, n, None)
    assert data["subjects"] == [f"{names[5]}.kor.detections", f"{names[5]}.kor.tracks"]


@pytest.mark.services
def test_publish_one_message_and_its_retry(tmp_path, names):
    payload = tmp_path / "w.json"
    payload.write_text(json.dumps({"anything": 1}), encoding="utf-8")
    args = ["stream", "publish", str(payload), "--party", "KOR", "--kind", "tracks",
            "--id", "one-1", *names]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "one-1: stored" in first.output
    assert "duplicate" in runner.invoke(app, args).output
    bad = runner.invoke(app, [*args[:5], "--kind", "warnings", "--id", "x", *names])
    assert bad.exit_code == 2 and "kind" in bad.output
    payload.write_text("[1]", encoding="utf-8")
    assert "expected a JSON object" in runner.invoke(app, args).output


def test_serve_with_an_unreachable_stream_stops_with_a_clear_error(tmp_path):
    init_pki(tmp_path / "pki", ["KOR"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"nats://127.0.0.1:{s.getsockname()[1]}"  # bound, not listening: refused
        cfg = tmp_path / "kor.toml"
        cfg.write_text('party = "KOR"\nlisten = "127.0.0.1:0"\nstore = "kor.sqlite"\n'
                       'keys = "pki"\n', encoding="utf-8")
        result = runner.invoke(app, ["serve", "--config", str(cfg), "--stream", url])
    assert result.exit_code == 2, result.output
    assert f"link to {url}: NATS server not reachable" in result.output
    bad = runner.invoke(app, ["serve", "--config", str(cfg), "--stream", "http://x:1"])
    assert bad.exit_code == 2 and "stream.url" in bad.output
