"""What a node hands out: the outcome of a release, a delivered item, and the item kinds.

A node carries any JSON payload; a payload type that knows how it is shared (its topic,
the elements its label names, its stream) satisfies :class:`Publishable` and is published
with :meth:`gsomia.node.Node.publish` (:class:`~gsomia.node.MissileWarning`,
:class:`~gsomia.node.plots.RadarPlots`). Receivers tell the kinds apart with
:func:`item_kind`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gsomia.node.alerts import AREA_WARNING_KIND
from gsomia.node.document import DOCUMENT_KIND
from gsomia.node.plots import PLOT_KIND
from gsomia.node.warning import WARNING_TOPIC
from gsomia.sharing.decision import Decision
from gsomia.sharing.label import Label
from gsomia.sharing.routes import Route

__all__ = ["AREA_WARNING_KIND", "DOCUMENT_KIND", "ITEM_KINDS", "OTHER_KIND", "WARNING_KIND",
           "Publishable", "ReceivedItem", "Release", "item_kind"]

#: :attr:`ReceivedItem.kind` of a missile warning (:class:`MissileWarning`; its payload
#: carries no ``kind`` key: the format predates measurement sharing).
WARNING_KIND = "missile_warning"
#: :attr:`ReceivedItem.kind` of any item that is neither a warning, radar plots nor a
#: document.
OTHER_KIND = "other"
#: Every :attr:`ReceivedItem.kind`: a missile warning, a scan's radar plots
#: (:data:`gsomia.node.plots.PLOT_KIND`), a document with attachments
#: (:data:`gsomia.node.document.DOCUMENT_KIND`), an entry of a party's public warning log
#: (:data:`gsomia.node.alerts.AREA_WARNING_KIND`) or any other item (``other``).
ITEM_KINDS = (WARNING_KIND, PLOT_KIND, DOCUMENT_KIND, AREA_WARNING_KIND, OTHER_KIND)


def item_kind(label: Label, payload: Any) -> str:
    """What an item carries, from its label and its payload's ``kind`` (one of
    :data:`ITEM_KINDS`; no payload is read beyond that key).

    - ``radar_plots``: the payload's ``kind`` is :data:`~gsomia.node.plots.PLOT_KIND`
      (:mod:`gsomia.node.plots`, published under the warning topic);
    - ``document``: the payload's ``kind`` is ``document`` (:mod:`gsomia.node.document`;
      not checked here: :meth:`~gsomia.node.document.Document.from_dict` does);
    - ``area_warning``: the payload's ``kind`` is
      :data:`~gsomia.node.alerts.AREA_WARNING_KIND` (:mod:`gsomia.node.alerts`);
    - ``missile_warning``: the warning topic (:data:`WARNING_TOPIC`), at least one element
      in the label, and a JSON object payload without a ``kind`` key (the payload of
      :meth:`MissileWarning.to_dict`);
    - ``other``: anything else (another topic, no elements, another or a future ``kind``).
    """
    if not isinstance(payload, Mapping):
        return OTHER_KIND
    kind = payload.get("kind")
    if kind in (PLOT_KIND, DOCUMENT_KIND, AREA_WARNING_KIND):
        return kind
    if "kind" not in payload and label.topic == WARNING_TOPIC and label.elements:
        return WARNING_KIND
    return OTHER_KIND


class Publishable(Protocol):
    """A payload that knows how it is shared (:meth:`gsomia.node.Node.publish`).

    Attributes:
        topic: the label's topic (e.g. :data:`~gsomia.node.WARNING_TOPIC`).
        elements: the elements the label names (judged by the release decision against
            each arrangement's scope; agreements.md §4).
        stream: the ordered stream of its envelopes per partner (e.g.
            ``warning:<track_id>``, ``plots:<sensor_id>``).
    """

    @property
    def topic(self) -> str: ...

    @property
    def elements(self) -> tuple[str, ...]: ...

    @property
    def stream(self) -> str: ...

    def validate(self) -> Any:
        """Check every field; raise :class:`~gsomia.errors.InputError` naming the bad one."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload the originator signs."""


@dataclass(frozen=True, slots=True)
class Release:
    """The outcome of one release request.

    Attributes:
        item_id, to: what was asked; route: the :class:`~gsomia.sharing.Route` asked for.
        next_hop: the party the envelope goes to first (the hub on a hub route).
        envelope_id: the envelope queued, or None when denied.
        status: ``queued`` (in the outbox), ``awaiting_approval`` (queued to the TISA hub,
            which holds it until the originator approves), ``denied`` or
            ``already_released`` (a release of the item to ``to`` is pending or acked
            already: nothing queued, ``envelope_id`` is that release's).
        decision: the release decision (reasons and obligations).
    """

    item_id: str
    to: str
    route: Route
    next_hop: str
    envelope_id: str | None
    status: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class ReceivedItem:
    """An item delivered to this node (final recipient), as handed to subscribers.

    Attributes:
        item_id, originator: from the originator's signed label.
        sender: the hop it came from (the hub on a hub route); route: how it came (a
            :class:`~gsomia.sharing.Route`, canonical spelling).
        label: the originator's label (holder: this party).
        marking: the marking applied on receipt (Art. 4(2)): ``text`` (own script, e.g.
            ``"大韓民国 極秘"``), ``text_en``, ``classification``, ``originator_name``, ….
        payload: the data as the originator signed it (a missile warning's dict, a
            scan's radar plots, …: :attr:`kind` says which).
        sent_at: when the originator signed it (UTC); arrived_s: arrival [s since epoch].
        envelope_id: the last hop's envelope id.
    """

    item_id: str
    originator: str
    sender: str
    route: Route
    label: Label
    marking: dict[str, Any]
    payload: dict[str, Any]
    sent_at: dt.datetime
    arrived_s: float
    envelope_id: str

    @property
    def kind(self) -> str:
        """What the item carries: ``missile_warning``, ``radar_plots``, ``document``,
        ``area_warning`` or ``other`` (:func:`item_kind`)."""
        return item_kind(self.label, self.payload)

    @property
    def is_warning(self) -> bool:
        """True for a missile warning (:attr:`kind`); False for a scan's radar plots even
        though they share the warning topic."""
        return self.kind == WARNING_KIND

    @property
    def is_plots(self) -> bool:
        """True for a scan's radar plots (:class:`~gsomia.node.plots.RadarPlots`)."""
        return self.kind == PLOT_KIND
