"""Originator-only actions (Art. 6) and loss or compromise (Art. 17), as events.

Originator actions — change of classification (``reclassify``; ``downgrade``: to a lower
marking), declassification, recall, destruction — may be taken only by the Originating
Party, by written notice (jpn-kor-gsomia Art. 6(d)–(h)); each becomes one
:class:`OriginatorNotice` per holder, so that every holder is told. A new marking must be
one of the originator's own scheme that every agreement between the originator and the
holder covers (an equivalence row names it) and none excludes (Korean 군사I급비밀 is outside
the Japan–Korea agreement, agreements.md §1): :func:`check_new_marking`.

Order of notices (a modelling choice, documented here): the originator numbers its notices
on one item 1, 2, 3, … (``seq``); a holder applies a notice only when its ``seq`` is
higher than that of every notice already applied to the item (a later notice wins, an
earlier one arriving late is ``superseded``), and each ``notice_id`` once. Since every
action sets the whole state (a marking, declassified, recalled, destroyed), a holder ends
in the state of the highest-numbered notice it has received, whatever the order and
duplication of deliveries.

A loss or compromise, or a possible one, is recorded by the holder and reported to the
Originating Party at once; the Receiving Party then investigates and reports the
results and preventive measures (Art. 17). Each event has ``to_audit()`` giving the
``(kind, body, at)`` triple :meth:`gsomia.sharing.audit.AuditLog.append_many` takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from gsomia.errors import InputError, SharingError
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.label import Label, parse_time
from gsomia.sharing.markings import MarkingScheme, nfc

__all__ = [
    "ORIGINATOR_ACTIONS",
    "RECLASSIFYING",
    "REMOVING",
    "CompromiseReport",
    "InvestigationReport",
    "OriginatorNotice",
    "apply_notice",
    "check_new_marking",
    "check_originator_action",
    "investigate",
    "issue_originator_action",
    "report_compromise",
]

#: Actions reserved to the Originating Party (Art. 6(d)–(h)).
ORIGINATOR_ACTIONS = ("reclassify", "downgrade", "declassify", "recall", "destroy")
#: Actions that set a new marking (``new_classification`` required).
RECLASSIFYING = ("reclassify", "downgrade")
#: Actions after which a holder keeps no payload (CMI no longer needed is returned or
#: destroyed, Art. 6(d)–(h)).
REMOVING = ("recall", "destroy")

AuditEntry = tuple[str, dict[str, Any], dt.datetime]


@dataclass(frozen=True, slots=True)
class OriginatorNotice:
    """Written notice of an originator action, addressed to one holder (Art. 6).

    Attributes:
        action: one of :data:`ORIGINATOR_ACTIONS`.
        item_id: the item concerned.
        originator: the Originating Party (the only one allowed to issue it).
        holder: the party the notice goes to.
        at: when issued (UTC).
        new_classification: the originator's new marking (:data:`RECLASSIFYING` only).
        notice_id: unique id of the notice (one per action; the same for every holder).
        seq: the notice's number among the originator's notices on this item (1, 2, …;
            0 when not numbered): the later notice wins (module docstring).
    """

    action: str
    item_id: str
    originator: str
    holder: str
    at: dt.datetime
    new_classification: str | None = None
    notice_id: str = ""
    seq: int = 0

    def to_audit(self) -> AuditEntry:
        """``("originator_action", body, at)`` for the audit log."""
        return (
            "originator_action",
            {
                "action": self.action,
                "item_id": self.item_id,
                "originator": self.originator,
                "holder": self.holder,
                "new_classification": self.new_classification,
                "notice_id": self.notice_id,
                "seq": self.seq,
                "source": "Art. 6",
            },
            self.at,
        )


def check_new_marking(catalog: Catalog, originator: str, holder: str, marking: str) -> str:
    """Check that ``marking`` may be the new classification of an ``originator``'s item held
    by ``holder``; return it (Unicode NFC).

    It must be a marking of the originator's scheme (Art. 4(1)), named for the originator
    in an equivalence row of an agreement between the two (Art. 4(2): otherwise the holder
    has no equivalent marking to apply), and excluded by none of them (agreements.md §1:
    Korean 군사I급비밀 is outside the Japan–Korea agreement, never provided).

    Raises:
        InputError: (``new_classification``) not a marking of the originator, or one an
            agreement between them excludes or none covers.
    """
    scheme = catalog.scheme(originator)
    text = scheme.get(marking, "new_classification").text
    shared = [a for a in catalog.agreements.values()
              if originator in a.parties and holder in a.parties]
    for agreement in shared:
        for x in agreement.excluded:
            if x.party == originator and nfc(x.marking) == text:
                raise InputError("new_classification", marking,
                                 f"{agreement.name} excludes it ({x.source})")
    if holder != originator and not any(
            text in row.markings.get(originator, ()) and row.markings.get(holder)
            for agreement in shared for row in agreement.equivalence):
        raise InputError("new_classification", marking,
                         f"no agreement between {originator} and {holder} gives an "
                         "equivalent marking (Art. 4(2))")
    return text


def check_originator_action(label: Label, action: str, by: str, scheme: MarkingScheme,
                            new_classification: str | None = None) -> str | None:
    """Check that ``by`` may take ``action`` on ``label``'s item; return the new marking
    (NFC; None when the action sets none).

    Raises:
        SharingError: ``by`` is not the Originating Party (Art. 6(d)–(h)).
        InputError: unknown action; ``new_classification`` missing, unknown to ``scheme``,
            not lower for ``downgrade``, or given for an action that sets none.
    """
    if action not in ORIGINATOR_ACTIONS:
        raise InputError("action", action, f"expected one of {', '.join(ORIGINATOR_ACTIONS)}")
    if by != label.originator:
        raise SharingError(
            f"by={by!r}: only the Originating Party {label.originator} may {action} "
            f"item {label.item_id!r} (Art. 6)"
        )
    if action in RECLASSIFYING:
        if new_classification is None:
            raise InputError("new_classification", None, f"required to {action}")
        new = scheme.get(new_classification, "new_classification")
        if action == "downgrade" and new.rank <= scheme.get(label.classification).rank:
            raise InputError("new_classification", new_classification,
                             f"not lower than {label.classification}: use 'reclassify'")
        new_classification = new.text
    elif new_classification is not None:
        raise InputError(
            "new_classification", new_classification,
            f"only for {' or '.join(RECLASSIFYING)}, not {action!r}",
        )
    return new_classification


def issue_originator_action(
    label: Label,
    action: str,
    by: str,
    at: dt.datetime | str,
    holders: Iterable[str],
    scheme: MarkingScheme,
    new_classification: str | None = None,
    *,
    catalog: Catalog | None = None,
    notice_id: str = "",
    seq: int = 0,
) -> tuple[OriginatorNotice, ...]:
    """Issue an originator-only action on ``label``'s item, one notice per holder.

    Parameters:
        label: the item's label.
        action: one of :data:`ORIGINATOR_ACTIONS`.
        by: the party taking the action; must be ``label.originator`` (Art. 6).
        at: when.
        holders: every party holding the item (each gets a notice; the originator is
            skipped).
        scheme: the originator's marking scheme (checks ``new_classification``).
        new_classification: the originator's new marking, for :data:`RECLASSIFYING`
            (``downgrade``: lower than the label's).
        catalog: when given, ``new_classification`` is checked for every holder by
            :func:`check_new_marking` (an excluded or uncovered marking is refused).
        notice_id, seq: the notice's id and number (module docstring).

    Raises:
        SharingError: ``by`` is not the Originating Party (Art. 6).
        InputError: unknown action, missing or unknown ``new_classification`` (or one not
            lower for ``downgrade``, or one an agreement excludes), or no holder.
    """
    new_classification = check_originator_action(label, action, by, scheme,
                                                 new_classification)
    when = parse_time("at", at)
    holders = list(holders)
    targets = sorted({h for h in holders if h != label.originator})
    if not targets:
        raise InputError("holders", holders, "no holder other than the originator")
    if catalog is not None and new_classification is not None:
        for h in targets:
            check_new_marking(catalog, label.originator, h, new_classification)
    return tuple(
        OriginatorNotice(action, label.item_id, label.originator, h, when, new_classification,
                         notice_id, seq)
        for h in targets
    )


def apply_notice(label: Label, notice: OriginatorNotice, catalog: Catalog) -> Label | None:
    """The holder's label after ``notice``: reclassified (``reclassify``, ``downgrade``), or
    None when declassified, recalled or destroyed (the item leaves the holder's classified
    holdings).

    ``notice.originator`` is the party that issued (signed) the notice; only the item's
    Originating Party changes or removes its classification (Art. 6(d)–(h)).

    Raises:
        SharingError: the notice was not issued by the label's originator (Art. 6).
        InputError: the notice is for another item or another holder, names an unknown
            action, or a new marking :func:`check_new_marking` refuses (not the
            originator's, excluded by the agreement, no equivalent for the holder).
    """
    if notice.originator != label.originator:
        raise SharingError(
            f"notice.originator={notice.originator!r}: only the Originating Party "
            f"{label.originator} may {notice.action} item {label.item_id!r} (Art. 6)")
    if notice.item_id != label.item_id:
        raise InputError("notice.item_id", notice.item_id, f"label is {label.item_id!r}")
    if notice.holder != label.holder:
        raise InputError("notice.holder", notice.holder, f"label holder is {label.holder!r}")
    if notice.action not in ORIGINATOR_ACTIONS:
        raise InputError("notice.action", notice.action,
                         f"expected one of {', '.join(ORIGINATOR_ACTIONS)}")
    if notice.action in RECLASSIFYING:
        if notice.new_classification is None:
            raise InputError("new_classification", None, f"required to {notice.action}")
        text = check_new_marking(catalog, label.originator, label.holder,
                                 notice.new_classification)
        return replace(label, classification=text)
    if notice.new_classification is not None:
        raise InputError("new_classification", notice.new_classification,
                         f"only for {' or '.join(RECLASSIFYING)}, not {notice.action!r}")
    return None


@dataclass(frozen=True, slots=True)
class CompromiseReport:
    """A loss or compromise (or possible one) reported to the originator (Art. 17).

    Attributes:
        item_id: the item.
        originator: the Originating Party, to whom it is reported.
        holder: the party that held it and reports.
        discovered_at: when the holder found out (UTC).
        reported_at: when the report went to the originator (UTC).
        possible: True for a *possible* loss or compromise.
        description: what happened.
    """

    item_id: str
    originator: str
    holder: str
    discovered_at: dt.datetime
    reported_at: dt.datetime
    possible: bool
    description: str

    def to_audit(self) -> AuditEntry:
        """``("compromise_reported", body, reported_at)`` for the audit log."""
        return (
            "compromise_reported",
            {
                "item_id": self.item_id,
                "originator": self.originator,
                "holder": self.holder,
                "discovered_at": self.discovered_at.isoformat(),
                "possible": self.possible,
                "description": self.description,
                "report_to": self.originator,
                "source": "Art. 17",
            },
            self.reported_at,
        )


@dataclass(frozen=True, slots=True)
class InvestigationReport:
    """The Receiving Party's investigation result sent to the originator (Art. 17)."""

    report: CompromiseReport
    at: dt.datetime
    findings: str
    preventive_measures: str

    def to_audit(self) -> AuditEntry:
        """``("investigation_reported", body, at)`` for the audit log."""
        return (
            "investigation_reported",
            {
                "item_id": self.report.item_id,
                "originator": self.report.originator,
                "holder": self.report.holder,
                "findings": self.findings,
                "preventive_measures": self.preventive_measures,
                "source": "Art. 17",
            },
            self.at,
        )


def report_compromise(
    label: Label,
    discovered_at: dt.datetime | str,
    description: str,
    possible: bool = False,
    reported_at: dt.datetime | str | None = None,
) -> CompromiseReport:
    """Record a loss or compromise by the holder of ``label``; report it to the originator.

    ``reported_at`` defaults to ``discovered_at`` ("immediately", Art. 17).

    Raises:
        InputError: the report would predate the discovery, or the description is empty.
    """
    found = parse_time("discovered_at", discovered_at)
    sent = found if reported_at is None else parse_time("reported_at", reported_at)
    if sent < found:
        raise InputError("discovered_at", found.isoformat(),
                         f"after the report ({sent.isoformat()}): a loss is discovered "
                         "before it is reported")
    if not description.strip():
        raise InputError("description", description, "say what was lost or compromised")
    return CompromiseReport(
        label.item_id, label.originator, label.holder, found, sent, possible, description
    )


def investigate(
    report: CompromiseReport, at: dt.datetime | str, findings: str, preventive_measures: str
) -> InvestigationReport:
    """The investigation result and preventive measures for ``report`` (Art. 17).

    Raises:
        InputError: dated before the report, or findings / measures empty.
    """
    when = parse_time("at", at)
    if when < report.reported_at:
        raise InputError("at", when.isoformat(), "investigation result before the report")
    for name, text in (("findings", findings), ("preventive_measures", preventive_measures)):
        if not text.strip():
            raise InputError(name, text, "required by Art. 17")
    return InvestigationReport(report, when, findings, preventive_measures)
