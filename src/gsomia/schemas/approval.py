"""Approvals: an originator's consent (the prior written approval a hub gets, Art. 6; TISA
para 4) and the operator's request to give one over the HTTP API.

- :class:`ConsentDoc`: a consent as JSON (a label's ``consents``, ``--consents``, the
  signed approval a hub receives); read by :meth:`gsomia.sharing.Consent.from_dict`, which
  also checks the party codes, the scope and that it expires after it is granted.
- :class:`ApprovalRequest`: ``POST /v1/approvals`` of a node (``{"item_id", "to",
  "route"}``); answered with the consent given (:class:`ConsentDoc`).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, StrictBool

from gsomia.schemas.base import Closed, RouteText, Text

__all__ = ["ApprovalRequest", "ConsentDoc"]

Time = dt.datetime | dt.date | str


class ConsentDoc(Closed):
    """One prior written approval of an Originating Party (times ISO 8601)."""

    consent_id: Text | None = Field(None, description="default: consent-<index>")
    originator: Text = Field(description="the Originating Party that grants it")
    to: Text = Field(description="the party it allows release to")
    granted_at: Time = Field(description="from when it holds (ISO 8601)")
    expires_at: Time | None = Field(None, description="until when (exclusive)")
    item_id: Text | None = Field(None, description="the one item it covers")
    topic: Text | None = Field(None, description="the topic it covers")
    classifications: list[Text] = Field([], description="the originator's markings it "
                                                        "covers (empty: any)")
    written: StrictBool = Field(True, description="Art. 6 accepts written approvals only")
    revoked_at: Time | None = None


class ApprovalRequest(Closed):
    """The originator's approval for ``to`` to receive its item ``item_id`` through a hub
    (TISA para 4)."""

    item_id: Text
    to: Text = Field(description="the final recipient's party code")
    route: RouteText = Field("tisa_hub", description="the hub route: tisa_hub (tisa) or auto_hub "
                                            "(auto-hub); gsomia.sharing.Route")
    holder: Text | None = Field(None, description="a party holding the item that may pass "
                                                  "it on to `to` (Art. 6): the signed "
                                                  "consent is sent to it too")
