"""``gsomia serve --config FILE`` as a real subprocess on 127.0.0.1 (port chosen at run time),
from the example configuration in examples/live/, exchanging warnings with a Japanese node."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from web_support import WAIT_S, until, warning

from gsomia.node import HttpsLink, Node, TlsFiles, WallClock
from gsomia.node.config import load_config
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import (
    init_pki,
    load_directory,
    load_party_cas,
    load_party_keys,
    operator_paths,
    tls_paths,
)
from gsomia.web import ThreadedServer, bind, create_app, uvicorn_config
from gsomia.web.fault_procs import gsomia_command

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "live" / "kor.toml"


def _read_url(proc: subprocess.Popen, deadline: float) -> str:
    """The URL the server prints when it has bound its socket."""
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"https://127\.0\.0\.1:\d+", line)
        if found:
            return found.group(0)
    raise AssertionError(f"gsomia serve printed no URL: {''.join(lines)!r}")


def test_the_example_configuration_loads():
    cfg = load_config(EXAMPLE)
    assert cfg.party == "KOR" and [p.party for p in cfg.peers] == ["JPN"]
    assert cfg.store == EXAMPLE.parent / "kor" / "store.sqlite"


@pytest.fixture
def japan(tmp_path):
    """Japan's node served in this process; Korea's URL is set once the subprocess runs."""
    init_pki(tmp_path / "pki")
    got: list = []
    cond = threading.Condition()

    def on_warning(warning, item):
        with cond:
            got.append(item)
            cond.notify_all()

    sock = bind("127.0.0.1", 0)
    node = Node("JPN", load_party_keys(tmp_path / "pki", "JPN"),
                load_directory(tmp_path / "pki"), load_catalog(),
                f"sqlite:///{tmp_path / 'jpn.sqlite'}", WallClock(),
                routes={"KOR": "direct"}, on_warning=on_warning)
    cert, key, cas = tls_paths(tmp_path / "pki", "JPN")
    app = create_app(node, party_cas=load_party_cas(tmp_path / "pki"))
    server = ThreadedServer(uvicorn_config(app, cert, key, cas), sock).start()
    node.got, node.cond, node.url = got, cond, f"https://127.0.0.1:{server.port}"
    yield node
    server.stop()
    node.close()


@pytest.mark.slow
def test_serve_runs_as_a_subprocess_and_exchanges_warnings(tmp_path, japan):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('listen = "127.0.0.1:8443"', 'listen = "127.0.0.1:0"')
    text = text.replace('url = "https://127.0.0.1:8444"', f'url = "{japan.url}"')
    config = tmp_path / "kor.toml"
    config.write_text(text, encoding="utf-8")
    # the personnel file the example names: Korea's operator reads as [persons.operator]
    shutil.copy(EXAMPLE.with_name("kor-personnel.toml"), tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*gsomia_command(), "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)
    try:
        korea = _read_url(proc, time.monotonic() + WAIT_S)
        kor_tls = TlsFiles(*operator_paths(tmp_path / "pki", "KOR")).client_context()
        jpn_tls = TlsFiles(*tls_paths(tmp_path / "pki", "JPN"))

        def healthy():
            try:
                r = httpx.get(f"{korea}/v1/health", verify=kor_tls, timeout=2.0)
            except httpx.HTTPError:
                return None
            return r.json() if r.status_code == 200 else None

        assert until(healthy, "/v1/health")["party"] == "KOR"

        # Japan -> Korea: an envelope from another node into the subprocess's inbox
        japan.connect("KOR", HttpsLink("KOR", korea, jpn_tls))
        [rel] = japan.publish_warning(warning(1.0))
        items = until(lambda: [i for i in httpx.get(f"{korea}/v1/items", verify=kor_tls)
                                .json() if i["item_id"] == rel.item_id], "Korea's items")
        assert items[0]["originator"] == "JPN" and items[0]["sender"] == "JPN"
        assert items[0]["marking"]["text"] == "일본 군사II급비밀"  # Korean script, Art. 4(2)

        # Korea -> Japan: a local user of the subprocess publishes a warning
        r = httpx.post(f"{korea}/v1/warnings", json=warning(2.0).to_dict(), verify=kor_tls)
        assert r.status_code == 200 and r.json()[0]["to"] == "JPN"
        with japan.cond:
            japan.cond.wait_for(lambda: japan.got, timeout=WAIT_S)
        assert japan.got[0].originator == "KOR"
        assert japan.got[0].marking["text"] in ("大韓民国 極秘", "大韓民国 特定秘密")
    finally:
        if "KOR" in japan.links:
            japan.links.pop("KOR").close()  # close the keep-alive connection: a quick stop
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    # uvicorn shuts down, then re-raises the SIGTERM it caught: -15 is a clean stop
    assert proc.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert (tmp_path / "kor" / "store.sqlite").exists()
