"""Load and validate the agreement and marking data files into a :class:`Catalog`.

Files are TOML, one per agreement (``src/gsomia/data/agreements/*.toml``) and one per
party's marking scheme (``src/gsomia/data/markings/*.toml``). A user adds an agreement or a
party without code by putting such a file in a folder and passing the folder to
:func:`load_catalog` (the command line: ``--agreements DIR`` or ``GSOMIA_AGREEMENTS``).
A file with a top-level ``[party]`` table is a marking scheme, one with ``[agreement]`` an
agreement. Every fault raises :class:`~gsomia.errors.AgreementError` naming the file, the
key and the value. Data never holds expressions: only names, dates, lists and text.

Every table is closed: a key the loader does not know (``[[events]]`` for ``[[event]]``,
``in_forse_until``, an ``[agreement_extra]`` table) is an error naming the file, the key
path and the value, never silently ignored. Marking texts are kept in Unicode NFC.

Order is data that decides (Art. 7: a clearance at least the item's marking), so it is
checked, not assumed: a scheme's markings carry their rank and common level and must be
listed in that order, and an agreement's equivalence rows must follow every party's rank
order (:mod:`gsomia.schemas.agreement`, :func:`gsomia.sharing.ruledata.check_rank_order`).
Every scheme and agreement gets a content hash (:mod:`gsomia.sharing.ruledata`).

A user file that redefines an agreement or scheme already loaded (a packaged one, or one
of an earlier user file) with different content is refused unless ``allow_override``;
then it replaces it, is recorded in :attr:`Catalog.overrides` and reported (one line,
naming both files and both hashes). An identical redefinition (same hash) changes nothing
and is not an override. All files are parsed and validated before any override or
cross-file check, so a faulty file is named as such wherever it lies.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.errors import AgreementError, InputError
from gsomia.schemas import AgreementFile, MarkingSchemeFile, parse
from gsomia.sharing.agreements import (
    EVENT_KINDS,
    RULE_IDS,
    Agreement,
    AgreementEvent,
    Equivalence,
    Exclusion,
    InForce,
    Renewal,
    Scope,
)
from gsomia.sharing.markings import Marking, MarkingScheme
from gsomia.sharing.routes import Route
from gsomia.sharing.ruledata import Override, check_rank_order, content_digest, data_key

__all__ = ["MEMO_MAX", "ROUTES", "Catalog", "load_catalog", "package_data_dirs"]

#: Most per-date answers a :class:`Catalog` keeps before it starts its memo afresh.
MEMO_MAX = 4096

#: Routes a release may take (ARCHITECTURE.md data flow step 4; TISA para 4; §4).
ROUTES = tuple(Route)

def _load_scheme(data: Mapping[str, Any], file: str) -> MarkingScheme:
    """A marking scheme from its file's tables (:class:`gsomia.schemas.MarkingSchemeFile`),
    with its content hash."""
    doc = parse(MarkingSchemeFile, data, file=file, agreement=True)
    return MarkingScheme(
        party=doc.party.code,
        name=doc.party.name,
        name_en=doc.party.name_en,
        markings=tuple(Marking(text=m.text, english=m.english, rank=m.rank, level=m.level)
                       for m in doc.marking),
        names=dict(doc.party.names),
        source=doc.party.source,
        file=file,
        digest=content_digest("marking-scheme", doc.model_dump(mode="json")),
    )


def _checked_tables(doc: AgreementFile, file: str) -> tuple[Route, tuple[AgreementEvent, ...]]:
    """The checks that need the sharing layer's tables: the route (:meth:`Route.parse`;
    bilateral → direct, hub → a hub route), rule ids (:data:`RULE_IDS`) and event kinds
    (:data:`EVENT_KINDS`). Returns the route and the events in date order."""
    head = doc.agreement
    if head.route is None and head.kind == "hub":
        raise AgreementError(file, "agreement.route", None, "required key is missing")
    text = head.route or "direct"
    try:
        route: Route | None = Route.parse(text)
    except InputError:
        route = None
    if route is None or (head.kind == "bilateral") != (route is Route.DIRECT):
        raise AgreementError(file, "agreement.route", text, "bilateral → 'direct'; hub → "
                             "'tisa_hub' (tisa) or 'auto_hub' (auto-hub)")
    for key, value in doc.rules.items():
        if key not in RULE_IDS:
            raise AgreementError(file, f"rules.{key}", value,
                                 f"unknown rule (known: {', '.join(RULE_IDS)})")
    for i, event in enumerate(doc.event):
        if event.kind not in EVENT_KINDS:
            raise AgreementError(file, f"event[{i}].kind", event.kind,
                                 f"expected one of {', '.join(EVENT_KINDS)}")
    events = sorted((AgreementEvent(e.date, e.kind, e.by, e.source) for e in doc.event),
                    key=lambda e: e.date)
    return route, tuple(events)


def _load_agreement(data: Mapping[str, Any], file: str) -> Agreement:
    """An agreement from its file's tables (:class:`gsomia.schemas.AgreementFile`), with
    its content hash (the route as parsed, the events in date order)."""
    doc = parse(AgreementFile, data, file=file, agreement=True)
    route, events = _checked_tables(doc, file)
    canonical = doc.model_dump(mode="json")
    canonical["agreement"]["route"] = str(route)
    canonical["event"] = sorted(canonical["event"], key=lambda e: (e["date"], e["kind"],
                                                                   e["by"], e["source"]))
    head = doc.agreement
    renewal = (None if head.renewal is None else
               Renewal(head.renewal.term_years, head.renewal.notice_days, head.renewal.source))
    scope = (None if head.scope is None else
             Scope(topics=tuple(head.scope.topics), elements=tuple(head.scope.elements),
                   excluded_elements=tuple(head.scope.excluded_elements),
                   source=head.scope.source))
    return Agreement(
        name=head.name,
        title=head.title,
        kind=head.kind,
        parties=tuple(head.parties),
        in_force_from=head.in_force_from,
        route=route,
        hub=head.hub,
        equivalence=tuple(Equivalence(level=row.level,
                                      markings={c: tuple(m) for c, m in row.markings.items()},
                                      source=row.source,
                                      scheme_level_differs=row.scheme_level_differs)
                          for row in doc.equivalence),
        excluded=tuple(Exclusion(x.party, x.marking, x.source) for x in doc.excluded),
        events=events,
        renewal=renewal,
        rules=dict(doc.rules),
        scope=scope,
        protection_under=tuple(head.protection_under),
        legal_basis=head.legal_basis,
        originator_approval=head.originator_approval,
        originator_approval_source=head.originator_approval_source,
        protection_source=head.protection_source,
        legally_binding=head.legally_binding,
        signed=head.signed,
        source=head.source,
        file=file,
        digest=content_digest("agreement", canonical),
    )


def package_data_dirs() -> tuple[Path, Path]:
    """The packaged ``data/markings`` and ``data/agreements`` folders."""
    root = Path(str(resources.files("gsomia").joinpath("data")))
    return root / "markings", root / "agreements"


@dataclass(frozen=True)
class Catalog:
    """Every known marking scheme and agreement, validated together.

    Attributes:
        schemes: party code → marking scheme.
        agreements: agreement name → agreement, in name order.
        overrides: the redefinitions a user folder made with ``allow_override``
            (:func:`load_catalog`), in load order.

    The catalog keeps a memo of its per-date look-ups (:meth:`in_force`,
    :meth:`bilateral`), so a run of decisions on one date does each once; it holds at most
    :data:`MEMO_MAX` answers (then starts afresh) and assumes ``agreements`` is not
    changed after the first look-up. Only caching: the answers are those computed afresh.
    """

    schemes: dict[str, MarkingScheme] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    _memo: dict[tuple[Any, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False,
                                     compare=False)

    def derived(self, name: str, build: Callable[[Catalog], Any]) -> Any:
        """The table called ``name`` worked out from this catalog by ``build(self)``, made on
        first use and kept as long as the catalog (e.g. the compiled decision tables of
        :mod:`gsomia.sharing.compiled`). Like the memo, it assumes the catalog is not
        changed after."""
        try:
            return self._derived[name]
        except KeyError:
            made = self._derived[name] = build(self)
            return made

    def agreement(self, name: str) -> Agreement:
        """The agreement called ``name``.

        Raises:
            InputError: no such agreement (lists the known names).
        """
        try:
            return self.agreements[name]
        except KeyError:
            known = ", ".join(self.agreements)
            raise InputError("agreement", name, f"unknown agreement (known: {known})") from None

    def scheme(self, party: str) -> MarkingScheme:
        """The marking scheme of ``party``.

        Raises:
            InputError: no scheme for that party code.
        """
        try:
            return self.schemes[party]
        except KeyError:
            known = ", ".join(self.schemes)
            raise InputError("party", party, f"unknown party (known: {known})") from None

    def digests(self, agreements: Iterable[str] = (),
                parties: Iterable[str] = ()) -> dict[str, str]:
        """Content hashes of the named agreements, then of the parties' schemes
        (``{"jpn-kor-gsomia": "sha256:…", "markings/JPN": "sha256:…"}``), each once, in
        the order given; unknown names are left out."""
        out = {a: self.agreements[a].digest for a in agreements if a in self.agreements}
        out.update((f"markings/{p}", self.schemes[p].digest) for p in parties
                   if p in self.schemes)
        return out

    def bilaterals(self, a: str, b: str) -> list[Agreement]:
        """Bilateral agreements between parties ``a`` and ``b`` (either order)."""
        return [
            x
            for x in self.agreements.values()
            if x.kind == "bilateral" and set(x.parties) == {a, b}
        ]

    def by_route(self, route: Route | str) -> list[Agreement]:
        """Hub arrangements that govern ``route`` (any spelling :meth:`Route.parse` takes).

        Raises:
            InputError: when ``route`` is no route.
        """
        route = Route.parse(route)
        return [x for x in self.agreements.values() if x.route is route]

    def hub_of(self, route: Route | str) -> str | None:
        """The hub party of ``route``: the ``hub`` of its first arrangement
        (:meth:`by_route`; TISA para 4, agreements.md §3, §4: the US in the packaged
        catalog), or None for ``direct`` and a route no arrangement governs.

        Raises:
            InputError: when ``route`` is no route.
        """
        route = Route.parse(route)
        if route is Route.DIRECT:
            return None
        found = self.by_route(route)
        return found[0].hub if found else None

    def in_force(self, agreement: Agreement, date: dt.date) -> InForce:
        """``agreement.in_force(date)`` (Art. 21), memoised for this catalog's agreements."""
        if self.agreements.get(agreement.name) is not agreement:
            return agreement.in_force(date)
        return self._remember(("in_force", agreement.name, date),
                              lambda: agreement.in_force(date))

    def bilateral(
        self, a: str, b: str, date: dt.date, among: Iterable[str] | None = None
    ) -> Agreement | None:
        """The bilateral agreement protecting the pair ``a``–``b`` on ``date``: the first
        (name order) in force then, else the first at all, else None; only those named in
        ``among`` when given (a hub arrangement's ``protection_under``, TISA para 3)."""
        names = None if among is None else frozenset(among)

        def pair() -> tuple[Agreement, ...]:
            found = self.bilaterals(a, b)
            return tuple(x for x in found if names is None or x.name in names)

        found = self._remember(("pair", a, b, names), pair)
        if len(found) < 2:
            return found[0] if found else None
        return next((x for x in found if self.in_force(x, date).in_force), found[0])

    def _remember(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        try:
            return self._memo[key]
        except KeyError:
            pass
        value = compute()
        if len(self._memo) >= MEMO_MAX:
            self._memo.clear()
        self._memo[key] = value
        return value


def _files(dirs: Iterable[Path]) -> list[Path]:
    out = []
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            why = "not a directory" if d.exists() else "no such directory"
            raise AgreementError(str(d), "agreements directory", str(d), why)
        out.extend(sorted(d.glob("*.toml")))
    return out


def load_catalog(extra_dirs: Iterable[Path | str] = (), *, packaged: bool = True,
                 allow_override: bool = False,
                 report: Callable[[str], None] | None = None) -> Catalog:
    """Load the packaged data files and those in ``extra_dirs`` into a :class:`Catalog`.

    Parameters:
        extra_dirs: folders of user TOML files (agreements or marking schemes).
        packaged: also load the files shipped in ``gsomia/data`` (default True).
        allow_override: let a later file with the name of an earlier agreement or the
            party of an earlier scheme, and other content, replace it (module notes);
            each such replacement is in :attr:`Catalog.overrides` and reported.
        report: called with each override's warning line (default: printed on standard
            error).

    Raises:
        AgreementError: a file is not TOML, a key is missing or has a wrong value, a
            scheme's markings are out of rank or level order, an agreement's rows are out
            of a party's rank order, an agreement names a party without a marking scheme or
            a marking the party does not have, or a protection/legal-basis name that is not
            loaded; a redefinition without ``allow_override`` (naming both files).
    """
    dirs: list[Path] = list(package_data_dirs()) if packaged else []
    dirs.extend(Path(d) for d in extra_dirs)
    loaded = [_load_file(path) for path in _files(dirs)]
    schemes: dict[str, MarkingScheme] = {}
    agreements: dict[str, Agreement] = {}
    overrides: list[Override] = []
    for item in loaded:
        table: dict[str, Any] = schemes if isinstance(item, MarkingScheme) else agreements
        name = item.party if isinstance(item, MarkingScheme) else item.name
        old = table.get(name)
        if old is not None:
            if old.digest == item.digest:
                continue
            overrides.append(Override(data_key(item), old.file, old.digest, item.file,
                                      item.digest))
        table[name] = item
    _cross_check(schemes, agreements)  # a faulty file is named before a refused override
    if overrides and not allow_override:
        o = overrides[0]
        raise AgreementError(o.file, "(file)", o.key,
                             f"redefines {o.key} of {o.replaced_file} ({o.replaced_digest}) "
                             f"with other content ({o.digest}); allow it explicitly "
                             "(allow_override, --allow-override)")
    for override in overrides:
        (report or _to_stderr)(override.line())
    return Catalog(schemes=schemes, agreements=dict(sorted(agreements.items())),
                   overrides=tuple(overrides))


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _load_file(path: Path) -> MarkingScheme | Agreement:
    """One data file, parsed and validated on its own."""
    file = path.name if _is_packaged(path) else str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AgreementError(file, "(file)", path.name, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise AgreementError(file, "(file)", path.name,
                             "not valid TOML: nested too deeply") from None
    if "party" in data:
        return _load_scheme(data, file)
    if "agreement" in data:
        return _load_agreement(data, file)
    raise AgreementError(file, "(top level)", sorted(data),
                         "expected an [agreement] or [party] table")


def _is_packaged(path: Path) -> bool:
    return any(path.parent == d for d in package_data_dirs())


def _cross_check(schemes: dict[str, MarkingScheme], agreements: dict[str, Agreement]) -> None:
    for a in agreements.values():
        r = functools.partial(AgreementError, a.file)
        for i, code in enumerate(a.parties):
            if code not in schemes:
                raise r(f"agreement.parties[{i}]", code, "no marking scheme for this party")
        for i, row in enumerate(a.equivalence):
            for code, marks in row.markings.items():
                known = {m.text for m in schemes[code].markings}
                for j, mark in enumerate(marks):
                    if mark not in known:
                        raise r(
                            f"equivalence[{i}].markings.{code}[{j}]", mark, f"not a {code} marking"
                        )
        check_rank_order(a, schemes)
        for i, x in enumerate(a.excluded):
            known = {m.text for m in schemes[x.party].markings} if x.party in schemes else set()
            if x.marking not in known:
                raise r(f"excluded[{i}].marking", x.marking, f"not a {x.party} marking")
        for i, ref in enumerate(a.protection_under):
            if ref not in agreements or agreements[ref].kind != "bilateral":
                raise r(
                    f"agreement.protection_under[{i}]", ref, "not a loaded bilateral agreement"
                )
        if a.legal_basis is not None and a.legal_basis not in agreements:
            raise r("agreement.legal_basis", a.legal_basis, "not a loaded agreement")
        if a.kind == "hub" and not _protections(a, agreements):
            raise r(
                "agreement.protection_under",
                [],
                "a hub arrangement needs protection_under or a legal_basis that has it",
            )


def _protections(a: Agreement, agreements: dict[str, Agreement]) -> tuple[str, ...]:
    if a.protection_under:
        return a.protection_under
    if a.legal_basis and a.legal_basis in agreements:
        return agreements[a.legal_basis].protection_under
    return ()
