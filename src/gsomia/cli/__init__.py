"""Command line: ``gsomia …`` (Typer). A thin edge: converts units, catches GsomiaError.

Importing this package imports no command module: each is imported when its command is used
(:class:`gsomia.cli._app.LazyGroup`; the table of commands is :mod:`gsomia.cli.commands`).
"""

from __future__ import annotations

from gsomia.cli._app import app


def main() -> None:
    """Entry point of the ``gsomia`` console script."""
    app()


__all__ = ["app", "main"]
