"""``gsomia agreement …`` and ``gsomia decide``: agreements as data and release decisions.

Extra agreement or marking files: ``--agreements DIR`` (repeatable) or the environment
variable ``GSOMIA_AGREEMENTS`` (folders separated by spaces). Dates are ISO 8601
(``2019-12-01`` is 00:00 UTC that day). Exit codes, for scripts: ``decide`` 0 permit,
1 deny, 2 bad input; ``agreement in-force`` 0 in force, 1 not in force, 2 bad input.

Label, person and consent files are JSON in UTF-8 (a byte-order mark is accepted); a file
that is not UTF-8, not JSON, nested too deeply or with an unknown key is an error naming
it (exit 2). Party codes (``--to``, and inside the files) are accepted in any case and
upper-cased. ``--route`` takes ``direct``, ``tisa_hub`` (or ``tisa``) and ``auto_hub``
(or ``auto-hub``), parsed by :meth:`gsomia.sharing.Route.parse`. ``--audit`` refuses to
append to a file that is not an audit log or fails verification.

A folder file that redefines a packaged agreement or scheme (or one of an earlier folder)
with other content is refused (exit 2) unless ``--allow-override`` is given; then each
override is reported on standard error, naming both files and their content hashes.
``agreement list`` and ``agreement show`` print each agreement's and scheme's content hash
(:mod:`gsomia.sharing.ruledata`); ``decide --json`` gives those that decided (``data``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gsomia.cli._app import app, console, err_console, fail, guarded, print_json
from gsomia.errors import AuditError, InputError
from gsomia.sharing import (
    AuditLog,
    Catalog,
    Consent,
    Label,
    Person,
    ReleaseRequest,
    Route,
    decide,
    load_catalog,
    verify_log,
)
from gsomia.sharing.label import parse_time
from gsomia.sharing.markings import party_code

__all__ = ["agreement_app", "catalog_from", "decide_command", "read_json_file", "say"]

agreement_app = typer.Typer(
    name="agreement",
    help="Agreements as data: list, show, and whether one is in force on a date.",
    no_args_is_help=True,
)
app.add_typer(agreement_app, name="agreement")

AgreementsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--agreements",
        envvar="GSOMIA_AGREEMENTS",
        help="Extra folder of agreement / marking TOML files (repeatable).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OverrideOpt = Annotated[
    bool,
    typer.Option("--allow-override",
                 help="Let a folder file redefine a packaged agreement or scheme (reported)."),
]


def say(text: str, err: bool = False) -> None:
    """Print plain text (no Rich markup: sources contain brackets) to stdout or stderr."""
    (err_console if err else console).print(text, highlight=False, markup=False, soft_wrap=True)


def catalog_from(dirs: list[Path] | None, allow_override: bool = False) -> Catalog:
    """The packaged catalog plus the user's folders (each must be a directory); a
    redefinition only with ``allow_override``, each reported on standard error.

    Raises:
        InputError: a folder that is not a directory; AgreementError: a faulty file or a
            redefinition without ``allow_override``.
    """
    for d in dirs or ():
        if not d.is_dir():
            why = "not a directory" if d.exists() else "no such directory"
            raise InputError("--agreements", str(d), why)
    return load_catalog(dirs or (), allow_override=allow_override,
                        report=lambda line: say(line, err=True))


def read_json_file(option: str, path: Path) -> Any:
    """Parse a JSON file given on ``option`` (UTF-8, optional byte-order mark).

    Raises:
        InputError: naming ``option`` and the file: missing, a directory, unreadable, not
            UTF-8, not JSON, or nested too deeply.
    """
    if path.is_dir():
        raise InputError(option, str(path), "is a directory, not a JSON file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(option, str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputError(option, str(path), f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(option, str(path), f"not JSON: {exc}") from None
    except RecursionError:
        raise InputError(option, str(path), "JSON nested too deeply") from None


def _recipient(text: str, label: Label, catalog: Catalog) -> str:
    """``--to`` checked here, so that its errors name ``--to``: a known party code (raises
    :class:`InputError` otherwise) other than the label's holder."""
    code = party_code("--to", text)
    if code not in catalog.schemes:
        raise InputError("--to", text,
                         f"unknown party (known: {', '.join(sorted(catalog.schemes))})")
    if code == label.holder:
        raise InputError("--to", text, f"the recipient is the holder itself "
                                       f"(label.holder={label.holder!r})")
    return code


def _purpose(text: str | None) -> str | None:
    """``--purpose``: None when omitted; an empty or blank one is an :class:`InputError`."""
    if text is not None and not text.strip():
        raise InputError("--purpose", text, "expected a non-empty purpose (omit --purpose "
                                            "for none)")
    return text


def _at(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    return parse_time("--at", text)


@agreement_app.command("list")
@guarded
def list_command(agreements: AgreementsOpt = None, allow_override: OverrideOpt = False,
                 as_json: JsonOpt = False) -> None:
    """List the known agreements and marking schemes, each with its content hash."""
    catalog = catalog_from(agreements, allow_override)
    rows: list[dict[str, Any]] = [
        {
            "name": a.name,
            "kind": a.kind,
            "route": a.route,
            "parties": list(a.parties),
            "in_force_from": a.in_force_from.isoformat(),
            "title": a.title,
            "file": a.file,
            "digest": a.digest,
        }
        for a in catalog.agreements.values()
    ]
    rows += [{"name": f"markings/{s.party}", "kind": "marking-scheme", "route": None,
              "parties": [s.party], "in_force_from": None, "title": s.name_en,
              "file": s.file, "digest": s.digest} for s in catalog.schemes.values()]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        if row["kind"] == "marking-scheme":
            say(f"{row['name']:<28} {'scheme':<9} {'':<8} {row['parties'][0]:<12} "
                f"{'':<15} {row['digest']}")
            continue
        say(
            f"{row['name']:<28} {row['kind']:<9} {row['route']:<8} "
            f"{'-'.join(row['parties']):<12} from {row['in_force_from']} {row['digest']}"
        )


def _show_scheme(catalog: Catalog, name: str, as_json: bool) -> None:
    scheme = catalog.scheme(party_code("name", name.removeprefix("markings/")))
    data = {"name": f"markings/{scheme.party}", "party": scheme.party, "name_en": scheme.name_en,
            "markings": [{"rank": m.rank, "text": m.text, "english": m.english,
                          "level": m.level} for m in scheme.markings],
            "source": scheme.source, "file": scheme.file, "digest": scheme.digest}
    if as_json:
        print_json(data)
        return
    say(f"markings/{scheme.party}: {scheme.name_en} ({scheme.name})")
    for m in scheme.markings:
        say(f"  {m.rank} {m.text} ({m.english}) = {m.level}")
    say(f"  file {scheme.file}, {scheme.digest}")


@agreement_app.command("show")
@guarded
def show_command(name: str, agreements: AgreementsOpt = None,
                 allow_override: OverrideOpt = False, as_json: JsonOpt = False) -> None:
    """Show one agreement (parties, equivalence table, events, rules, scope) or, as
    ``markings/<PARTY>``, one marking scheme; with its content hash."""
    catalog = catalog_from(agreements, allow_override)
    if name.startswith("markings/"):
        _show_scheme(catalog, name, as_json)
        return
    agreement = catalog.agreement(name)
    data = agreement.to_dict()
    if as_json:
        print_json(data)
        return
    say(f"{agreement.name}: {agreement.title}")
    say(
        f"  {agreement.kind}, route {agreement.route}, parties {', '.join(agreement.parties)}"
        + (f", hub {agreement.hub}" if agreement.hub else "")
    )
    say(f"  in force from {agreement.in_force_from}")
    for row in agreement.equivalence:
        marks = " = ".join("/".join(v) for v in row.markings.values())
        say(f"  {row.level:<13} {marks}  [{row.source}]")
    for event in agreement.events:
        say(f"  {event.date} {event.kind} by {event.by}")
    for rule, source in agreement.rules.items():
        say(f"  rule {rule}: {source}")
    if agreement.scope:
        say(f"  scope: {', '.join(agreement.scope.topics)}")
    say(f"  file {agreement.file}, {agreement.digest}")


@agreement_app.command("in-force")
@guarded
def in_force_command(
    name: str,
    at: Annotated[str, typer.Option("--at", help="Date, YYYY-MM-DD.")],
    agreements: AgreementsOpt = None,
    allow_override: OverrideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Whether agreement NAME is in force on --at (Art. 21 and the dated events).

    Exit codes: 0 in force; 1 not in force; 2 bad input (unknown agreement, bad date).
    """
    catalog = catalog_from(agreements, allow_override)
    status = catalog.agreement(name).in_force(parse_time("--at", at).date())
    if as_json:
        print_json(status.to_dict())
    else:
        word = "in force" if status.in_force else "NOT in force"
        say(f"{name} on {status.date}: {word} ({status.reason})")
    if not status.in_force:
        raise typer.Exit(1)


def _consents(label_data: dict, extra_file: Path | None, catalog: Catalog) -> list[Consent]:
    """The label's ``consents`` and those of ``--consents``, checked against the catalog.

    Raises:
        InputError: not a JSON list, a bad consent, an unknown originator, or a marking
            that is not the originator's (field ``consents[i]…``).
    """
    consent_data = label_data.get("consents", [])
    if not isinstance(consent_data, list):
        raise InputError("label.consents", consent_data, "expected a JSON list of consents")
    consent_data = list(consent_data)
    if extra_file is not None:
        extra = read_json_file("--consents", extra_file)
        if not isinstance(extra, list):
            raise InputError("--consents", str(extra_file), "expected a JSON list")
        consent_data.extend(extra)
    book = [Consent.from_dict(c, i) for i, c in enumerate(consent_data)]
    for i, consent in enumerate(book):
        if consent.originator not in catalog.schemes:
            raise InputError(f"consents[{i}].originator", consent.originator,
                             f"unknown party (known: {', '.join(catalog.schemes)})")
        consent.check_markings(catalog.scheme(consent.originator), f"consents[{i}]")
    return book


@app.command("decide")
@guarded
def decide_command(
    label: Annotated[Path, typer.Option("--label", help="Label JSON file.")],
    to: Annotated[str, typer.Option("--to", help="Receiving Party code (JPN, KOR, USA).")],
    person: Annotated[Path | None, typer.Option("--person", help="Person JSON file.")] = None,
    route: Annotated[
        str, typer.Option("--route", help="direct | tisa_hub (tisa) | auto_hub (auto-hub).")
    ] = "direct",
    at: Annotated[str | None, typer.Option("--at", help="ISO date/time (default now).")] = None,
    purpose: Annotated[str | None, typer.Option("--purpose", help="Purpose (Art. 6).")] = None,
    consents: Annotated[
        Path | None, typer.Option("--consents", help="JSON list of extra consents.")
    ] = None,
    audit: Annotated[
        Path | None, typer.Option("--audit", help="Append the decision to this audit log.")
    ] = None,
    agreements: AgreementsOpt = None,
    allow_override: OverrideOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """May the labelled item be released to --to (and --person) by --route at --at?

    Exit codes: 0 permit; 1 deny (the reasons are printed); 2 bad input (a file, a party,
    a marking, a date, a route, or an --audit file that is not an intact audit log).
    """
    try:
        route = Route.parse(route, "--route")
    except InputError as e:
        fail(str(e))
    catalog = catalog_from(agreements, allow_override)
    label_data = read_json_file("--label", label)
    if not isinstance(label_data, dict):
        raise InputError("--label", str(label), "expected a JSON object")
    book = _consents(label_data, consents, catalog)
    who = None
    if person is not None:
        who = Person.from_dict(read_json_file("--person", person))
    item = Label.from_dict(label_data)
    request = ReleaseRequest(
        label=item,
        to=_recipient(to, item, catalog),
        at=_at(at),
        route=route,
        person=who,
        purpose=_purpose(purpose),
    )
    if audit is not None and audit.exists():
        check = verify_log(audit, "--audit")
        if not check.ok:
            raise AuditError(
                "--audit",
                str(audit),
                f"refusing to append: the log fails at {check.failed_at}: {check.reason}",
            )
    decision = decide(request, catalog, book)
    result = decision.to_dict()
    if audit is not None:
        with AuditLog(audit, "--audit") as log:
            record = log.append("decision", result, request.at)
        result["audit"] = {"path": str(audit), "seq": record.seq, "hash": record.hash}
    if as_json:
        print_json(result)
    else:
        say("PERMIT" if decision.permit else "DENY")
        for reason in decision.reasons:
            mark = "ok  " if reason.passed else "FAIL"
            say(f"  {mark} {reason.rule}: {reason.detail} [{reason.source}]")
        must = "must" if decision.permit else "if released, would have to"
        for obligation in decision.obligations:
            say(f"  {must} {obligation.kind}: {obligation.detail}")
        if "audit" in result:
            say(f"  audit record {result['audit']['seq']}")
    if not decision.permit:
        raise typer.Exit(1)
