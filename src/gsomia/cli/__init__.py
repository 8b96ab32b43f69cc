"""Command line: ``gsomia …`` (Typer). A thin edge: converts units, catches GsomiaError.

Importing this package imports no command module: each is imported when its command is used
(:class:`gsomia.cli._app.LazyGroup`; the table of commands is :mod:`gsomia.cli.commands`).
Nor does it import Typer or Rich until :data:`app` is first used, and ``gsomia --help``
never does (:mod:`gsomia.cli.tophelp` writes the same text).
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> None:
    """Entry point of the ``gsomia`` console script."""
    if sys.argv[1:] == ["--help"]:
        from gsomia.cli.tophelp import top_help

        try:
            sys.stdout.write(top_help())
            sys.stdout.flush()
        except BrokenPipeError:  # `gsomia --help | head`: quiet, exit 1, as Click's main
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        return
    from gsomia.cli._app import app

    app()


def __getattr__(name: str) -> Any:
    """:data:`app` (the Typer application), imported on first use."""
    if name == "app":
        from gsomia.cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "main"]
