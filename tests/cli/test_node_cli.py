"""The real ``gsomia pki init`` and ``gsomia serve`` on bad input: one-line errors (exit 2)
naming the setting, nothing created or overwritten."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.sharing.pki import PARTY_FILES

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki") / "pki"
    assert run("pki", "init", str(root)).exit_code == 0
    return root


def _config(tmp_path, pki, listen="127.0.0.1:0", peers=None, store='"kor/s.sqlite"'):
    peers = peers if peers is not None else (
        '[peers.JPN]\nurl = "https://127.0.0.1:8444"\nroute = "direct"\n')
    path = tmp_path / "kor.toml"
    path.write_text(f'party = "KOR"\nlisten = "{listen}"\nstore = {store}\n'
                    f'keys = "{pki}"\n{peers}', encoding="utf-8")
    return path


def _fails(result, *names: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for name in names:
        assert name in result.output, result.output


@pytest.mark.parametrize(("listen", "peers", "store", "names"), [
    ("127.0.0.1:99999", None, '"kor/s.sqlite"', ("listen", "65535")),
    ("127.0.0.1:0", 'peers = "x"\n', '"kor/s.sqlite"', ("peers",)),
    ("127.0.0.1:0", None, '"/proc/nope/s.sqlite"', ("store",)),
    ("127.0.0.1:0", '[peers.JPN]\nurl = "http://127.0.0.1:8444"\n', '"kor/s.sqlite"',
     ("peers.JPN.url", "https")),
    ("127.0.0.1:0", '[peers.GBR]\nurl = "https://127.0.0.1:8444"\n', '"kor/s.sqlite"',
     ("peers.GBR",)),
    ("127.0.0.1:0", '[peers.KOR]\nurl = "https://127.0.0.1:8444"\n', '"kor/s.sqlite"',
     ("peers.KOR",)),
])
def test_serve_refuses_bad_settings_before_creating_anything(tmp_path, pki, listen, peers,
                                                             store, names):
    config = _config(tmp_path, pki, listen, peers, store)
    _fails(run("serve", "--config", str(config)), *names)
    assert not (tmp_path / "kor").exists()


def test_serve_on_a_port_in_use_creates_no_store(tmp_path, pki):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        config = _config(tmp_path, pki, f"127.0.0.1:{busy.getsockname()[1]}")
        _fails(run("serve", "--config", str(config)), "listen", "cannot bind")
    finally:
        busy.close()
    assert not (tmp_path / "kor").exists()


def test_pki_init_on_a_file_or_an_unwritable_place_is_a_one_line_error(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    _fails(run("pki", "init", str(afile)), "not a directory")
    _fails(run("pki", "init", "/proc/foo"), "/proc/foo")


def test_pki_init_never_overwrites_and_adding_a_party_extends_the_trusted_cas(tmp_path):
    root = tmp_path / "pki"
    assert run("pki", "init", str(root)).exit_code == 0
    before = {p: {f: (root / p / f).read_bytes() for f in PARTY_FILES}
              for p in ("JPN", "KOR", "USA")}
    cas = (root / "trusted-cas.pem").read_bytes()
    _fails(run("pki", "init", str(root)), "refusing to overwrite")
    # any one file of a party is enough to refuse, not only sign.key
    (root / "KOR" / "sign.key").unlink()
    _fails(run("pki", "init", str(root), "--party", "KOR"), "refusing to overwrite")
    assert (root / "trusted-cas.pem").read_bytes() == cas
    assert run("pki", "init", str(root), "--party", "GBR").exit_code == 0
    bundle = (root / "trusted-cas.pem").read_bytes()
    assert bundle.startswith(cas) and bundle.count(b"BEGIN CERTIFICATE") == 4
    for p in ("JPN", "USA"):
        assert {f: (root / p / f).read_bytes() for f in PARTY_FILES} == before[p]
    assert not [x for x in root.iterdir() if x.name.startswith(".pki-")]
    # --force replaces a party's files and its CA in the bundle (not adding a second one)
    assert run("pki", "init", str(root), "--party", "KOR", "--force").exit_code == 0
    assert (root / "KOR" / "ca.crt").read_bytes() != before["KOR"]["ca.crt"]
    bundle = (root / "trusted-cas.pem").read_bytes()
    assert bundle.count(b"BEGIN CERTIFICATE") == 4
    assert (root / "KOR" / "ca.crt").read_bytes() in bundle
    assert before["KOR"]["ca.crt"] not in bundle
    assert oct((root / "KOR" / "operator.key").stat().st_mode & 0o777) == "0o600"


def test_a_wildcard_listen_host_is_warned_about(tmp_path, pki):
    from gsomia.node.config import listen_warning, load_config

    assert listen_warning(load_config(_config(tmp_path, pki, "0.0.0.0:0"))) is not None
    assert listen_warning(load_config(_config(tmp_path, pki, "127.0.0.1:0"))) is None
