"""``gsomia bench faults``: two ``gsomia serve`` processes exchanging a stream of warnings
under faults (:mod:`gsomia.web.bench_faults`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gsomia.cli._app import console, err_console, guarded, print_json
from gsomia.cli.node import bench_app

__all__ = ["bench_faults"]

_STORES = {"sqlite": ("sqlite",), "postgresql": ("postgresql",),
           "both": ("sqlite", "postgresql")}
_CASE_HELP = ("A fault case (repeat for several; default all): kill_sender, kill_receiver, "
              "partner_unreachable, disk_full, db_connection_killed, db_restarted (the db_* "
              "cases on PostgreSQL only).")


@bench_app.command("faults")
@guarded
def bench_faults(
    store: Annotated[str, typer.Option("--store", help="sqlite, postgresql or both.")] = "both",
    case: Annotated[list[str] | None, typer.Option("--case", help=_CASE_HELP)] = None,
    n: Annotated[int, typer.Option("--n", min=6, help="Warnings published per case.")] = 200,
    rate: Annotated[float, typer.Option("--rate", min=1.0, help="Warnings published a "
                                        "second.")] = 50.0,
    unreachable_s: Annotated[float, typer.Option("--unreachable-s", min=0.0, help="How long "
                                                 "the partner is unreachable [s].")] = 20.0,
    full_s: Annotated[float, typer.Option("--full-s", min=0.0, help="How long the disk "
                                          "stays full [s].")] = 5.0,
    timeout_s: Annotated[float, typer.Option("--timeout-s", min=1.0, help="Longest wait for "
                                             "every item to be delivered after the stream "
                                             "[s].")] = 60.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Korea's and Japan's nodes as `gsomia serve` processes on 127.0.0.1 (mutual TLS); a
    stream of warnings from Korea to Japan with, a third of the way through, one fault per
    case: kill -9 of the sender or the receiver, the partner unreachable (a TCP proxy cuts
    the link), the disk of the receiver's store and audit log full (a tmpfs; root), the
    database connections killed or the database restarted (a private PostgreSQL server).
    Per case: items acked, stored, lost, duplicated and seconds to recover. Exits 1 when any
    case lost or duplicated an item or did not recover."""
    from gsomia.errors import InputError
    from gsomia.web.bench_faults import CASES, run_faults_bench

    if store not in _STORES:
        raise InputError("--store", store, "expected sqlite, postgresql or both")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done)

        report = run_faults_bench(_STORES[store], tuple(case or CASES), n=n, rate_per_s=rate,
                                  unreachable_s=unreachable_s, full_s=full_s,
                                  timeout_s=timeout_s, progress=progress)
    if json_out:
        print_json(report)
    else:
        _table(report)
    if not report["ok"]:
        raise typer.Exit(1)


def _table(report: dict) -> None:
    table = Table(title=f"{report['n']} warnings per case at {report['rate_per_s']:g}/s, "
                  "Korea → Japan (direct); times in s", title_justify="left",
                  box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    table.add_column("case", no_wrap=True)
    table.add_column("store", no_wrap=True)
    for col in ("acked", "stored", "lost", "dup", "unacked", "503s", "fault", "start",
                "recover", "recovered", "survived"):
        table.add_column(col, justify="right", no_wrap=True)
    for c in report["cases"]:
        table.add_row(c["case"], c["store"], str(c["acked"]), str(c["stored"]), str(c["lost"]),
                      str(c["duplicated"]), str(c["undelivered"]), str(c["answered_503"]),
                      f"{c['fault_s']:.1f}",
                      "—" if c["start_s"] is None else f"{c['start_s']:.1f}",
                      "—" if c["recover_s"] is None else f"{c['recover_s']:.2f}",
                      "yes" if c["recovered"] else "[red]no[/]",
                      "yes" if c["survived"] else f"no ({', '.join(c['restarted'])})")
    console.print(table)
    for s in report["skipped"]:
        console.print(f"skipped {s['case']} ({s['store']}): {s['reason']}", soft_wrap=True,
                      markup=False)
