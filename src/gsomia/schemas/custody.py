"""The request bodies of custody, originator control (Art. 6(d)–(h)) and loss or
compromise cases (Art. 17): ``POST /v1/items/{id}/actions``, ``/compromise``,
``/v1/cases/{id}/investigation`` and ``/close`` (:mod:`gsomia.web.custody`).

Every model is :class:`~gsomia.schemas.base.Closed`: an unknown key (a typo) is refused,
naming it, before anything is done. The free text of a case (``what``, ``findings``,
``preventive_measures``, ``summary``) is a non-empty string of at most
:data:`MAX_CASE_TEXT` characters: a report says what happened, an attachment is no case
text, and a table of cases stays printable.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool

from gsomia.schemas.base import Closed, Text, fail

__all__ = ["MAX_CASE_TEXT", "ActionRequest", "CaseText", "CloseRequest",
           "CompromiseRequest", "InvestigationRequest", "check_case_text"]

#: Longest free text of a case (characters; ``what``, ``findings``,
#: ``preventive_measures``, ``summary``).
MAX_CASE_TEXT = 4000


def check_case_text(value: Any) -> str:
    """``value`` if it is case text (module docstring).

    Raises:
        PydanticCustomError: not a string, blank, or over :data:`MAX_CASE_TEXT` characters
            (:func:`~gsomia.schemas.base.fail`; :func:`~gsomia.schemas.parse` turns it into
            an InputError naming the field).
    """
    if not isinstance(value, str) or not value.strip():
        raise fail("expected a non-empty string")
    if len(value) > MAX_CASE_TEXT:
        raise fail(f"at most {MAX_CASE_TEXT} characters, got {len(value)}",
                   value=f"<{len(value)} characters>", has_value=True)
    return value


#: Case text: a non-empty string of at most :data:`MAX_CASE_TEXT` characters.
CaseText = Annotated[str, BeforeValidator(check_case_text),
                     Field(max_length=MAX_CASE_TEXT)]


class ActionRequest(Closed):
    """An originator action (Art. 6(d)–(h))."""

    action: Text = Field(description="reclassify, downgrade, declassify, recall or destroy")
    new_classification: Text | None = Field(
        None, description="the originator's new marking (reclassify, downgrade)")


class CompromiseRequest(Closed):
    """A holder's loss or compromise report (Art. 17)."""

    what: CaseText = Field(description="what was lost or compromised, and how")
    possible: StrictBool = Field(False, description="a possible loss or compromise")
    discovered_at: Text | None = Field(None, description="ISO 8601; default now")


class InvestigationRequest(Closed):
    """The Receiving Party's investigation results (Art. 17)."""

    findings: CaseText
    preventive_measures: CaseText


class CloseRequest(Closed):
    """The closure of an investigated case."""

    summary: CaseText = "closed"
