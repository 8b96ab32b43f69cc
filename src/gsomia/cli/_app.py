"""The Typer application shared by every command module.

Command modules (``gsomia.cli.<topic>``) import :data:`app` and register their commands on it;
:func:`gsomia.cli.main` imports them all. Nothing below the apps layer imports Typer.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from gsomia.errors import GsomiaError

__all__ = ["app", "console", "err_console", "fail", "finite_json", "guarded", "json_text",
           "print_json"]

app = typer.Typer(
    name="gsomia",
    help="Ballistic-missile warning and classified-information sharing under a GSOMIA.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

console = Console()
if not console.is_terminal:  # pipes and CI: wide enough that tables are not cut
    console = Console(width=120)
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` to standard error and exit with ``code`` (2: bad input)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    raise typer.Exit(code)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every :class:`~gsomia.errors.GsomiaError` of a command into exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GsomiaError as exc:
            fail(str(exc))

    return wrapper


def finite_json(obj: Any) -> Any:
    """``obj`` with every number that is not finite (NaN, ±inf, also NumPy's) replaced by
    ``null``; a dict at the top gains ``"undefined": [{"path", "reason"}]`` naming each
    (``launches[3].lpe_error_km``, ``"not a finite number (nan)"``), so one undefined figure
    never costs the whole document. Tuples become lists; nothing else changes."""
    undefined: list[dict[str, str]] = []

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, float | int) and not isinstance(value, bool) \
                and not math.isfinite(value):
            undefined.append({"path": path, "reason": f"not a finite number ({value})"})
            return None
        return value

    out = walk(obj, "")
    if undefined and isinstance(out, dict):
        out["undefined"] = list(out.get("undefined") or []) + undefined
    return out


def json_text(obj: Any, indent: int = 2) -> str:
    """Strict JSON text of ``obj`` after :func:`finite_json` (``allow_nan=False``: a number
    that is not finite can no longer reach it, and would be an error, never written)."""
    return json.dumps(finite_json(obj), ensure_ascii=False, indent=indent, allow_nan=False)


def print_json(obj: Any) -> None:
    """Write ``obj`` as strict JSON to standard output (UTF-8, not ASCII-escaped; numbers
    that are not finite become ``null``, listed in ``"undefined"``: :func:`finite_json`)."""
    sys.stdout.write(json_text(obj) + "\n")
