"""No path around the originator: what a node checks so that an item received from an
Originating Party never reaches a party that originator did not release it to (Art. 6).

- **Ids bound to their originator**: an item id is ``<ORIGINATOR>-<...>`` (:func:`owns_id`).
- **No re-origination**: a payload carrying a received item's content — the same JSON
  (numbers compared as numbers), that JSON nested anywhere inside it or written into a
  string, a long part of it (an object, array or string of at least
  :data:`MIN_PART_CHARS`, e.g. an attachment), or a piece of the originator's signed
  token — is not new information of the holder (:class:`Fingerprints`); it may only be
  created as a *derived* item that names its sources. (Content retyped or edited is beyond
  any check: the holder's obligation under Art. 6 remains.)
- **Derivative classification** (:func:`derive`): a derived item carries every source
  (transitively) with its originator, marking, topic and Releasable To; it is marked at
  least as its most restrictive source as received (Art. 4(2): the marking in the holder's
  own scheme) and releasable only to parties every source is releasable to (or that
  originated it).
- **Release authorisation** (:func:`authorisation`): every copy an originator signs names
  the final recipient, the route and the route's hub it released that copy to, so each
  hop can check it travels as the originator sent it (:func:`check_route`).

Errors: :class:`~gsomia.errors.InputError` for a refused item (naming the field);
:class:`~gsomia.errors.ReleaseDenied` for a refused hop.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gsomia.errors import InputError, ReleaseDenied
from gsomia.node.store import Store
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.envelope import label_from_dict
from gsomia.sharing.label import DerivedSource, Label
from gsomia.sharing.routes import Route

__all__ = [
    "MIN_NESTED_CHARS",
    "MIN_PART_CHARS",
    "Fingerprints",
    "authorisation",
    "check_route",
    "derive",
    "owns_id",
    "restrictions",
]

_TOKEN = re.compile(r"[A-Za-z0-9_-]{40,}")
#: Shortest canonical JSON of a received payload looked for *inside* a new one [chars]:
#: a tiny object such as ``{"x":1.0}`` says nothing of its origin when met nested.
MIN_NESTED_CHARS = 24
#: Shortest part of a received payload (object, array or string, as canonical JSON)
#: looked for anywhere in a new one [chars]: long enough not to meet by chance.
MIN_PART_CHARS = 256


def owns_id(party: str, item_id: str) -> bool:
    """True when ``item_id`` is bound to ``party`` (``<PARTY>-<...>``, something after)."""
    return isinstance(item_id, str) and item_id.startswith(f"{party}-") \
        and len(item_id) > len(party) + 1


def authorisation(to: str, route: Route, hub: str | None) -> dict[str, Any]:
    """The release authorisation an originator signs into a copy (envelope ``release``)."""
    return {"to": to, "route": route.value, "hub": hub}


#: ``json.dumps(s, ensure_ascii=False)`` of a string ``s``, without building an encoder per
#: call (the function :class:`json.JSONEncoder` itself uses for it; same text).
_json_str = json.encoder.encode_basestring  # type: ignore[attr-defined]
_CONSTANTS = {True: "true", False: "false", None: "null"}


def _json_float(number: float) -> str:
    """``json.dumps(number)`` of a float (``repr``; ``NaN``, ``Infinity``, ``-Infinity``)."""
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    return float.__repr__(number)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Fingerprints:
    """The content of every item this node received (final recipient or hub), to refuse
    re-originating it (module docstring). Read from the store's inbox incrementally."""

    def __init__(self) -> None:
        self._after = 0
        self._digests: dict[str, tuple[str, int]] = {}
        self._tokens: dict[str, str] = {}

    def refresh(self, store: Store) -> None:
        """Index the items accepted since the last refresh."""
        for row, item_id, payload, jws in store.item_payloads(self._after):
            self.add(item_id, payload, jws)
            self._after = row

    def add(self, item_id: str, payload: Any, jws: str) -> None:
        """Index one received item: its whole payload (not an empty one, which carries
        nothing), each part of it (object, array or string) of at least
        :data:`MIN_PART_CHARS`, and its signed token's segments."""
        parts: list[str] = []
        try:
            text = self._canon(payload, None, parts=parts)
        except RecursionError:  # nested deeper than a new payload may be: never re-made
            text, parts = "{}", []
        for part in parts:
            self._digests.setdefault(_digest(part), (item_id, len(part)))
        if text not in ("{}", "[]"):
            self._digests[_digest(text)] = (item_id, len(text))
        for segment in jws.split(".")[1:]:
            if len(segment) >= 40:
                self._tokens[segment] = item_id

    def carried(self, payload: Any) -> tuple[str, ...]:
        """The ids of the received items whose content ``payload`` carries (module
        docstring), in the order met; empty when none."""
        if not self._digests and not self._tokens:
            return ()
        found: list[str] = []
        try:
            self._canon(payload, found, top=True)
        except RecursionError:
            raise InputError("payload", "…", "nested too deeply") from None
        return tuple(dict.fromkeys(found))

    def _canon(self, value: Any, found: list[str] | None, top: bool = False,
               parts: list[str] | None = None) -> str:
        """Canonical JSON of ``value`` (keys sorted, numbers as floats). With ``found``, the
        ids of received items met on the way are appended to it (a whole payload as the
        whole value, ``top``, or nested if of at least :data:`MIN_NESTED_CHARS`; a part
        anywhere); with ``parts``, the texts of the parts of at least
        :data:`MIN_PART_CHARS` are collected."""
        kind = type(value)  # the common JSON types first (same text as the checks after)
        if kind is float:  # finite: its repr (value - value is NaN for NaN and infinities)
            return float.__repr__(value) if value - value == 0.0 else _json_float(value)
        if kind is str:
            text = _json_str(value)
            if found is not None:
                self._in_text(value, found)
            if len(text) < MIN_PART_CHARS:
                return text
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            canon = self._canon
            text = "{" + ",".join(
                _json_str(str(k)) + ":" + canon(value[k], found, parts=parts)
                for k in sorted(value, key=str)) + "}"
        elif kind is list or isinstance(value, list | tuple):
            canon = self._canon
            text = "[" + ",".join([canon(v, found, parts=parts) for v in value]) + "]"
        elif isinstance(value, bool) or value is None:
            return _CONSTANTS[value]
        elif isinstance(value, int | float):
            return _json_float(float(value))
        else:
            text = _json_str(str(value))
            if found is not None:
                self._in_text(str(value), found)
            if len(text) < MIN_PART_CHARS:
                return text
        if parts is not None and len(text) >= MIN_PART_CHARS:
            parts.append(text)
        # a nested hit counts only from MIN_NESTED_CHARS (its length is the text's)
        if found is not None and (top or len(text) >= MIN_NESTED_CHARS):
            hit = self._digests.get(_digest(text))
            if hit is not None and (top or hit[1] >= MIN_NESTED_CHARS):
                found.append(hit[0])
        return text

    def _in_text(self, text: str, found: list[str]) -> None:
        """A received token's segment in a string, or a received payload written as JSON."""
        for token in _TOKEN.findall(text):
            if token in self._tokens:
                found.append(self._tokens[token])
                return
        stripped = text.strip()
        if stripped[:1] in ("{", "["):
            try:
                self._canon(json.loads(stripped), found, top=True)
            except ValueError:
                pass


def _held_label(store: Store, party: str, item_id: str
                ) -> tuple[Label, str | None] | None:
    """``(label, marking in this party's scheme or None for its own item)`` of an item this
    node holds (own, or delivered to it), or None."""
    own = store.local_item(item_id)
    if own is not None:
        label = label_from_dict(own[0])
        return label, label.classification
    for row in store.inbox(kind="item", item_id=item_id):
        if row.final == party and row.label:
            return label_from_dict(row.label), (row.marking or {}).get("classification")
    return None


def _collect(store: Store, party: str, sources: Iterable[str]
             ) -> tuple[dict[str, DerivedSource], dict[str, str]]:
    """The derivation entries of ``sources`` (transitively; own items keyed
    ``<id>#own``) and each source's marking in this party's scheme.

    Raises:
        InputError: ``derived_from[i]`` is not an item this node holds.
    """
    entries: dict[str, DerivedSource] = {}
    markings: dict[str, str] = {}
    for i, item_id in enumerate(sources):
        held = _held_label(store, party, item_id)
        if held is None:
            raise InputError(f"derived_from[{i}]", item_id, "no such item at this node")
        label, marking = held
        if marking is not None:
            markings[item_id] = marking
        for entry in label.derived_from:
            entries.setdefault(entry.item_id, entry)
        if label.originator != party:
            entries.setdefault(item_id, DerivedSource(
                item_id, label.originator, label.classification, label.topic,
                label.releasable_to))
        else:  # own item: its Releasable To bounds the new one too
            entries.setdefault(f"{item_id}#own", DerivedSource(
                item_id, party, label.classification, label.topic,
                label.releasable_to | {party}))
    return entries, markings


def restrictions(store: Store, catalog: Catalog, party: str, sources: Iterable[str]
                 ) -> tuple[str | None, frozenset[str] | None]:
    """The most restrictive marking of ``sources`` in ``party``'s scheme (as received,
    Art. 4(2)) and the parties every source is releasable to (or originated it), other
    than ``party``: the defaults of a derived item; ``(None, None)`` without sources.

    Raises:
        InputError: ``derived_from[i]`` is not an item this node holds.
    """
    entries, markings = _collect(store, party, sources)
    scheme = catalog.scheme(party)
    top = min(markings.values(), key=lambda m: scheme.get(m).rank, default=None)
    allowed = None
    for entry in entries.values():
        permitted = entry.releasable_to | {entry.originator}
        allowed = permitted if allowed is None else allowed & permitted
    return top, None if allowed is None else frozenset(allowed - {party})


def derive(store: Store, catalog: Catalog, party: str, sources: Iterable[str],
           classification: str, releasable_to: frozenset[str]
           ) -> tuple[DerivedSource, ...]:
    """The derivation of a new item of ``party`` from the items ``sources`` it holds
    (module docstring: derivative classification), checked against the new item's
    ``classification`` (this party's marking) and ``releasable_to``.

    Raises:
        InputError: ``derived_from[i]`` is not an item this node holds;
            ``classification`` is below a source's marking as received (Art. 4(2));
            ``releasable_to`` names a party some source is not releasable to.
    """
    sources = list(sources)
    scheme = catalog.scheme(party)
    entries, markings = _collect(store, party, sources)
    for item_id, marking in markings.items():
        if not scheme.at_least(classification, marking):
            raise InputError("classification", classification,
                             f"below {marking!r}, the marking of source {item_id} "
                             "(derivative classification: the most restrictive applies)")
    _, allowed = restrictions(store, catalog, party, sources)
    if allowed is not None and not releasable_to - {party} <= allowed:
        raise InputError("releasable_to", sorted(releasable_to),
                         f"{sorted(releasable_to - allowed - {party})} not releasable for "
                         f"every source (intersection: {sorted(allowed)})")
    return tuple(e for k, e in entries.items() if not k.endswith("#own"))


def check_route(party: str, label: Label, originator: str, sender: str, final: str,
                route: Route, hub: str | None, release: Mapping[str, Any] | None) -> bool:
    """Check that an item's hop travels as its originator sent it; True when the hop is
    the originator's own release (its signed ``release`` names this hop), False when it is
    a holder's onward release (then a consent must cover it, Art. 6).

    Rules (Art. 6; TISA para 4; agreements.md §4: standing approvals are the originator's,
    for what it puts on the automated hub itself):

    - the item id is bound to its signed originator;
    - only the originator puts an item on a hub, and the hub holds it only for the final
      recipient, route and hub the originator signed;
    - a hub's forward reaches only the final recipient the originator signed, by that route;
    - any other sender is a holder releasing onward: direct only.

    Raises:
        ReleaseDenied: the hop breaks a rule (rule ``item_id`` or ``route``).
    """
    if not owns_id(originator, label.item_id):
        raise ReleaseDenied(label.item_id, party, ("item_id",),
                            f"item id {label.item_id!r} is not bound to its originator "
                            f"{originator} ('{originator}-...')")

    def signed_for(to: str, via: str | None) -> bool:
        return (isinstance(release, Mapping) and release.get("to") == to
                and release.get("route") == route.value and release.get("hub") == via)

    if final != party:  # at the hub
        if sender != originator or not signed_for(final, party):
            raise ReleaseDenied(label.item_id, final, ("route",),
                                f"{sender} may not put this item on hub {party} for "
                                f"{final}: not the release {originator} signed")
        return True
    if sender == originator:
        if release is not None and not signed_for(party, hub if route.is_hub else None):
            raise ReleaseDenied(label.item_id, party, ("route",),
                                f"{originator}'s signed release names {dict(release)}, "
                                f"not this hop")
        return True
    if route.is_hub and sender == hub:
        if not signed_for(party, hub):
            raise ReleaseDenied(label.item_id, party, ("route",),
                                f"hub {sender} forwards what {originator} did not release "
                                f"to {party} by {route}")
        return True
    if route is not Route.DIRECT:
        raise ReleaseDenied(label.item_id, party, ("route",),
                            f"holder {sender} may pass {originator}'s item on directly only, "
                            f"not by {route}")
    return False
