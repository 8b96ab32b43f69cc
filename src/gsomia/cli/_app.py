"""The Typer application shared by every command module.

Command modules (``gsomia.cli.<topic>``) import :data:`app` and register their commands on it.
None is imported up front: :class:`LazyGroup` imports a command's modules (listed in
:data:`gsomia.cli.commands.COMMANDS`) when that command is invoked or asked for its help, so
``gsomia --help`` and each command load only what they use. Nothing below the apps layer
imports Typer.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import typer
import typer.main
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from gsomia.cli.commands import APP_HELP, COMMANDS, command_entry
from gsomia.errors import GsomiaError

__all__ = ["LazyGroup", "app", "console", "err_console", "fail", "finite_json", "guarded",
           "json_text", "print_json"]


class LazyGroup(TyperGroup):
    """The top-level ``gsomia`` group, whose commands are imported only when used.

    It lists the commands of :data:`~gsomia.cli.commands.COMMANDS`, in that order. Asked for a
    command (to run it, or for its own ``--help``), it imports the command's modules, which
    register it on :data:`app`, and rebuilds the commands from :data:`app`. While the group
    draws its own help or completes a command name, a command not imported yet is stood in
    for by its name and summary from the table (the same first paragraph Typer would show).
    An unknown name imports every command first, so "did you mean" sees them all.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.listing = False

    def list_commands(self, ctx: typer.Context) -> list[str]:
        """Every command's name, in the order of the table."""
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        """The command ``cmd_name`` (a stand-in while listing), or ``None`` if unknown."""
        entry = command_entry(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        if self.listing:
            loaded = self.commands.get(cmd_name)
            return loaded if loaded is not None else TyperCommand(entry.name,
                                                                  help=entry.summary)
        self.load(entry.modules)
        return self.commands.get(cmd_name)

    def load(self, modules: tuple[str, ...]) -> None:
        """Import ``gsomia.cli.<module>`` for each of ``modules`` and rebuild the commands
        from :data:`app` (which then holds every command registered so far)."""
        for module in modules:
            importlib.import_module(f"gsomia.cli.{module}")
        self.commands.update(typer.main.get_command(app).commands)  # type: ignore[attr-defined]

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:
        """Click's resolution, every command imported first when the name is not known."""
        if args and command_entry(args[0]) is None and not args[0].startswith("-"):
            self.load(tuple(sorted({m for entry in COMMANDS for m in entry.modules})))
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        """The group's help, plain (Click's layout, no Rich: the same text that
        :func:`gsomia.cli.tophelp.top_help` writes without importing Typer); commands not
        imported yet are listed from the table."""
        self.listing = True
        try:
            super(TyperGroup, self).format_help(ctx, formatter)  # Click's, not Rich's
        finally:
            self.listing = False

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """Click's parsing; no arguments at all print the help and exit 2 (the plain help
        is text, so it is echoed here: Typer prints only Rich's on its own)."""
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())
            ctx.exit(2)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        """Every command with its whole summary (the table's), wrapped."""
        with formatter.section("Commands"):
            formatter.write_dl([(entry.name, entry.summary) for entry in COMMANDS])

    def shell_complete(self, ctx: typer.Context, incomplete: str) -> Any:
        """Completions of a command name, from the table for commands not imported yet."""
        self.listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self.listing = False


app = typer.Typer(
    name="gsomia",
    cls=LazyGroup,
    help=APP_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def root() -> None:
    """The ``gsomia`` group itself: no option of its own (it keeps :data:`app` a group of
    commands even before any command module is imported)."""

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
