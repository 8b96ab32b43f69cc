"""``gsomia audit …``: check and read the tamper-evident audit log (SQLite hash chain)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli._app import app, guarded, print_json
from gsomia.cli.agreement import say
from gsomia.errors import AuditError
from gsomia.sharing import AuditLog, verify_log

__all__ = ["audit_app"]

audit_app = typer.Typer(
    name="audit",
    help="The audit log: verify that no record was edited, deleted or reordered.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@audit_app.command("verify")
@guarded
def verify_command(path: Path, as_json: JsonOpt = False) -> None:
    """Exit 0 when the log at PATH is intact; otherwise exit 1 naming the first bad record."""
    result = verify_log(path)
    if as_json:
        print_json(result.to_dict())
    elif result.ok:
        say(f"intact: {result.count} records, head {result.head}")
    else:
        say(f"FAILED at record {result.failed_seq}: {result.reason}", err=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("show")
@guarded
def show_command(path: Path, as_json: JsonOpt = False) -> None:
    """List the records of the log at PATH (without verifying them)."""
    if not path.is_file():
        raise AuditError("path", str(path), "no such audit log")
    with AuditLog(path) as log:
        records = list(log.records())
    if as_json:
        print_json(
            [
                {"seq": r.seq, "at": r.at, "kind": r.kind, "body": r.body, "hash": r.hash}
                for r in records
            ]
        )
        return
    for r in records:
        say(f"{r.seq:>5} {r.at} {r.kind:<22} {r.hash[:16]}")
