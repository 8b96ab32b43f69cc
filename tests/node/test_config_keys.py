"""A node's TOML configuration: unknown keys refused (top level and peer tables) naming the
file and the key; route errors say what is expected; every spelling of a Route is read."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.node.config import load_config
from gsomia.sharing import Route

GOOD = ('party = "KOR"\nlisten = "127.0.0.1:0"\nstore = "kor/s.sqlite"\nkeys = "pki"\n')


def _write(tmp_path, text: str):
    path = tmp_path / "kor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _peer(route: str = "direct", extra: str = "") -> str:
    return f'[peers.JPN]\nurl = "https://127.0.0.1:8444"\nroute = "{route}"\n{extra}'


def test_a_good_file_loads(tmp_path):
    cfg = load_config(_write(tmp_path, GOOD + _peer("tisa")))
    assert (cfg.party, cfg.port, [(p.party, p.route) for p in cfg.peers]) == \
        ("KOR", 0, [("JPN", Route.TISA_HUB)])


def test_an_unknown_top_level_key_is_refused_naming_file_and_key(tmp_path):
    path = _write(tmp_path, GOOD + "lisen = 3\n" + _peer())
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.field == f"{path}: lisen"
    assert info.value.value == 3
    assert "unknown key" in str(info.value) and "listen" in str(info.value)


def test_an_unknown_key_in_a_peer_table_is_refused(tmp_path):
    path = _write(tmp_path, GOOD + _peer(extra='rout = "tisa"\n'))
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.field == f"{path}: peers.JPN.rout"
    assert "expected one of url, route" in str(info.value)


def test_a_bad_route_says_what_is_expected(tmp_path):
    path = _write(tmp_path, GOOD + _peer("hub"))
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.field == f"{path}: peers.JPN.route"
    assert info.value.value == "hub"
    assert "expected direct, tisa_hub (tisa) or auto_hub (auto-hub)" in str(info.value)


@pytest.mark.parametrize(("given", "route"), [("tisa_hub", Route.TISA_HUB),
                                              ("tisa", Route.TISA_HUB),
                                              ("auto_hub", Route.AUTO_HUB),
                                              ("auto-hub", Route.AUTO_HUB),
                                              ("direct", Route.DIRECT)])
def test_the_runs_route_names_are_aliases(tmp_path, given, route):
    cfg = load_config(_write(tmp_path, GOOD + _peer(given)))
    assert cfg.peers[0].route == route


def test_serve_refuses_a_misspelt_key_before_creating_anything(tmp_path):
    path = _write(tmp_path, GOOD + "lisen = 3\n" + _peer())
    result = CliRunner().invoke(app, ["serve", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert "lisen" in result.output and "unknown key" in result.output
    assert not (tmp_path / "kor").exists()
