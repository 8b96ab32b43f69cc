"""Who of a party may read the classified items its node holds: the personnel file, and the
per-person read decision (Art. 7, Art. 16), audited.

The personnel file (TOML, :class:`gsomia.schemas.PersonnelFile`, ``gsomia schema
personnel``) lists each person by the id of their certificate (``gsomia pki person DIR
--party JPN --id duty-officer`` → CN ``"JPN person duty-officer"``): name, Personnel
Security Clearance (a marking of the node's own party's scheme), need-to-know topics,
contractor and facility clearance, optionally ``valid_until``. The entry ``operator``, if
present, is the person the party's operator certificate reads as; without it the operator
certificate reads no classified item (it keeps the administrative routes).

A read (:func:`decide_read`) is permitted only when every reason passes:

- ``personnel_file`` (Art. 7: access only for persons the party has cleared): the person
  is in the file and, if ``valid_until`` is given, the read is not after it;
- ``marking`` (Art. 4(2)): the item carries the marking applied on receipt and the
  agreement it names is known (the Receiving Party's scheme and article are read there);
- the person rules of :mod:`gsomia.sharing.rules.person` (:func:`read_reasons`):
  ``personnel_clearance`` (Art. 7: clearance at least the marking applied on receipt, in
  the Receiving Party's own scheme), ``need_to_know`` (Art. 7: the item's topic among the
  person's duties) and ``contractor_facility`` (Art. 16), each citing the article of the
  agreement under which the item was received. An agreement whose ``[rules]`` list no
  ``personnel_clearance`` permits no read (fail closed).

Each decision is audited (:func:`audit_reads`) as ``read.permitted`` or ``read.denied``
with the person, the item and the reasons; a payload leaves the node only after its
``read.permitted`` record is written.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsomia.errors import InputError
from gsomia.node.items import ReceivedItem
from gsomia.node.node import Node
from gsomia.schemas import PersonnelFile, parse
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.label import Person
from gsomia.sharing.markings import ReceivedMarking
from gsomia.sharing.rules.evidence import Reason
from gsomia.sharing.rules.person import read_reasons

__all__ = [
    "OPERATOR_ENTRY",
    "Personnel",
    "PersonnelRecord",
    "ReadDecision",
    "audit_reads",
    "decide_read",
    "load_personnel",
    "read_time",
]

#: The personnel-file entry the party's operator certificate reads as (if present).
OPERATOR_ENTRY = "operator"


@dataclass(frozen=True, slots=True)
class PersonnelRecord:
    """One person of the node's party (Art. 7, Art. 16).

    Attributes:
        person_id: the id of the person's certificate (or :data:`OPERATOR_ENTRY`).
        name: for the audit record.
        clearance: Personnel Security Clearance, a marking of the party's own scheme.
        need_to_know: topics the person's official duties require.
        contractor: a contractor's employee (Art. 16).
        facility_clearance: the contractor's facility can protect the information.
        valid_until: no read after this time (UTC), or None.
    """

    person_id: str
    name: str
    clearance: str
    need_to_know: frozenset[str]
    contractor: bool = False
    facility_clearance: bool = False
    valid_until: dt.datetime | None = None

    def person(self, party: str) -> Person:
        """The :class:`~gsomia.sharing.label.Person` the rules judge (a person of ``party``)."""
        return Person(party=party, clearance=self.clearance, need_to_know=self.need_to_know,
                      contractor=self.contractor, facility_clearance=self.facility_clearance,
                      name=self.name)


@dataclass(frozen=True, slots=True)
class Personnel:
    """A node's personnel file, read (:func:`load_personnel`).

    Attributes:
        party: the node's party (every clearance is a marking of its scheme).
        records: by person id.
        source: where it was read from (named in denials), or, when none is configured,
            ``"the personnel file (none configured)"``.
    """

    party: str
    records: Mapping[str, PersonnelRecord] = field(default_factory=dict)
    source: str = "the personnel file (none configured)"

    def get(self, person_id: str | None) -> PersonnelRecord | None:
        """The record of ``person_id``, or None."""
        return None if person_id is None else self.records.get(person_id)


def _until(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A date is valid to the end of that day (UTC); a date-time as it is (UTC)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1)


def load_personnel(path: str | Path, party: str, catalog: Catalog) -> Personnel:
    """Read and check a personnel file (module docstring) for ``party``'s node.

    Raises:
        InputError: unreadable file, not TOML, an unknown or missing key, a bad person id,
            another party than ``party``, or a clearance that is not a marking of
            ``party``'s scheme (each names the file, the key path and the value).
    """
    p = Path(path)
    f = str(p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("personnel", f, f"cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError("personnel", f, f"not TOML: {exc}") from None
    except RecursionError:
        raise InputError("personnel", f, "not TOML: nested too deeply") from None
    doc = parse(PersonnelFile, data, file=f)
    if doc.party is not None and doc.party != party:
        raise InputError(f"{f}: party", doc.party, f"the node's party is {party}")
    scheme = catalog.scheme(party)
    records = {}
    for person_id, entry in doc.persons.items():
        try:
            scheme.get(entry.clearance, "clearance")
        except InputError as exc:
            raise InputError(f"{f}: persons.{person_id}.clearance", entry.clearance,
                             f"not a marking of {party}'s scheme "
                             f"({', '.join(m.text for m in scheme.markings)})") from exc
        records[person_id] = PersonnelRecord(
            person_id=person_id, name=entry.name, clearance=entry.clearance,
            need_to_know=frozenset(entry.need_to_know), contractor=entry.contractor,
            facility_clearance=entry.facility_clearance,
            valid_until=_until(entry.valid_until))
    return Personnel(party, records, f)


@dataclass(frozen=True, slots=True)
class ReadDecision:
    """Whether one person may read one item, and why (module docstring).

    Attributes:
        person_id: who asked (the certificate's id, or :data:`OPERATOR_ENTRY`).
        item_id: the item (None: a list refused as a whole).
        reasons: every reason evaluated, in order (:class:`~gsomia.sharing.rules.Reason`).
    """

    person_id: str
    item_id: str | None
    reasons: tuple[Reason, ...]

    @property
    def permitted(self) -> bool:
        """True when there is at least one reason and all passed."""
        return bool(self.reasons) and all(r.passed for r in self.reasons)

    @property
    def failed(self) -> tuple[Reason, ...]:
        """The reasons that did not pass."""
        return tuple(r for r in self.reasons if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the body of a 403 and of the audit record)."""
        return {"person": self.person_id, "item_id": self.item_id,
                "permitted": self.permitted,
                "reasons": [r.to_dict() for r in self.reasons]}


def _marking(data: Mapping[str, Any]) -> ReceivedMarking | None:
    try:
        return ReceivedMarking(**{k: data[k] for k in ReceivedMarking.__dataclass_fields__})
    except (KeyError, TypeError):
        return None


def decide_read(personnel: Personnel, person_id: str, item: ReceivedItem | None,
                catalog: Catalog, at: dt.datetime, *,
                item_id: str | None = None) -> ReadDecision:
    """May ``person_id`` read ``item`` at ``at`` (UTC)? The reasons of the module docstring,
    in order; the person rules run only once the person and the marking are known.

    ``item`` None (a caller refused before any item is looked at): only the
    ``personnel_file`` check, for ``item_id`` (None: a list). Never raises on a bad record
    or item: a clearance the scheme does not know is a failed ``personnel_clearance``
    reason.
    """
    item_id = item.item_id if item is not None else item_id
    record = personnel.get(person_id)
    if record is None:
        return ReadDecision(person_id, item_id, (Reason(
            "personnel_file", "Art. 7", False,
            f"{person_id!r} is not in {personnel.source}"),))
    if record.valid_until is not None and at > record.valid_until:
        return ReadDecision(person_id, item_id, (Reason(
            "personnel_file", "Art. 7", False,
            f"listed until {record.valid_until.isoformat()}; read at {at.isoformat()}"),))
    listed = Reason("personnel_file", "Art. 7", True, f"{person_id!r} in {personnel.source}")
    if item is None:
        return ReadDecision(person_id, item_id, (listed,))
    marking = _marking(item.marking)
    agreement = None if marking is None else catalog.agreements.get(marking.agreement)
    if marking is None or agreement is None or marking.receiver != personnel.party:
        return ReadDecision(person_id, item.item_id, (listed, Reason(
            "marking", "Art. 4(2)", False,
            f"no marking of {personnel.party} applied on receipt under a known agreement"),))
    try:
        reasons = read_reasons(record.person(personnel.party), item.label, marking,
                               agreement, catalog, at)
    except InputError as exc:
        reasons = (Reason("personnel_clearance", agreement.rules.get(
            "personnel_clearance", "Art. 7"), False, str(exc)),)
    if not any(r.rule == "personnel_clearance" for r in reasons):
        reasons = (*reasons, Reason("personnel_clearance", "Art. 7", False,
                                    f"{agreement.name} lists no personnel_clearance rule"))
    return ReadDecision(person_id, item.item_id, (listed, *reasons))


def audit_reads(node: Node, decisions: Iterable[ReadDecision], at: dt.datetime,
                path: str) -> None:
    """Append one ``read.permitted`` or ``read.denied`` record per decision to ``node``'s
    audit log, all in one append (body: party, person, item_id, permitted, reasons, path).

    Raises:
        AuditError: the log refused the write (then nothing may be answered).
    """
    records = [("read.permitted" if d.permitted else "read.denied",
                {"party": node.party, **d.to_dict(), "path": path}, at) for d in decisions]
    if records:
        with node.lock:
            node.audit.append_many(records)


def read_time(node: Node) -> dt.datetime:
    """The node's clock now, as an aware UTC datetime (when a read happens)."""
    return node.clock.epoch + dt.timedelta(seconds=node.clock.now_s())
