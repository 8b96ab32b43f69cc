"""The Typer application shared by every command module.

Command modules (``gsomia.cli.<topic>``) import :data:`app` and register their commands on it;
:func:`gsomia.cli.main` imports them all. Nothing below the apps layer imports Typer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from gsomia.errors import GsomiaError

__all__ = ["app", "console", "err_console", "fail", "guarded", "print_json"]

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


def print_json(obj: Any) -> None:
    """Write ``obj`` as strict JSON to standard output (UTF-8, not ASCII-escaped; a NaN or
    infinity is an error, never written)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
