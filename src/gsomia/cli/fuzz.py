"""``gsomia bench fuzz``: generated requests against a live node (:mod:`gsomia.web.bench_fuzz`)."""

from __future__ import annotations

from typing import Annotated

import typer

from gsomia.cli._app import console, guarded, print_json
from gsomia.cli.node import bench_app

__all__ = ["bench_fuzz"]


@bench_app.command("fuzz")
@guarded
def bench_fuzz(
    n: Annotated[int, typer.Option("--n", min=1, help="Requests to send.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated requests.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """KOR and JPN as live servers on 127.0.0.1 (mutual TLS): N requests generated from
    KOR's OpenAPI (Schemathesis: valid and invalid bodies) and poison bodies (deep
    nesting, huge integers, lone surrogates, bad epochs) to the inbox (as JPN's node) and
    every operator route, some with an Idempotency-Key and sent twice. Exits 1 when any
    answer is 5xx, a rejected request left anything stored, or a replay was not the first
    answer."""
    try:
        import schemathesis  # noqa: F401

        from gsomia.web.bench_fuzz import run_bench
    except ImportError:
        console.print("gsomia bench fuzz needs Schemathesis: pip install 'gsomia[bench]'")
        raise typer.Exit(2) from None
    with console.status(f"fuzzing a live node with {n} requests…"):
        report = run_bench(n, seed)
    if json_out:
        print_json(report)
    else:
        c = report["by_class"]
        console.print(f"{report['requests']} requests: 2xx {c['2xx']}, 4xx {c['4xx']}, "
                      f"5xx {c['5xx']}; by status {report['by_status']}", soft_wrap=True)
        console.print(f"answers >= 500: {report['server_errors']}; rejected requests that "
                      f"stored anything: {report['stored_from_rejected']}; Idempotency-Key "
                      f"replays {report['replays']}, not the first answer: "
                      f"{report['replay_mismatches']} (seed {seed})", soft_wrap=True)
        for ex in (report["server_error_examples"] + report["stored_examples"]
                   + report["replay_examples"]):
            console.print(ex, markup=False, soft_wrap=True)
    if report["server_errors"] or report["stored_from_rejected"] or report["replay_mismatches"]:
        raise typer.Exit(1)
