"""The shape of ``src/gsomia`` (issue 11 item 6; ARCHITECTURE.md layers).

Read from the source with :mod:`ast` (nothing imported):

- no import cycle among gsomia modules, imports inside functions counted;
- no module over :data:`MAX_MODULE_LINES` lines;
- no private name imported from another module (``from gsomia.x import _name``);
- no function over :data:`MAX_FUNCTION_LINES` lines unless its docstring has a line starting
  with :data:`LONG_MARKER` that says why.

And the layer contracts of ``pyproject.toml`` (``[tool.importlinter]``: cli/web > sim >
node > warning | sharing > physics > input readers > errors; web never imports cli; no
FastAPI, Starlette, uvicorn or Typer below the apps) hold, checked by ``lint-imports``.
Each checker is first shown to find what it looks for on a small made-up tree.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: A docstring line starting with this gives the reason a function may be longer.
LONG_MARKER = "Long because"


def modules(src: Path) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``src``."""
    found = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(src: Path) -> Iterator[tuple[str, str, str | None, int]]:
    """``(importer, imported module, name or None, line)`` for every import of a module
    of ``src`` anywhere in a file (top level, functions, ``if TYPE_CHECKING``); a
    ``from m import x`` that names a submodule ``m.x`` counts as importing ``m.x``."""
    mods = modules(src)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in mods:
                        yield name, alias.name, None, node.lineno
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    if f"{target}.{alias.name}" in mods:
                        yield name, f"{target}.{alias.name}", None, node.lineno
                    elif target in mods:
                        yield name, target, alias.name, node.lineno


def cycles(src: Path) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported, _, _ in imports(src):
        if importer != imported:
            graph[importer].add(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(modules(src)):
        if module not in index:
            visit(module)
    return sorted(found)


def private_imports(src: Path) -> list[str]:
    """``importer:line from module import _name`` for each private name taken from another
    module (dunder names such as ``__version__`` are not private)."""
    return [
        f"{importer}:{line} from {imported} import {name}"
        for importer, imported, name, line in imports(src)
        if name and name.startswith("_") and not name.endswith("__") and imported != importer
    ]


def long_modules(src: Path, limit: int = MAX_MODULE_LINES) -> list[str]:
    """``lines path`` of each module over ``limit`` lines."""
    out = []
    for path in modules(src).values():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out.append(f"{n} {path.relative_to(src)}")
    return out


def long_functions(src: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``lines path:line name`` of each function over ``limit`` lines (``def`` to its last
    line) whose docstring has no line starting with :data:`LONG_MARKER`."""
    out = []
    for path in modules(src).values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            n = node.end_lineno - node.lineno + 1 if node.end_lineno else 0
            doc = ast.get_docstring(node) or ""
            if n > limit and not any(
                line.strip().startswith(LONG_MARKER) for line in doc.splitlines()
            ):
                out.append(f"{n} {path.relative_to(src)}:{node.lineno} {node.name}")
    return out


# --- the checkers find what they look for ---------------------------------------------


@pytest.fixture
def made_up(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import c\n")
    (pkg / "a.py").write_text("from pkg.b import _helper\n\ndef f():\n    return _helper\n")
    (pkg / "b.py").write_text("def _helper():\n    from pkg import a  # in a function\n")
    (pkg / "sub" / "c.py").write_text("from ..a import f\n")
    long_body = "\n".join(f"    x{i} = {i}" for i in range(81))
    (pkg / "d.py").write_text(
        f'def short():\n    return 1\n\n\ndef long():\n    """Plain."""\n{long_body}\n\n\n'
        f'def excused():\n    """Sums.\n\n    {LONG_MARKER} it is one table.\n    """\n'
        f"{long_body}\n" + "\n" * 500
    )
    return tmp_path


def test_the_checkers_find_cycles_private_names_and_long_code(made_up: Path) -> None:
    assert cycles(made_up) == [["pkg.a", "pkg.b"]]  # b imports a inside a function
    assert private_imports(made_up) == ["pkg.a:1 from pkg.b import _helper"]
    assert ("pkg.sub.c", "pkg.a", "f", 1) in set(imports(made_up))  # relative, two levels
    assert long_functions(made_up) == ["83 pkg/d.py:5 long"]  # "excused" gives its reason
    assert [x.split()[1] for x in long_modules(made_up)] == ["pkg/d.py"]


# --- the real tree ---------------------------------------------------------------------


def test_the_tree_is_read() -> None:
    mods = modules(SRC)
    assert "gsomia.sharing.decision" in mods and "gsomia.node.links" in mods
    edges = {(a, b) for a, b, _, _ in imports(SRC)}
    assert ("gsomia.sharing.decision", "gsomia.sharing.rules") in edges


def test_no_import_cycle() -> None:
    found = cycles(SRC)
    assert not found, "import cycles:\n" + "\n".join(" ".join(c) for c in found)


def test_no_private_name_imported_from_another_module() -> None:
    found = private_imports(SRC)
    assert not found, "private names imported:\n" + "\n".join(found)


def test_no_module_over_600_lines() -> None:
    found = long_modules(SRC)
    assert not found, "modules over 600 lines:\n" + "\n".join(found)


def test_no_function_over_80_lines_without_a_reason() -> None:
    found = long_functions(SRC)
    assert not found, f"functions over 80 lines, no '{LONG_MARKER}':\n" + "\n".join(found)


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_the_layer_contract_is_the_architecture() -> None:
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    assert layers["containers"] == ["gsomia"]
    assert layers["layers"][:5] == ["cli : web", "sim", "node", "warning | sharing", "physics"]
    assert layers["layers"][-1].startswith("errors")


@pytest.mark.parametrize("contract", [c["id"] for c in _contracts()])
def test_import_linter_contract_holds(contract: str) -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [
        sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    done = subprocess.run(
        [*command, "--config", str(ROOT / "pyproject.toml"), "--contract", contract,
         "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
