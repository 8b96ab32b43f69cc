"""Originator-only actions (Art. 6) and loss or compromise (Art. 17), as events.

Originator actions — change of classification, declassification, recall, destruction —
may be taken only by the Originating Party, by written notice (jpn-kor-gsomia Art.
6(d)–(h)); each becomes one :class:`OriginatorNotice` per holder, so that every holder is
told. A loss or compromise, or a possible one, is recorded by the holder and reported to
the Originating Party at once; the Receiving Party then investigates and reports the
results and preventive measures (Art. 17). Each event has ``to_audit()`` giving the
``(kind, body, at)`` triple :meth:`gsomia.sharing.audit.AuditLog.append_many` takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from gsomia.errors import InputError, SharingError
from gsomia.sharing.label import Label, parse_time
from gsomia.sharing.markings import MarkingScheme

__all__ = [
    "ORIGINATOR_ACTIONS",
    "CompromiseReport",
    "InvestigationReport",
    "OriginatorNotice",
    "apply_notice",
    "investigate",
    "issue_originator_action",
    "report_compromise",
]

#: Actions reserved to the Originating Party (Art. 6(d)–(h)).
ORIGINATOR_ACTIONS = ("reclassify", "declassify", "recall", "destroy")

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
        new_classification: the originator's new marking (``reclassify`` only).
    """

    action: str
    item_id: str
    originator: str
    holder: str
    at: dt.datetime
    new_classification: str | None = None

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
                "source": "Art. 6",
            },
            self.at,
        )


def issue_originator_action(
    label: Label,
    action: str,
    by: str,
    at: dt.datetime | str,
    holders: Iterable[str],
    scheme: MarkingScheme,
    new_classification: str | None = None,
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
        new_classification: the originator's new marking, for ``reclassify``.

    Raises:
        SharingError: ``by`` is not the Originating Party (Art. 6).
        InputError: unknown action, missing or unknown ``new_classification``, or no holder.
    """
    if action not in ORIGINATOR_ACTIONS:
        raise InputError("action", action, f"expected one of {', '.join(ORIGINATOR_ACTIONS)}")
    if by != label.originator:
        raise SharingError(
            f"by={by!r}: only the Originating Party {label.originator} may {action} "
            f"item {label.item_id!r} (Art. 6)"
        )
    if action == "reclassify":
        if new_classification is None:
            raise InputError("new_classification", None, "required to reclassify")
        scheme.get(new_classification)
    elif new_classification is not None:
        raise InputError(
            "new_classification", new_classification, f"only for 'reclassify', not {action!r}"
        )
    when = parse_time("at", at)
    targets = sorted({h for h in holders if h != label.originator})
    if not targets:
        raise InputError("holders", list(holders), "no holder other than the originator")
    return tuple(
        OriginatorNotice(action, label.item_id, label.originator, h, when, new_classification)
        for h in targets
    )


def apply_notice(label: Label, notice: OriginatorNotice) -> Label | None:
    """The holder's label after ``notice``: reclassified, or None when declassified,
    recalled or destroyed (the item leaves the holder's classified holdings).

    Raises:
        InputError: the notice is for another item or another holder.
    """
    if notice.item_id != label.item_id:
        raise InputError("notice.item_id", notice.item_id, f"label is {label.item_id!r}")
    if notice.holder != label.holder:
        raise InputError("notice.holder", notice.holder, f"label holder is {label.holder!r}")
    if notice.action == "reclassify":
        return replace(label, classification=notice.new_classification)
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
        raise InputError("reported_at", sent.isoformat(), "before the discovery")
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
