"""``gsomia stream publish`` reading its file as the node reads a message (I-JSON), taking
only known parties and never changing an existing stream; ``gsomia serve --stream`` with a
stream of its own (--stream-name, --prefix, --durable, or the config's keys), checked
before the node says it is up; every stream command's --help on names and subjects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from test_stream_cli import NATS_URL, names
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.stream import NAMES_HELP
from gsomia.schemas.json_text import MAX_DEPTH
from gsomia.sharing.pki import init_pki

__all__ = ["names"]  # a fixture, used by name
runner = CliRunner()


@pytest.mark.parametrize(("text", "words"), [
    (b'{"t_s": ' + b"9" * 5000 + b"}", "PAYLOAD.t_s='<integer of 5000 digits>': integer "
                                       "outside"),
    (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", f"nested more than {MAX_DEPTH} arrays"),
    (b'{"a": "\\ud800"}', "PAYLOAD.a='\\ud800': lone surrogate U+D800"),
    (b'{"a": 1, "a": 2}', "member name 'a' repeated"),
    (b'{"a": NaN}', "NaN is not JSON"),
    (b'{"a": "\xff"}', "not UTF-8 text"),
], ids=["long-integer", "deep", "surrogate", "repeated", "nan", "not-utf8"])
def test_publish_refuses_a_file_that_is_not_i_json_naming_the_fault(tmp_path, text, words):
    payload = tmp_path / "p.json"
    payload.write_bytes(text)
    # a closed port: the file is refused before any connection is tried
    result = runner.invoke(app, ["stream", "publish", str(payload), "--party", "KOR",
                                 "--kind", "tracks", "--id", "x", "--server",
                                 "nats://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "recursion" not in result.output and "Traceback" not in result.output


def test_publish_and_info_refuse_an_unknown_party(tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text("{}", encoding="utf-8")
    for args in (["publish", str(payload), "--kind", "tracks", "--id", "x"], ["info"]):
        result = runner.invoke(app, ["stream", *args, "--party", "XXX", "--server",
                                     "nats://127.0.0.1:9"])
        assert result.exit_code == 2, result.output
        assert "--party='XXX': unknown party (known: JPN, KOR, USA)" in result.output


def _subjects(names: list[str]) -> list[str]:
    info = runner.invoke(app, ["stream", "info", "--party", "KOR", *names[:4], "--json"])
    return json.loads(info.output)["subjects"]


@pytest.mark.services
def test_publish_for_another_party_never_rewrites_the_stream(tmp_path, names):
    payload = tmp_path / "p.json"
    payload.write_text('{"a": 1}', encoding="utf-8")
    base = ["stream", "publish", str(payload), "--kind", "tracks", *names]
    assert runner.invoke(app, [*base, "--party", "KOR", "--id", "k1"]).exit_code == 0
    before = _subjects(names)
    result = runner.invoke(app, [*base, "--party", "JPN", "--id", "j1"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"stream='{names[3]}': exists on {NATS_URL} with subjects " \
           f"{names[5]}.kor.detections, {names[5]}.kor.tracks, not " \
           f"{names[5]}.jpn.detections, {names[5]}.jpn.tracks; it is not changed" in said
    assert _subjects(names) == before == [
        f"{names[5]}.kor.detections", f"{names[5]}.kor.tracks"]


def _options(path: list[str]) -> dict[str, str]:
    group = typer.main.get_command(app)
    for name in path:
        group = group.get_command(typer.Context(group), name)
    return {p.opts[0]: p.help or "" for p in group.params if p.opts}


@pytest.mark.parametrize("path", [["serve"], ["stream", "feed"], ["stream", "publish"],
                                  ["stream", "work"], ["stream", "info"]], ids=" ".join)
def test_every_stream_command_says_a_stream_of_its_own_needs_its_own_subjects(path):
    opts = _options(path)
    assert {"--stream-name", "--prefix"} <= set(opts)
    assert NAMES_HELP in opts["--stream-name"] and "lower case" in opts["--prefix"]
    if path[-1] in ("serve", "work"):
        assert "--durable" in opts


def _node_config(tmp_path: Path, extra: str = "") -> Path:
    init_pki(tmp_path / "pki", ["KOR"])
    cfg = tmp_path / "kor.toml"
    cfg.write_text('party = "KOR"\nlisten = "127.0.0.1:0"\nstore = "kor.sqlite"\n'
                   f'keys = "pki"\n{extra}', encoding="utf-8")
    return cfg


@pytest.mark.services
def test_serve_on_a_stream_overlapping_another_stops_before_it_says_it_is_up(tmp_path,
                                                                           names):
    # the stream of `names`, with subjects <prefix>.kor.*, exists on the shared server
    made = runner.invoke(app, ["stream", "publish", "-", "--party", "KOR", "--kind", "tracks",
                               "--id", "z", *names], input='{"a": 1}')
    assert made.exit_code == 0, made.output
    cfg = _node_config(tmp_path)
    twin = f"{names[3]}_B"
    result = runner.invoke(app, ["serve", "--config", str(cfg), "--stream", NATS_URL,
                                 "--stream-name", twin, "--prefix", names[5]])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "overlap" in said and "another --prefix" in said
    assert "KOR node on" not in said


@pytest.mark.services
def test_serve_takes_its_stream_consumer_and_prefix_from_the_config(tmp_path, names):
    stream, durable = names[3], f"d{names[3]}"
    cfg = _node_config(tmp_path, f'stream = "{NATS_URL}"\nstream_name = "{stream}"\n'
                                 f'stream_durable = "{durable}"\n')
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gsomia")), "serve",
                             "--config", str(cfg)], stdout=log.open("w"),
                            stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"})
    try:
        deadline = time.monotonic() + 60
        while "KOR node on" not in log.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert proc.poll() is None, log.read_text()
        text = log.read_text()
        assert f"consuming {stream} ({NATS_URL}) as {durable}" in text
        assert text.index("consuming") < text.index("KOR node on")
        info = runner.invoke(app, ["stream", "info", "--party", "KOR", "--server", NATS_URL,
                                   "--stream-name", stream, "--durable", durable, "--json"])
        data = json.loads(info.output)
        lower = stream.lower()
        assert data["subjects"] == [f"{lower}.kor.detections", f"{lower}.kor.tracks"]
        assert data["consumer"]["name"] == durable
        assert (data["messages"], data["consumer"]["redelivered_pending"]) == (0, 0)
    finally:
        proc.terminate()
        proc.wait(30)


def test_options_override_the_config_keys_and_a_name_alone_brings_its_prefix(tmp_path):
    from gsomia.cli.stream import checked_stream
    from gsomia.node.config import load_config

    cfg = load_config(_node_config(tmp_path, f'stream = "{NATS_URL}"\nstream_name = "A_1"\n'
                                             'stream_prefix = "pa"\nstream_durable = "da"\n'))
    s = checked_stream(cfg)
    assert (s.url, s.stream, s.prefix, s.durable) == (NATS_URL, "A_1", "pa", "da")
    s = checked_stream(cfg, "nats://127.0.0.1:4333", "B_2")  # a new name: its own prefix
    assert (s.url, s.stream, s.prefix, s.durable) == ("nats://127.0.0.1:4333", "B_2", "b_2",
                                                      "da")
    s = checked_stream(cfg, prefix="pc", durable="dc")
    assert (s.stream, s.prefix, s.durable) == ("A_1", "pc", "dc")
    bare = load_config(_node_config(tmp_path / "b"))
    assert checked_stream(bare) is None
    assert checked_stream(bare, NATS_URL).subjects == ["gsomia.kor.detections",
                                                       "gsomia.kor.tracks"]


def test_a_bad_stream_key_in_the_config_is_named(tmp_path):
    cfg = _node_config(tmp_path, f'stream = "{NATS_URL}"\nstream_name = "a.b"\n')
    result = runner.invoke(app, ["serve", "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    assert "stream.stream='a.b': expected 1 to 64 of A-Z a-z 0-9 _ -" in result.output
