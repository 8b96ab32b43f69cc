"""Lazy commands (issue 19 item 2): ``import gsomia.cli``, ``gsomia --help`` and
``gsomia decide`` load none of the heavy libraries, ``import gsomia.cli`` and ``gsomia
--help`` not even Typer, Click or Rich, and the help drawn from the table of commands is the
help of the real commands (and Typer's own, at every width).

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

#: What neither ``import gsomia.cli`` nor ``gsomia --help`` loads (Typer and Rich, with the
#: Markdown parser and highlighter Rich's help pulls in, and the Typer application).
UI = ("typer", "click", "rich", "markdown_it", "pygments", "gsomia.cli._app")

#: Every module that registers commands (the modules of the table, nothing else), in the
#: order of the table (the order their subcommands are listed in a group).
COMMAND_MODULES = list(dict.fromkeys(m for entry in COMMANDS for m in entry.modules))

_PROBE = """
import json, sys
sys.argv = ["gsomia", *json.loads(sys.argv[1])]
from gsomia.cli import {entry} as main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
with open({out!r}, "w", encoding="utf-8") as f:
    json.dump({{"code": code, "modules": sorted(sys.modules)}}, f)
"""


def _gsomia(tmp_path: Path, *args: str, preload: tuple[str, ...] = (), columns: int = 100,
            entry: str = "main") -> tuple[str, dict]:
    """Run ``gsomia ARGS`` in a fresh interpreter (after importing ``gsomia.cli.<m>`` for
    each of ``preload``), through ``gsomia.cli.main`` or, ``entry="app"``, straight through
    the Typer application; its standard output and ``{"code", "modules"}``."""
    out = tmp_path / "probe.json"
    code = "".join(f"import gsomia.cli.{m}\n" for m in preload) + \
        _PROBE.format(out=str(out), entry=entry)
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", code, json.dumps(list(args))],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.exists(), done.stderr
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def _heavy(modules: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy)]


def test_import_gsomia_cli_loads_no_command_module_nor_heavy_library():
    code = "import json, sys, gsomia.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    modules = json.loads(done.stdout)
    assert _heavy(modules) == []
    assert _heavy(modules, UI) == []
    assert [m for m in modules if m.removeprefix("gsomia.cli.") in COMMAND_MODULES] == []
    assert "gsomia.sharing" not in modules


def test_help_lists_every_command_and_loads_no_heavy_library(tmp_path):
    stdout, probe = _gsomia(tmp_path, "--help")
    assert probe["code"] == 0
    assert _heavy(probe["modules"]) == []
    assert _heavy(probe["modules"], UI) == []
    assert [m for m in probe["modules"] if m.removeprefix("gsomia.cli.") in COMMAND_MODULES] \
        == []
    # a command's row starts with its name, two spaces in, under "Commands:"
    rows = stdout.split("\nCommands:\n")[1].splitlines()
    listed = [line.split()[0] for line in rows if line[:2] == "  " and line[2:3].isalpha()]
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


@pytest.mark.parametrize("columns", [40, 72, 100, 200])
def test_top_help_from_the_table_is_typers_help_of_the_real_commands(tmp_path, columns):
    # gsomia.cli.main writes it without Typer; Typer's group draws it with every command
    # module imported: the same text at every width
    lazy, _ = _gsomia(tmp_path, "--help", columns=columns)
    eager, probe = _gsomia(tmp_path, "--help", preload=tuple(COMMAND_MODULES), columns=columns,
                           entry="app")
    assert probe["code"] == 0
    assert "typer" in probe["modules"]
    assert lazy == eager
    assert lazy.startswith("Usage: gsomia [OPTIONS] COMMAND [ARGS]...\n")


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


def test_no_arguments_print_the_same_help_and_exit_2(tmp_path):
    bare, probe = _gsomia(tmp_path)
    helped, _ = _gsomia(tmp_path, "--help")
    assert probe["code"] == 2
    assert bare == helped


@pytest.mark.parametrize("args", [["--help"], ["evaluate", "--help"]])
def test_help_into_a_closed_pipe_exits_1_quietly_as_click_does(args):
    # `gsomia --help | head`: the reader is gone before the help is written; the top-level
    # help (written without Click) must end as Click's commands do: exit 1, no traceback
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-c", "import sys; from gsomia.cli import main; "
                               f"sys.argv = ['gsomia', *{args!r}]; main()"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""
