"""``gsomia --help`` without Typer, Click or Rich: the top-level help, written from the table
of commands (:mod:`gsomia.cli.commands`) in Click's plain layout, the same text that
:class:`gsomia.cli._app.LazyGroup` draws through Typer (``tests/cli/test_lazy_cli.py``
compares both at several terminal widths).

Why: importing Typer and Rich costs several times what Python's own start does, and this
help is what a new user runs first. The layout is Click's ``HelpFormatter``
(https://click.palletsprojects.com, ``formatting.py``): a width of the terminal's columns,
at most 80, less 2 and at least 50; definition lists whose first column is at most 30
characters plus 2, their text wrapped to the rest (``textwrap``, whitespace kept).
"""

from __future__ import annotations

import shutil
import textwrap

from gsomia.cli.commands import APP_HELP, COMMANDS

__all__ = ["OPTIONS", "top_help"]

#: The options of the ``gsomia`` group itself (Typer's shell-completion options and help).
OPTIONS = (
    ("--install-completion", "Install completion for the current shell."),
    ("--show-completion", "Show completion for the current shell, to copy it or customize "
                          "the installation."),
    ("--help", "Show this message and exit."),
)


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.TextWrapper(width, initial_indent=indent, subsequent_indent=indent,
                                replace_whitespace=False).wrap(text)


def _definitions(rows: tuple[tuple[str, str], ...], width: int) -> list[str]:
    first = min(max(len(name) for name, _ in rows), 30) + 2
    out = []
    for name, text in rows:
        lines = _wrap(text, max(width - first - 2, 10)) or [""]
        if len(name) <= first - 2:
            out.append(f"  {name}{' ' * (first - len(name))}{lines[0]}")
        else:
            out += [f"  {name}", f"{' ' * (first + 2)}{lines[0]}"]
        out += [f"{' ' * (first + 2)}{line}" for line in lines[1:]]
    return out


def top_help(columns: int | None = None) -> str:
    """The text of ``gsomia --help`` for a terminal of ``columns`` (``None``: this one's,
    ``COLUMNS`` first), ending in a newline."""
    cols = shutil.get_terminal_size().columns if columns is None else columns
    width = max(min(cols, 80) - 2, 50)
    lines = [*_wrap("[OPTIONS] COMMAND [ARGS]...", width, ""), ""]
    lines[0] = "Usage: gsomia " + lines[0]
    lines += [*_wrap(APP_HELP, width, "  "), "", "Options:", *_definitions(OPTIONS, width),
              "", "Commands:",
              *_definitions(tuple((e.name, e.summary) for e in COMMANDS), width)]
    return "\n".join(lines) + "\n"
