"""``gsomia report``: the offline HTML report of a batch's attribution
(:mod:`gsomia.sim.attribution_report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli._app import app, console, err_console, guarded
from gsomia.sim.attribution_report import write_report

__all__ = ["report_command"]


@app.command("report")
@guarded
def report_command(
    batch: Annotated[Path, typer.Argument(help="Batch JSON of gsomia run --records DIR "
                                          "--since DATE --json-out FILE (with attribution, "
                                          "the default, with the TISA-delay sweep; "
                                          "--sweep link_delay=... / hub_delay=... for "
                                          "the other sensitivities).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for index.html and its PNGs "
                                      "(created).")],
) -> None:
    """Write an offline HTML report: gain distributions per route, party, missile class and
    year, the attribution to partners and sensors, direct minus hub, the TISA
    approval-delay sensitivity and any other swept assumption."""
    with err_console.status("writing the report"):
        index = write_report(batch, out)
    console.print(f"wrote {index}", highlight=False)
