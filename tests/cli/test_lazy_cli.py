"""Lazy commands (issue 19 item 2): ``import gsomia.cli``, ``gsomia --help`` and
``gsomia decide`` load none of the heavy libraries, and the help drawn from the table of
commands is the help of the real commands.

Which modules a process loaded is read from ``sys.modules`` of a fresh interpreter (a
subprocess); nothing here is timed.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main

from gsomia.cli import app
from gsomia.cli.commands import COMMANDS

#: Libraries and modules no light command may load (the tracker pulls in SciPy).
HEAVY = ("scipy", "matplotlib", "numpy", "joserfc", "shapely", "pyproj", "numpy.f2py",
         "gsomia.warning.tracking", "gsomia.sim", "gsomia.node", "gsomia.web", "fastapi",
         "uvicorn")

#: Every module that registers commands (the modules of the table, nothing else), in the
#: order of the table (the order their subcommands are listed in a group).
COMMAND_MODULES = list(dict.fromkeys(m for entry in COMMANDS for m in entry.modules))

_PROBE = """
import json, sys
sys.argv = ["gsomia", *json.loads(sys.argv[1])]
from gsomia.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
with open({out!r}, "w", encoding="utf-8") as f:
    json.dump({{"code": code, "modules": sorted(sys.modules)}}, f)
"""


def _gsomia(tmp_path: Path, *args: str, preload: tuple[str, ...] = ()) -> tuple[str, dict]:
    """Run ``gsomia ARGS`` in a fresh interpreter (after importing ``gsomia.cli.<m>`` for
    each of ``preload``); its standard output and ``{"code", "modules"}``."""
    out = tmp_path / "probe.json"
    code = "".join(f"import gsomia.cli.{m}\n" for m in preload) + _PROBE.format(out=str(out))
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", code, json.dumps(list(args))],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.exists(), done.stderr
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_import_gsomia_cli_loads_no_command_module_nor_heavy_library():
    code = "import json, sys, gsomia.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    modules = json.loads(done.stdout)
    assert _heavy(modules) == []
    assert [m for m in modules if m.removeprefix("gsomia.cli.") in COMMAND_MODULES] == []
    assert "gsomia.sharing" not in modules


def test_help_lists_every_command_and_loads_no_heavy_library(tmp_path):
    stdout, probe = _gsomia(tmp_path, "--help")
    assert probe["code"] == 0
    assert _heavy(probe["modules"]) == []
    assert [m for m in probe["modules"] if m.removeprefix("gsomia.cli.") in COMMAND_MODULES] \
        == []
    # a command's row starts with its name right after the panel's border
    listed = [line[2:].split()[0] for line in stdout.splitlines()
              if line.startswith("│ ") and line[2:3].isalpha()]
    listed = listed[listed.index("trajectory"):]
    assert listed == [entry.name for entry in COMMANDS]


def test_decide_loads_no_heavy_library(tmp_path):
    label = tmp_path / "label.json"
    label.write_text(json.dumps({"originator": "JPN", "classification": "極秘",
                                 "releasable_to": ["KOR"], "topic": "dprk-missile-threat",
                                 "holder": "JPN", "item_id": "i1"}, ensure_ascii=False),
                     encoding="utf-8")
    stdout, probe = _gsomia(tmp_path, "decide", "--label", str(label), "--to", "USA",
                            "--at", "2019-12-01", "--json")
    assert probe["code"] == 1  # no agreement lets JPN release to the USA directly
    assert json.loads(stdout)["permit"] is False
    assert _heavy(probe["modules"]) == []


def test_top_help_from_the_table_is_the_help_of_the_real_commands(tmp_path):
    lazy, _ = _gsomia(tmp_path, "--help")
    eager, probe = _gsomia(tmp_path, "--help", preload=tuple(COMMAND_MODULES))
    assert probe["code"] == 0
    assert lazy == eager


def _first_paragraph(help_text: str | None) -> str:
    """What Typer lists for a command: its help's first paragraph on one line."""
    return inspect.cleandoc(help_text or "").split("\n\n")[0].replace("\n", " ").strip()


def test_table_is_every_command_with_its_summary():
    for module in COMMAND_MODULES:
        importlib.import_module(f"gsomia.cli.{module}")
    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    real = {name: group.get_command(ctx, name) for name in group.commands}
    assert sorted(real) == sorted(entry.name for entry in COMMANDS)
    for entry in COMMANDS:
        assert _first_paragraph(real[entry.name].help) == entry.summary, entry.name


@pytest.mark.slow
@pytest.mark.parametrize("entry", COMMANDS, ids=lambda e: e.name)
def test_each_command_help_is_complete_when_only_it_is_loaded(tmp_path, entry):
    """``gsomia NAME --help`` in a fresh process (only NAME's modules imported) equals the
    help printed once every command module is imported."""
    lazy, probe = _gsomia(tmp_path, entry.name, "--help")
    eager, _ = _gsomia(tmp_path, entry.name, "--help", preload=tuple(COMMAND_MODULES))
    assert probe["code"] == 0
    assert lazy == eager
    assert "Usage: gsomia " + entry.name in " ".join(lazy.split())
