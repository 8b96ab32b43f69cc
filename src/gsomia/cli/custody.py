"""``gsomia item holders|action|actions|compromise|cases|investigate|close`` and
``gsomia bench custody``: custody and originator control of a running node.

Each ``item`` command talks to the node's HTTP API (:mod:`gsomia.web.custody`) as this
party's operator: the node's ``--config`` file gives the party, the address (``listen``;
a wildcard host is reached on 127.0.0.1) and the PKI folder, whose ``operator.crt`` /
``operator.key`` authenticate the request (mutual TLS); ``--url`` overrides the address.
A refusal by the node (Art. 6: only the Originating Party; Art. 17: only the Receiving
Party; unknown item or case; bad input) exits 2 with its message.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from gsomia.cli._app import app, console, fail, guarded, print_json
from gsomia.cli.cells import cell
from gsomia.cli.node import bench_app
from gsomia.errors import InputError

__all__ = ["bench_custody", "item_app"]


def _item_app() -> typer.Typer:
    """The ``gsomia item`` group: the one of ``gsomia.cli.item`` when installed."""
    try:
        return importlib.import_module("gsomia.cli.item").item_app
    except (ImportError, AttributeError):
        group = typer.Typer(help="Classified items at a node: custody, originator actions, "
                                 "loss or compromise cases.", no_args_is_help=True)
        app.add_typer(group, name="item")
        return group


item_app = _item_app()

_Config = Annotated[Path, typer.Option("--config", help="The node's TOML file.")]
_Url = Annotated[str | None, typer.Option("--url", help="The node's https:// address "
                                          "(default: its listen address).")]
_Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]
#: An item or case id as the nodes make them (``KOR-<hex>``, ``case-<hex>``): one path
#: segment, never ``..`` nor a character a URL gives a meaning (/, ?, #, %).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:~-]{0,255}")


def _id(field: str, value: str) -> str:
    """``value`` when it has an item or case id's form, checked before any request.

    Raises:
        InputError: (``field``) any other text, e.g. ``../../v1/health``.
    """
    if not _ID.fullmatch(value) or ".." in value:
        raise InputError(field, value, "not an id: letters, digits and . _ : ~ - only, "
                                       "at most 256 characters, no '..'")
    return value


def _call(config: Path, url: str | None, method: str, path: str,
          body: dict[str, Any] | None = None) -> Any:
    """``method path`` on the node's API as its operator; the JSON answer.

    Raises:
        InputError: unreadable config or keys (names the key).
    """
    import httpx

    from gsomia.node import TlsFiles
    from gsomia.node.config import load_config
    from gsomia.sharing.pki import operator_paths

    cfg = load_config(config)
    host = "127.0.0.1" if cfg.host in ("", "0.0.0.0", "::", "[::]", "*") else cfg.host
    base = (url or f"https://{host}:{cfg.port}").rstrip("/")
    tls = TlsFiles(*operator_paths(cfg.keys, cfg.party))
    try:
        with httpx.Client(verify=tls.client_context(), timeout=10.0, trust_env=False) as c:
            answer = c.request(method, f"{base}{path}", json=body)
    except (httpx.HTTPError, OSError) as exc:
        fail(f"{base}: {type(exc).__name__}: {exc}")
    try:
        data = answer.json()
    except ValueError:
        fail(f"{base}{path}: HTTP {answer.status_code}, not JSON")
    if answer.status_code >= 400:
        fail(f"HTTP {answer.status_code}: {data.get('error', data)}")
    return data


@item_app.command("holders")
@guarded
def holders(item: Annotated[str, typer.Argument(help="Item id.")], config: _Config,
            url: _Url = None, json_out: _Json = False) -> None:
    """Every party the node released ITEM to (route, next hop, envelope, status) and from
    whom it holds it."""
    view = _call(config, url, "GET", f"/v1/items/{_id('ITEM', item)}/custody")
    if json_out:
        print_json(view)
        return
    console.print(f"{view['item_id']} (originator {view['originator']}) at {view['party']}: "
                  f"holders {', '.join(view['holders']) or '-'}")
    for e in view["released_to"]:
        console.print(f"  released to {e['party']:4} {e['route']:9} via {e['next_hop']:4} "
                      f"{e['status']:9} {e['envelope_id']}")
    for e in view["received_from"]:
        console.print(f"  received from {e['party']:4} {e['route']:9} for {e['final']:4} "
                      f"{e['status']:9} {e['envelope_id']}")


@item_app.command("action")
@guarded
def action(item: Annotated[str, typer.Argument(help="Item id (one this party originated).")],
           what: Annotated[str, typer.Argument(help="reclassify, downgrade, declassify, "
                                               "recall or destroy.")],
           config: _Config,
           classification: Annotated[str | None, typer.Option(
               "--classification", help="The new marking (reclassify, downgrade).")] = None,
           url: _Url = None, json_out: _Json = False) -> None:
    """Issue an originator action (Art. 6(d)–(h)) on ITEM to every holder."""
    notice = _call(config, url, "POST", f"/v1/items/{_id('ITEM', item)}/actions",
                   {"action": what, "new_classification": classification})
    if json_out:
        print_json(notice)
        return
    console.print(f"notice {notice['notice_id']} #{notice['seq']} {notice['action']} "
                  f"sent to {', '.join(notice['pending']) or 'no holder'}")


@item_app.command("actions")
@guarded
def actions(item: Annotated[str, typer.Argument(help="Item id.")], config: _Config,
            url: _Url = None, json_out: _Json = False) -> None:
    """The notices on ITEM; at the originator, which holders acknowledged each."""
    notices = _call(config, url, "GET", f"/v1/items/{_id('ITEM', item)}/actions")
    if json_out:
        print_json(notices)
        return
    for n in notices:
        line = f"#{n['seq']} {n['action']:10} {n['new_classification'] or '':8} {n['status']}"
        if n["direction"] == "issued":
            line += (f"  acknowledged: {', '.join(n['acknowledged']) or '-'}"
                     f"  pending: {', '.join(n['pending']) or '-'}")
        console.print(line)


@item_app.command("compromise")
@guarded
def compromise(item: Annotated[str, typer.Argument(help="Item id (one held here).")],
               config: _Config,
               what: Annotated[str, typer.Option("--what", help="What was lost or "
                                                 "compromised, and how.")],
               possible: Annotated[bool, typer.Option("--possible", help="A possible loss "
                                                      "or compromise.")] = False,
               url: _Url = None, json_out: _Json = False) -> None:
    """Report a loss or compromise of ITEM to its originator at once (Art. 17)."""
    case = _call(config, url, "POST", f"/v1/items/{_id('ITEM', item)}/compromise",
                 {"what": what, "possible": possible})
    if json_out:
        print_json(case)
        return
    console.print(f"case {case['case_id']} opened; reported to {case['originator']}")


@item_app.command("cases")
@guarded
def cases(config: _Config, url: _Url = None, json_out: _Json = False) -> None:
    """Loss or compromise cases at the node, as holder and as originator (Art. 17);
    what happened shortened to one line (--json: in full)."""
    found = _call(config, url, "GET", "/v1/cases")
    if json_out:
        print_json(found)
        return
    for c in found:
        console.print(f"{c['case_id']} {c['side']:10} {c.get('scope', 'item'):9} "
                      f"{c['item_id']} holder {c['holder']} {c['status']:12} "
                      f"{cell(c['what'])}", highlight=False)


@item_app.command("investigate")
@guarded
def investigate(case: Annotated[str, typer.Argument(help="Case id.")], config: _Config,
                findings: Annotated[str, typer.Option("--findings")],
                measures: Annotated[str, typer.Option("--measures", help="Preventive "
                                                      "measures.")],
                url: _Url = None, json_out: _Json = False) -> None:
    """Record the investigation of CASE and report it to the originator (Art. 17)."""
    out = _call(config, url, "POST", f"/v1/cases/{_id('CASE', case)}/investigation",
                {"findings": findings, "preventive_measures": measures})
    print_json(out) if json_out else console.print(f"case {case} {out['status']}")


@item_app.command("close")
@guarded
def close(case: Annotated[str, typer.Argument(help="Case id.")], config: _Config,
          summary: Annotated[str, typer.Option("--summary")] = "closed",
          url: _Url = None, json_out: _Json = False) -> None:
    """Close an investigated CASE and report it to the originator (Art. 17)."""
    out = _call(config, url, "POST", f"/v1/cases/{_id('CASE', case)}/close", {"summary": summary})
    print_json(out) if json_out else console.print(f"case {case} {out['status']}")


@bench_app.command("custody")
@guarded
def bench_custody(
    n: Annotated[int, typer.Option("--n", min=3, help="Items per route.")] = 3,
    json_out: _Json = False,
) -> None:
    """JPN, KOR, USA as live servers on 127.0.0.1 (mutual TLS): Korean items on every
    route, reclassified, recalled and destroyed by Korea; a loss reported by Japan (Art.
    17); an adversarial holder's forged control messages."""
    from gsomia.web.bench_custody import run_custody_bench

    report = run_custody_bench(n)
    if json_out:
        print_json(report)
        return
    console.print("items " + ", ".join(f"{k} {v}" for k, v in report["items"].items()))
    console.print(f"{'action':10} notices holders reached acknowledged wrong_state")
    for name, r in report["actions"].items():
        console.print(f"{name:10} {r['notices']:7} {r['holders']:7} {r['reached']:7} "
                      f"{r['acknowledged']:12} {r['wrong_state']:11}")
    c = report["compromise"]
    console.print(f"compromise {c['case_id']} ({c['route']}): opened "
                  f"{c['opened_at_originator']}, investigated "
                  f"{c['investigated_at_originator']}, closed {c['closed_at_originator']}")
    for name, r in report["attempts"].items():
        delivered = f" delivered {r['delivered']}" if "delivered" in r else ""
        console.print(f"{name:32} sent {r['sent']} rejected {r['rejected']} "
                      f"audited {r['audited']}{delivered}")
