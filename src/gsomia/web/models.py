"""The bodies of the node's HTTP API as pydantic models, for ``/openapi.json``.

Requests are the schema layer's (:class:`gsomia.schemas.MissileWarningDoc`,
:class:`gsomia.schemas.ApprovalRequest`); answers are described here: an item as a local
user sees it (:class:`ItemView`, a :class:`gsomia.node.ReceivedItem`), a release
(:class:`ReleaseView`), an inbox receipt (:class:`ReceiptView`), the health
(:class:`HealthView`: :class:`StoreHealth`, :class:`AuditHealth`, :class:`LinkHealth`) and an
error (:class:`ErrorView`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["AuditHealth", "ErrorView", "HealthView", "ItemView", "LinkHealth", "ReceiptView",
           "ReleaseView", "StoreHealth"]


class ItemView(BaseModel):
    """An item delivered to this party, with the marking applied (Art. 4(2))."""

    item_id: str
    kind: Literal["missile_warning", "radar_plots", "document", "other"]
    originator: str = Field(description="the Originating Party")
    sender: str = Field(description="the hop it came from (the hub on a hub route)")
    route: str = Field(description="how it came: direct, tisa or auto-hub")
    marking: dict[str, Any] = Field(description="the marking applied on receipt: text, "
                                                "text_en, classification, …")
    topic: str
    elements: list[str] = Field(description="missile-warning elements carried")
    payload: dict[str, Any] = Field(description="as the originator signed it (a missile "
                                                "warning, radar plots, …)")
    sent_at: str = Field(description="when the originator signed it, ISO 8601")
    arrived_s: float = Field(description="arrival [s since the scenario epoch]")


class ReleaseView(BaseModel):
    """The outcome of one release of a published warning."""

    item_id: str
    to: str
    route: str
    status: Literal["queued", "awaiting_approval", "denied"]
    envelope_id: str | None
    denied_by: list[str] = Field(description="the failed rules' ids")


class ReceiptView(BaseModel):
    """The inbox's answer to a partner's envelope."""

    status: Literal["accepted", "duplicate", "held", "rejected"]
    envelope_id: str
    party: str
    check: str | None = Field(description="the failed check when rejected")
    reason: str
    marking: dict[str, Any] | None
    cosignature: str | None = Field(None, description="C2SP tlog-cosignature line on the "
                                    "sender's checkpoint")
    cosigned_size: int | None = Field(None, description="sender's log size cosigned last")
    digest: str | None = Field(None, description="SHA-256 of the envelope's JWE")
    signature: str | None = Field(None, description="receiver's JWS over the receipt")


class StoreHealth(BaseModel):
    """The node's store database as probed now (:mod:`gsomia.node.health`)."""

    backend: Literal["sqlite", "postgresql"]
    database: str = Field(description="path, or URL without password")
    reachable: bool = Field(description="a trivial query (SELECT 1) answered now")
    latency_ms: float | None = Field(description="that query's latency [ms]")
    writable: bool = Field(description="reachable, and no write refused since the last "
                           "commit")
    error: str | None = Field(description="why not reachable, or the last refusal")


class AuditHealth(BaseModel):
    """The node's audit log (by default in the store's database)."""

    database: str
    shared: bool = Field(description="in the store's database (one transaction)")
    reachable: bool
    size: int | None = Field(description="records (None when unreadable)")
    checkpoint_size: int | None = Field(description="size of the latest signed checkpoint")
    checkpoint_at: str | None = Field(description="when it was issued, ISO 8601 UTC")
    writable: bool
    error: str | None


class LinkHealth(BaseModel):
    """One partner's link: the last outcomes (since the process started, on the node's
    clock) and the outbox rows to it (None when the store could not be read)."""

    last_success: str | None = Field(description="ISO 8601 UTC")
    last_error_at: str | None = Field(description="ISO 8601 UTC")
    last_error: str | None
    failing: bool = Field(description="the last attempt failed")
    queued: int | None = Field(description="pending rows")
    retrying: int | None = Field(description="pending rows with a failed attempt")
    acked: int | None
    rejected: int | None = Field(description="rows the partner refused")


class HealthView(BaseModel):
    """The node's health, told as it is (:mod:`gsomia.node.health`): answered 200 when
    ``ok`` or ``degraded``, 503 (with ``Retry-After``) when ``down``."""

    party: str
    status: Literal["ok", "degraded", "down"] = Field(
        description="down: the store (or audit log) cannot be reached or read; degraded: "
        "a write refused, a link failing, an incident or a tampered row")
    error: str | None = Field(None, description="why down, naming the database")
    store: StoreHealth
    audit: AuditHealth
    links: dict[str, LinkHealth] = Field(description="per partner")
    outbox: dict[str, int] | None = Field(description="rows by status (pending, acked, "
                                          "rejected); None when down")
    items: int | None = Field(None, description="items delivered (None when down)")
    warnings: int | None = None
    plots: int | None = None
    incidents: int | None = Field(None, description="partners' checkpoints found "
                                  "inconsistent (witness.inconsistent; possible compromise, "
                                  "Art. 17); None when down")
    tampered: int | None = Field(None, description="stored rows found altered "
                                 "(store.tampered); None when down")
    checkpoint_size: int | None = Field(None, description="size of the latest checkpoint")
    cosigned_by: dict[str, int] = Field(default_factory=dict,
                                        description="size cosigned last, per partner")


class ErrorView(BaseModel):
    """An error, naming the field and the value (cut to a few hundred characters)."""

    error: str
