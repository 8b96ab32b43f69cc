"""Sharing wing: agreements as data, markings, release decisions, consents, audit.

Nothing here imports the warning wing, physics, Typer or FastAPI (ARCHITECTURE.md layers).
"""

from gsomia.sharing.agreements import Agreement, InForce
from gsomia.sharing.audit import AuditLog, AuditRecord, Verification, verify_log
from gsomia.sharing.catalog import ROUTES, Catalog, load_catalog
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.decision import Decision, Obligation, Reason, ReleaseRequest, decide
from gsomia.sharing.events import (
    CompromiseReport,
    InvestigationReport,
    OriginatorNotice,
    apply_notice,
    investigate,
    issue_originator_action,
    report_compromise,
)
from gsomia.sharing.label import Label, Person
from gsomia.sharing.markings import Marking, MarkingScheme, ReceivedMarking
from gsomia.sharing.routes import Route

__all__ = [
    "ROUTES",
    "Agreement",
    "AuditLog",
    "AuditRecord",
    "Catalog",
    "CompromiseReport",
    "Consent",
    "ConsentBook",
    "Decision",
    "InForce",
    "InvestigationReport",
    "Label",
    "Marking",
    "MarkingScheme",
    "Obligation",
    "OriginatorNotice",
    "Person",
    "Reason",
    "ReceivedMarking",
    "ReleaseRequest",
    "Route",
    "Verification",
    "apply_notice",
    "decide",
    "investigate",
    "issue_originator_action",
    "load_catalog",
    "report_compromise",
    "verify_log",
]
