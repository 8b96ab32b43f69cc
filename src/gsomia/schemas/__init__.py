"""The schema layer: one pydantic v2 model for each kind of input that comes from outside.

Every model is closed (an unknown key is refused, naming it) and is converted by its
reader to the domain type the rest of the program uses (frozen dataclasses such as
:class:`gsomia.sim.scenario.Scenario` or :class:`gsomia.sharing.Agreement`). Errors are the
project's (:func:`parse`): file, key path, value and what was expected.

This is a bottom layer: it imports only :mod:`gsomia.errors`, pydantic and the standard
library, so that every layer may use it. Checks that need a catalogue, physics or numpy
(agreement names, propulsion classes, covariance eigenvalues) stay with the readers.

:data:`SCHEMAS` names the published ones (``gsomia schema NAME``; :func:`json_schema`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gsomia.errors import InputError
from gsomia.schemas.agreement import (
    AgreementFile,
    AgreementHead,
    EquivalenceEntry,
    EventEntry,
    ExclusionEntry,
    MarkingEntry,
    MarkingSchemeFile,
    PartyEntry,
    RenewalEntry,
    ScopeEntry,
)
from gsomia.schemas.approval import (
    ApprovalRequest,
    ConsentDoc,
)
from gsomia.schemas.base import (
    Closed,
    Fault,
    LocalDate,
    NfcText,
    OffsetDateTime,
    PartyCode,
    Text,
    bounds_text,
    fail,
    first_fault,
    input_error,
    integer,
    iso_value,
    number,
    parse,
)
from gsomia.schemas.document import (
    AttachmentDoc,
    DocumentDoc,
    ItemCreateRequest,
    ItemReleaseRequest,
)
from gsomia.schemas.label import (
    LabelDoc,
    PersonDoc,
)
from gsomia.schemas.node import (
    NodeConfigFile,
    PeerEntry,
)
from gsomia.schemas.payloads import (
    AreaDoc,
    AreaWarningDoc,
    ImpactPointDoc,
    LaunchPointDoc,
    MissileWarningDoc,
    PlotDoc,
    RadarPlotsDoc,
    SiteDoc,
    SubmarineContactDoc,
    TrajectoryDoc,
)
from gsomia.schemas.personnel import (
    PersonnelEntry,
    PersonnelFile,
)
from gsomia.schemas.scenario import (
    AgreementEntry,
    FacilityEntry,
    FacilityFile,
    LaunchEntry,
    LinkEntry,
    SalvoEntry,
    ScenarioFile,
    SensorEntry,
)

__all__ = [
    "SCHEMAS",
    "AgreementEntry",
    "AgreementFile",
    "AgreementHead",
    "ApprovalRequest",
    "AreaDoc",
    "AreaWarningDoc",
    "AttachmentDoc",
    "Closed",
    "ConsentDoc",
    "DocumentDoc",
    "EquivalenceEntry",
    "EventEntry",
    "ExclusionEntry",
    "FacilityEntry",
    "FacilityFile",
    "Fault",
    "ImpactPointDoc",
    "ItemCreateRequest",
    "ItemReleaseRequest",
    "LabelDoc",
    "LaunchEntry",
    "LaunchPointDoc",
    "LinkEntry",
    "LocalDate",
    "MarkingEntry",
    "MarkingSchemeFile",
    "MissileWarningDoc",
    "NfcText",
    "NodeConfigFile",
    "OffsetDateTime",
    "PartyCode",
    "PartyEntry",
    "PeerEntry",
    "PersonDoc",
    "PersonnelEntry",
    "PersonnelFile",
    "PlotDoc",
    "RadarPlotsDoc",
    "RenewalEntry",
    "SalvoEntry",
    "ScenarioFile",
    "ScopeEntry",
    "SensorEntry",
    "SiteDoc",
    "SubmarineContactDoc",
    "Text",
    "TrajectoryDoc",
    "bounds_text",
    "fail",
    "first_fault",
    "input_error",
    "integer",
    "iso_value",
    "json_schema",
    "number",
    "parse",
]

#: Published schemas: name (``gsomia schema NAME``) → model.
SCHEMAS: dict[str, type[BaseModel]] = {
    "agreement": AgreementFile,
    "approval": ApprovalRequest,
    "area-warning": AreaWarningDoc,
    "consent": ConsentDoc,
    "document": DocumentDoc,
    "item-create": ItemCreateRequest,
    "item-release": ItemReleaseRequest,
    "label": LabelDoc,
    "marking-scheme": MarkingSchemeFile,
    "missile-warning": MissileWarningDoc,
    "node-config": NodeConfigFile,
    "person": PersonDoc,
    "personnel": PersonnelFile,
    "radar-plots": RadarPlotsDoc,
    "scenario": ScenarioFile,
    "submarine-contact": SubmarineContactDoc,
}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12, as pydantic writes it) of the input called ``name``.

    Raises:
        InputError: ``name`` is not one of :data:`SCHEMAS` (lists them).
    """
    try:
        model = SCHEMAS[name]
    except KeyError:
        raise InputError("NAME", name, "unknown schema (known: "
                         + ", ".join(sorted(SCHEMAS)) + ")") from None
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
