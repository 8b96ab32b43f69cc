"""Helpers of the exercise tests: ``gsomia serve`` nodes on 127.0.0.1 (ports chosen at run
time), each peering with the others on the direct route, and a bounded wait."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gsomia.web.fault_procs import ServeProcess, free_port

__all__ = ["serve_nodes", "wait"]

#: Japan's duty officer, who reads over HTTP with the operator certificate.
_PERSONNEL = ('[persons.operator]\nname = "Duty officer"\nclearance = "特定秘密"\n'
              'need_to_know = ["dprk-missile-threat"]\n')


def wait(cond, what: str, timeout_s: float = 60.0):
    """Poll ``cond`` every 0.2 s until it returns a true value (returned); fail naming
    ``what`` after ``timeout_s`` [s] (a bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout_s:g} s: {what}")
        time.sleep(0.2)


@contextlib.contextmanager
def serve_nodes(tmp: Path, parties: tuple[str, ...], pki: Path, stream: str | None = None
                ) -> Iterator[dict[str, ServeProcess]]:
    """Running nodes of ``parties`` (JPN with its duty officer), on the NATS server
    ``stream`` when given; stopped on exit."""
    ports = {p: free_port() for p in parties}
    procs = {}
    for p in parties:
        proc = ServeProcess(tmp / p.lower(), p, pki, "store.sqlite", {})
        lines = [f'party = "{p}"', f'listen = "127.0.0.1:{ports[p]}"', 'store = "store.sqlite"',
                 f'keys = "{pki}"', *([f'stream = "{stream}"'] if stream else [])]
        if p == "JPN":
            lines.append('personnel = "personnel.toml"')
            (proc.folder / "personnel.toml").write_text(_PERSONNEL, encoding="utf-8")
        for q in parties:
            if q != p:
                lines += ["", f"[peers.{q}]", f'url = "https://127.0.0.1:{ports[q]}"',
                          'route = "direct"']
        proc.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        procs[p] = proc
    try:
        for proc in procs.values():
            proc.start()
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()
