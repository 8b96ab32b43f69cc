"""Command line: ``gsomia …`` (Typer). A thin edge: converts units, catches GsomiaError."""

from __future__ import annotations

import importlib

from gsomia.cli._app import app

# Each module registers its commands on ``app``; add a topic by adding its name here.
_COMMAND_MODULES = (
    "physics", "records", "agreement", "audit", "scenario", "evaluate", "node", "run",
    "schema", "item", "custody", "cop", "fuzz", "stream", "faults", "report",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(f"gsomia.cli.{_name}")


def main() -> None:
    """Entry point of the ``gsomia`` console script."""
    app()


__all__ = ["app", "main"]
