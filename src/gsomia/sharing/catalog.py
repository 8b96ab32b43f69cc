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
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.errors import AgreementError, InputError
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
from gsomia.sharing.markings import Marking, MarkingScheme, nfc
from gsomia.sharing.routes import Route

__all__ = ["MEMO_MAX", "ROUTES", "Catalog", "load_catalog", "package_data_dirs"]

#: Most per-date answers a :class:`Catalog` keeps before it starts its memo afresh.
MEMO_MAX = 4096

#: Routes a release may take (ARCHITECTURE.md data flow step 4; TISA para 4; §4).
ROUTES = tuple(Route)

# Keys each table of a data file may hold (everything else is an "unknown key").
_TOP_AGREEMENT = ("agreement", "rules", "equivalence", "excluded", "event")
_AGREEMENT = ("name", "title", "kind", "route", "parties", "hub", "signed", "in_force_from",
              "legally_binding", "source", "renewal", "scope", "protection_under",
              "protection_source", "legal_basis", "originator_approval",
              "originator_approval_source")
_RENEWAL = ("term_years", "notice_days", "source")
_SCOPE = ("topics", "elements", "excluded_elements", "source")
_EQUIVALENCE = ("level", "markings", "source")
_EXCLUDED = ("party", "marking", "source")
_EVENT = ("date", "kind", "by", "source")
_TOP_SCHEME = ("party", "marking")
_PARTY = ("code", "name", "name_en", "source", "names")
_MARKING = ("text", "english")


_MISSING = object()


class _Reader:
    """Typed access to one parsed file, raising AgreementError with file/key/value."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, value: Any, reason: str) -> AgreementError:
        return AgreementError(self.file, key, value, reason)

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        kind: type | tuple,
        default: Any = _MISSING,
    ) -> Any:
        if key not in table:
            if default is _MISSING:
                raise self.fail(f"{path}{key}", None, "required key is missing")
            return default
        value = table[key]
        if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
            raise self.fail(f"{path}{key}", value, f"expected {_kind_name(kind)}")
        if not isinstance(value, kind):
            raise self.fail(f"{path}{key}", value, f"expected {_kind_name(kind)}")
        if isinstance(value, dt.datetime):
            raise self.fail(f"{path}{key}", value, "expected a date without time")
        return value

    def only(self, table: Any, path: str, keys: tuple[str, ...]) -> None:
        """Reject a non-table, or the first key of ``table`` not among ``keys``."""
        if not isinstance(table, Mapping):
            raise self.fail(path.rstrip(".") or "(top level)", table, "expected a table")
        for key, value in table.items():
            if key not in keys:
                raise self.fail(f"{path}{key}", value,
                                "unknown key (expected one of: " + ", ".join(keys) + ")")

    def code(self, value: Any, key: str) -> str:
        if (
            not isinstance(value, str)
            or len(value) != 3
            or not value.isalpha()
            or not value.isupper()
        ):
            raise self.fail(key, value, "expected an ISO 3166 alpha-3 party code like 'JPN'")
        return value

    def strings(
        self, table: Mapping[str, Any], key: str, path: str, default: Any = _MISSING
    ) -> tuple[str, ...]:
        value = self.get(table, key, path, list, default)
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise self.fail(f"{path}{key}[{i}]", item, "expected a non-empty string")
        return tuple(value)


def _as_tuple(kind: type | tuple) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple) -> str:
    names = {
        str: "a string",
        int: "an integer",
        bool: "true or false",
        list: "a list",
        dict: "a table",
        dt.date: "a date (YYYY-MM-DD)",
    }
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _load_scheme(data: Mapping[str, Any], r: _Reader) -> MarkingScheme:
    r.only(data, "", _TOP_SCHEME)
    party = r.get(data, "party", "", dict)
    r.only(party, "party.", _PARTY)
    code = r.code(r.get(party, "code", "party.", str), "party.code")
    names = r.get(party, "names", "party.", dict, {})
    for key, value in names.items():
        r.code(key, f"party.names.{key}")
        if not isinstance(value, str):
            raise r.fail(f"party.names.{key}", value, "expected a string")
    rows = r.get(data, "marking", "", list)
    if not rows:
        raise r.fail("marking", rows, "a party needs at least one marking")
    markings = []
    for i, row in enumerate(rows):
        r.only(row, f"marking[{i}].", _MARKING)
        markings.append(
            Marking(
                text=nfc(r.get(row, "text", f"marking[{i}].", str)),
                english=r.get(row, "english", f"marking[{i}].", str),
                rank=i,
            )
        )
    texts = [m.text for m in markings]
    for i, text in enumerate(texts):
        if text in texts[:i]:
            raise r.fail(f"marking[{i}].text", text, "marking listed twice")
    return MarkingScheme(
        party=code,
        name=r.get(party, "name", "party.", str),
        name_en=r.get(party, "name_en", "party.", str),
        markings=tuple(markings),
        names=dict(names),
        source=r.get(party, "source", "party.", str, ""),
    )


def _load_agreement(data: Mapping[str, Any], r: _Reader) -> Agreement:
    r.only(data, "", _TOP_AGREEMENT)
    head = r.get(data, "agreement", "", dict)
    p = "agreement."
    r.only(head, p, _AGREEMENT)
    name = r.get(head, "name", p, str)
    kind = r.get(head, "kind", p, str)
    if kind not in ("bilateral", "hub"):
        raise r.fail(f"{p}kind", kind, "expected 'bilateral' or 'hub'")
    parties = r.strings(head, "parties", p)
    for i, code in enumerate(parties):
        r.code(code, f"{p}parties[{i}]")
    if len(set(parties)) != len(parties) or len(parties) < 2:
        raise r.fail(f"{p}parties", list(parties), "expected two or more distinct parties")
    if kind == "bilateral" and len(parties) != 2:
        raise r.fail(f"{p}parties", list(parties), "a bilateral agreement has two parties")
    text = r.get(head, "route", p, str, "direct" if kind == "bilateral" else _MISSING)
    try:
        route: Route | None = Route.parse(text)
    except InputError:
        route = None
    if route is None or (kind == "bilateral") != (route is Route.DIRECT):
        raise r.fail(f"{p}route", text,
                     "bilateral → 'direct'; hub → 'tisa_hub' (tisa) or 'auto_hub' (auto-hub)")
    hub = None
    if kind == "hub":
        hub = r.code(r.get(head, "hub", p, str), f"{p}hub")
        if hub not in parties:
            raise r.fail(f"{p}hub", hub, f"the hub must be one of the parties {list(parties)}")

    renewal = None
    if "renewal" in head:
        table = r.get(head, "renewal", p, dict)
        r.only(table, f"{p}renewal.", _RENEWAL)
        renewal = Renewal(
            term_years=r.get(table, "term_years", f"{p}renewal.", int),
            notice_days=r.get(table, "notice_days", f"{p}renewal.", int),
            source=r.get(table, "source", f"{p}renewal.", str),
        )
        if renewal.term_years < 1 or renewal.notice_days < 0:
            raise r.fail(f"{p}renewal", table, "term_years ≥ 1 and notice_days ≥ 0 required")

    rules = r.get(data, "rules", "", dict, {})
    for key, value in rules.items():
        if key not in RULE_IDS:
            raise r.fail(f"rules.{key}", value, f"unknown rule (known: {', '.join(RULE_IDS)})")
        if not isinstance(value, str) or not value:
            raise r.fail(f"rules.{key}", value, "expected the rule's article as text")

    equivalence = []
    for i, row in enumerate(r.get(data, "equivalence", "", list, [])):
        q = f"equivalence[{i}]."
        r.only(row, q, _EQUIVALENCE)
        marks = r.get(row, "markings", q, dict)
        for code in marks:
            if code not in parties:
                raise r.fail(f"{q}markings.{code}", marks[code], "not a party of the agreement")
            r.strings(marks, code, f"{q}markings.")
        equivalence.append(
            Equivalence(
                level=r.get(row, "level", q, str),
                markings={c: tuple(nfc(m) for m in v) for c, v in marks.items()},
                source=r.get(row, "source", q, str),
            )
        )
    if kind == "bilateral" and not equivalence:
        raise r.fail("equivalence", [], "a bilateral agreement needs an equivalence table")

    excluded = []
    for i, row in enumerate(r.get(data, "excluded", "", list, [])):
        q = f"excluded[{i}]."
        r.only(row, q, _EXCLUDED)
        party = r.code(r.get(row, "party", q, str), f"{q}party")
        excluded.append(
            Exclusion(party, nfc(r.get(row, "marking", q, str)), r.get(row, "source", q, str))
        )

    events = []
    for i, row in enumerate(r.get(data, "event", "", list, [])):
        q = f"event[{i}]."
        r.only(row, q, _EVENT)
        ev_kind = r.get(row, "kind", q, str)
        if ev_kind not in EVENT_KINDS:
            raise r.fail(f"{q}kind", ev_kind, f"expected one of {', '.join(EVENT_KINDS)}")
        by = r.code(r.get(row, "by", q, str), f"{q}by")
        if by not in parties:
            raise r.fail(f"{q}by", by, "not a party of the agreement")
        events.append(
            AgreementEvent(
                r.get(row, "date", q, dt.date), ev_kind, by, r.get(row, "source", q, str)
            )
        )
    events.sort(key=lambda e: e.date)

    scope = None
    if "scope" in head:
        s = r.get(head, "scope", p, dict)
        q = f"{p}scope."
        r.only(s, q, _SCOPE)
        scope = Scope(
            topics=r.strings(s, "topics", q),
            elements=r.strings(s, "elements", q, ()),
            excluded_elements=r.strings(s, "excluded_elements", q, ()),
            source=r.get(s, "source", q, str),
        )
    approval = r.get(head, "originator_approval", p, str, None)
    if kind == "hub" and approval not in ("per-item", "standing"):
        raise r.fail(f"{p}originator_approval", approval, "expected 'per-item' or 'standing'")

    in_force_from = r.get(head, "in_force_from", p, dt.date)
    signed = r.get(head, "signed", p, dt.date, None)
    return Agreement(
        name=name,
        title=r.get(head, "title", p, str),
        kind=kind,
        parties=parties,
        in_force_from=in_force_from,
        route=route,
        hub=hub,
        equivalence=tuple(equivalence),
        excluded=tuple(excluded),
        events=tuple(events),
        renewal=renewal,
        rules=dict(rules),
        scope=scope,
        protection_under=r.strings(head, "protection_under", p, ()),
        legal_basis=r.get(head, "legal_basis", p, str, None),
        originator_approval=approval,
        originator_approval_source=r.get(head, "originator_approval_source", p, str, ""),
        protection_source=r.get(head, "protection_source", p, str, ""),
        legally_binding=r.get(head, "legally_binding", p, bool, True),
        signed=signed,
        source=r.get(head, "source", p, str),
        file="",
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

    The catalog keeps a memo of its per-date look-ups (:meth:`in_force`,
    :meth:`bilateral`), so a run of decisions on one date does each once; it holds at most
    :data:`MEMO_MAX` answers (then starts afresh) and assumes ``agreements`` is not
    changed after the first look-up. Only caching: the answers are those computed afresh.
    """

    schemes: dict[str, MarkingScheme] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    _memo: dict[tuple[Any, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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


def load_catalog(extra_dirs: Iterable[Path | str] = (), *, packaged: bool = True) -> Catalog:
    """Load the packaged data files and those in ``extra_dirs`` into a :class:`Catalog`.

    Parameters:
        extra_dirs: folders of user TOML files (agreements or marking schemes). A later
            file with the name of an earlier agreement or party replaces it.
        packaged: also load the files shipped in ``gsomia/data`` (default True).

    Raises:
        AgreementError: a file is not TOML, a key is missing or has a wrong value, an
            agreement names a party without a marking scheme or a marking the party
            does not have, or a protection/legal-basis name that is not loaded.
    """
    dirs: list[Path] = list(package_data_dirs()) if packaged else []
    dirs.extend(Path(d) for d in extra_dirs)
    schemes: dict[str, MarkingScheme] = {}
    agreements: dict[str, Agreement] = {}
    for path in _files(dirs):
        r = _Reader(path.name if _is_packaged(path) else str(path))
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise r.fail("(file)", path.name, f"not valid TOML: {exc}") from None
        if "party" in data:
            scheme = _load_scheme(data, r)
            schemes[scheme.party] = scheme
        elif "agreement" in data:
            agreement = _load_agreement(data, r)
            agreements[agreement.name] = _with_file(agreement, r.file)
        else:
            raise r.fail("(top level)", sorted(data), "expected an [agreement] or [party] table")
    _cross_check(schemes, agreements)
    return Catalog(schemes=schemes, agreements=dict(sorted(agreements.items())))


def _is_packaged(path: Path) -> bool:
    return any(path.parent == d for d in package_data_dirs())


def _with_file(agreement: Agreement, file: str) -> Agreement:
    from dataclasses import replace

    return replace(agreement, file=file)


def _cross_check(schemes: dict[str, MarkingScheme], agreements: dict[str, Agreement]) -> None:
    for a in agreements.values():
        r = _Reader(a.file)
        for i, code in enumerate(a.parties):
            if code not in schemes:
                raise r.fail(f"agreement.parties[{i}]", code, "no marking scheme for this party")
        for i, row in enumerate(a.equivalence):
            for code, marks in row.markings.items():
                known = {m.text for m in schemes[code].markings}
                for j, mark in enumerate(marks):
                    if mark not in known:
                        raise r.fail(
                            f"equivalence[{i}].markings.{code}[{j}]", mark, f"not a {code} marking"
                        )
        for i, x in enumerate(a.excluded):
            known = {m.text for m in schemes[x.party].markings} if x.party in schemes else set()
            if x.marking not in known:
                raise r.fail(f"excluded[{i}].marking", x.marking, f"not a {x.party} marking")
        for i, ref in enumerate(a.protection_under):
            if ref not in agreements or agreements[ref].kind != "bilateral":
                raise r.fail(
                    f"agreement.protection_under[{i}]", ref, "not a loaded bilateral agreement"
                )
        if a.legal_basis is not None and a.legal_basis not in agreements:
            raise r.fail("agreement.legal_basis", a.legal_basis, "not a loaded agreement")
        if a.kind == "hub" and not _protections(a, agreements):
            raise r.fail(
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
