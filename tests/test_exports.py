"""Every module and package of gsomia declares its public names (issue 11 item 7).

For each module found under ``src/gsomia`` (``__main__`` aside, it runs the CLI):

- it has ``__all__``, a list or tuple of unique strings;
- ``__all__`` is sorted isort-style (ruff RUF022: SCREAMING_CASE constants, then CamelCase
  classes, then the rest; natural order inside each group) — the order ``STYLE.md`` asks;
- every name in it resolves (``getattr(module, name)``);
- for a package, every name is importable from the package itself
  (``from gsomia.x import name``) and is the object its ``__all__`` names.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

import pytest

import gsomia

MODULES = sorted(
    [gsomia.__name__]
    + [m.name for m in pkgutil.walk_packages(gsomia.__path__, prefix="gsomia.")
       if not m.name.endswith(".__main__")]
)


def isort_key(name: str) -> tuple[int, list[object]]:
    """RUF022's order: constants, classes, others; digits compared as numbers."""
    group = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return group, [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_the_walk_finds_every_layer() -> None:
    packages = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    assert {"cli", "node", "physics", "sharing", "sim", "warning", "web"} <= packages


def test_isort_key_orders_like_ruff() -> None:
    names = ["decide", "ROUTES", "Route", "Agreement", "MEMO_MAX", "apply_notice", "Z2",
             "Z10", "load_catalog"]
    assert sorted(names, key=isort_key) == [
        "MEMO_MAX", "ROUTES", "Z2", "Z10", "Agreement", "Route", "apply_notice", "decide",
        "load_catalog"]


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_a_sorted_resolving_all(name: str) -> None:
    module = _module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list | tuple), f"{name} has no __all__"
    assert all(isinstance(x, str) for x in exported), f"{name}.__all__ holds a non-string"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    assert list(exported) == sorted(exported, key=isort_key), f"{name}.__all__ is not sorted"
    missing = [x for x in exported if not hasattr(module, x)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("name", [m for m in MODULES if hasattr(_module(m), "__path__")])
def test_package_names_are_importable_from_the_package(name: str) -> None:
    package = _module(name)
    for export in getattr(package, "__all__", ()):
        namespace: dict[str, object] = {}
        exec(f"from {name} import {export}", namespace)  # the import statement users write
        assert namespace[export] is getattr(package, export)
