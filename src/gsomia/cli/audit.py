"""``gsomia audit …``: check and read the tamper-evident audit log (SQLite hash chain).

Both commands first check that PATH is an audit log (not a directory, SQLite, with the
``audit`` and ``head`` tables of this schema); otherwise they exit 2 naming PATH.
``verify`` exits 0 when intact, 1 naming where the check failed (a record, or the head),
2 on bad input. ``show`` lists the records without verifying them; a record whose body
is not JSON is an error naming it (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli._app import app, guarded, print_json
from gsomia.cli.agreement import say
from gsomia.sharing import AuditLog, verify_log
from gsomia.sharing.audit import check_log_file

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
    """Verify the log at PATH.

    Exit codes: 0 intact; 1 a record or the head fails (named); 2 PATH is not an audit
    log (a directory, missing, not SQLite, another schema).
    """
    result = verify_log(path, "PATH")
    if as_json:
        print_json(result.to_dict())
    elif result.ok:
        say(f"intact: {result.count} records, head {result.head}")
    else:
        say(f"FAILED at {result.failed_at}: {result.reason}", err=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("show")
@guarded
def show_command(path: Path, as_json: JsonOpt = False) -> None:
    """List the records of the log at PATH (without verifying them).

    Exit codes: 0 listed; 2 PATH is not an audit log, or a record's body is not JSON.
    """
    with AuditLog(check_log_file(path, "PATH"), "PATH") as log:
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
