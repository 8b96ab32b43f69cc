"""A node's items as STIX 2.1 objects, and back (OASIS STIX Version 2.1, OS, 10 June 2021).

Every item becomes one STIX Domain Object with a property extension (STIX 2.1 section 7.3,
"Extension Definition"; ``extension_type`` ``"property-extension"``) defined by
:data:`ITEM_EXTENSION_ID`, which carries the item whole, so that
``stix_to_item(item_to_stix(label, payload, marking))`` gives back the same label, payload
and marking (lossless):

================  ===========  =====================================================
item kind         STIX type    extension ``x_gsomia_item`` properties
================  ===========  =====================================================
missile_warning   ``incident`` ``item_kind``, ``label``, ``missile_warning``: the three
                               warning elements as the originator signed them
                               (:mod:`gsomia.node.warning`: ``launch_point`` {lat_deg,
                               lon_deg, launch_s, launch_sigma_s, cov_en_m2 2x2 [m²]},
                               ``trajectory`` {t_s, x_ecef 6 [m, m/s], P 6x6},
                               ``impact_point`` {lat_deg, lon_deg, impact_s,
                               impact_sigma_s, cov_en_m2 2x2 [m²], valid}, ``track_id``,
                               ``epoch``, ``t_s``), ``marking``
radar_plots       ``incident`` ``item_kind``, ``label``, ``payload``, ``marking``
document, other   ``report``   the same; ``object_refs``: the originator's identity
================  ===========  =====================================================

``label`` is the item's confidentiality label as signed (:func:`gsomia.sharing.envelope.
label_to_dict`: STANAG 4774 fields, Releasable To, topic, elements, derivation);
``marking`` the marking the holder applied on receipt (Art. 4(2); None for an own item).
The same facts are repeated where STIX consumers look for them: ``created_by_ref`` is the
originator's ``identity`` (provenance; STIX 2.1 section 4.5), ``created``/``modified`` the
label's creation time, and ``object_marking_refs`` name two ``marking-definition``
objects (STIX 2.1 section 7.2.1): the originator's own marking and, for a reader of
another party, that party's equivalent marking (Art. 4(2)). Marking definitions carry a
second property extension (:data:`MARKING_EXTENSION_ID`) in the vocabulary of ISA
ACS 3.0 (Information Sharing Architecture Access Control Specification 3.0, DHS/ISA,
2016: ``identifier``, ``create_date_time``, ``responsible_entity_originator``,
``classification`` one of ``U``/``C``/``S``/``TS``, ``policy_reference``); an item's
releasability is also given as ACS ``further_sharing`` ({``sharing_scope``: the
Releasable To parties, ``sharing_effect``: ``permit``}) in its item extension.

Ids are deterministic (UUIDv5 under :data:`NAMESPACE`, RFC 9562 section 5.5): an item's
SDO id from its item id, a party's identity from its code, a marking definition from the
party and the marking text; the extension definitions have fixed ids. (STIX 2.1 section
2.9 says an SDO's UUID SHOULD be a v4; a v5 gives one item the same id on every node and
in every listing, so that a consumer merges copies instead of counting them twice.) A
property of the item extension without a value is left out (``marking`` of an own item;
STIX 2.1 section 3.1); values inside ``label`` and the payload are kept as signed. The objects are
plain JSON-ready dicts (built without the ``stix2`` library on the hot path of the TAXII
server); every kind is checked against ``stix2.parse(..., allow_custom=False)`` (stix2
3.0 accepts ``extension-definition--`` property extensions without registration) and the
OASIS ``stix2-validator`` in the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from gsomia.errors import InputError
from gsomia.node.items import DOCUMENT_KIND, OTHER_KIND, WARNING_KIND, item_kind
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.envelope import label_from_dict

__all__ = ["ACS_CLASSIFICATION", "DEFINITIONS_CREATED", "ITEM_EXTENSION_ID",
           "MARKING_EXTENSION_ID", "NAMESPACE", "STIX_MEDIA_TYPE", "definitions",
           "identity_id", "item_stix_id", "item_to_stix", "item_to_stix_text", "marking_id",
           "stix_time", "stix_to_item"]

#: UUIDv5 namespace of every deterministic id this module makes (RFC 9562 section 5.5).
NAMESPACE = uuid.UUID("6f1d0c2e-8a4b-5c1e-9d3f-2a7b4c6e8f10")
#: The item extension's definition (fixed id; the SMO is in :func:`definitions`).
ITEM_EXTENSION_ID = "extension-definition--3f2c8a51-7e0d-4b6a-9c1f-5d8e2a4b6c70"
#: The marking extension's definition (ISA ACS 3.0 vocabulary; fixed id).
MARKING_EXTENSION_ID = "extension-definition--9a4e6b12-3c5d-4f7e-8a1b-2c3d4e5f6a7b"
#: Media type of STIX 2.1 content (STIX 2.1 section 1.6 / TAXII 2.1 section 1.6.8.2).
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
#: ``created`` of the definitions (extension definitions, identities, marking definitions).
DEFINITIONS_CREATED = "2026-01-01T00:00:00.000Z"
#: ISA ACS 3.0 classification code of each common level (TOP SECRET → TS, …; the ACS
#: vocabulary has no RESTRICTED: it is given as C, the next level up).
ACS_CLASSIFICATION = {"TOP SECRET": "TS", "SECRET": "S", "CONFIDENTIAL": "C",
                      "RESTRICTED": "C", "UNCLASSIFIED": "U"}
#: STIX type of each item kind (module table).
_TYPES = {WARNING_KIND: "incident", "radar_plots": "incident", DOCUMENT_KIND: "report",
          OTHER_KIND: "report"}


def _uuid(name: str) -> str:
    """UUIDv5 of ``name`` under :data:`NAMESPACE` (RFC 9562 section 5.5: SHA-1 of the
    namespace and the name, first 16 bytes, version 5, variant 10), as text; the same as
    ``str(uuid.uuid5(NAMESPACE, name))`` without building a ``UUID``."""
    h = bytearray(hashlib.sha1(NAMESPACE.bytes + name.encode()).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


class _LabelView(NamedTuple):
    """The two label fields :func:`gsomia.node.items.item_kind` reads."""

    topic: str
    elements: tuple[str, ...]


#: Stands for the payload in the JSON text of :func:`item_to_stix_text` until spliced
#: (no label or marking holds a NUL), and the same as JSON text.
_HOLE = "\u0000payload"
_HOLE_JSON = json.dumps(_HOLE)


def item_stix_id(item_id: str, kind: str) -> str:
    """The STIX id of item ``item_id`` of kind ``kind`` (``incident--…`` or ``report--…``)."""
    return f"{_TYPES.get(kind, 'report')}--{_uuid('item:' + item_id)}"


def identity_id(party: str) -> str:
    """The STIX id of ``party``'s ``identity`` object."""
    return f"identity--{_uuid('party:' + party)}"


def marking_id(party: str, marking: str) -> str:
    """The STIX id of the marking definition of ``party``'s marking text ``marking``."""
    return f"marking-definition--{_uuid('marking:' + party + ':' + marking)}"


def stix_time(t: dt.datetime) -> str:
    """A STIX timestamp (STIX 2.1 section 3.2: RFC 3339, UTC, ``Z``) with microseconds."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _created(label: Mapping[str, Any]) -> str:
    created = label.get("created")
    if not created:
        return DEFINITIONS_CREATED
    try:
        return stix_time(dt.datetime.fromisoformat(created))
    except (TypeError, ValueError):
        raise InputError("label.created", created, "expected an ISO 8601 time") from None


def item_to_stix(label: Mapping[str, Any], payload: Mapping[str, Any],
                 marking: Mapping[str, Any] | None = None,
                 modified: dt.datetime | None = None) -> dict[str, Any]:
    """The STIX 2.1 SDO of one item (module table).

    Parameters:
        label: the item's label as JSON (:func:`gsomia.sharing.envelope.label_to_dict`).
        payload: the payload as the originator signed it.
        marking: the marking applied on receipt (``ReceivedItem.marking``, Art. 4(2)), or
            None (an own item; or a reader of the originator's party).
        modified: when the item's marking last changed (a new STIX version, STIX 2.1
            section 3.6), or None: ``modified`` is ``created``.

    Returns:
        A JSON-ready dict (``type``, ``spec_version`` ``"2.1"``, ``id``, ``created``,
        ``modified``, ``created_by_ref``, ``name``, ``object_marking_refs``, ``extensions``).

    Raises:
        InputError: a label that does not read (``label.<field>``).
    """
    label_from_dict(label)  # checked whole here; the server's path reads stored labels
    obj, key = _skeleton(label, payload, marking, modified)
    obj["extensions"][ITEM_EXTENSION_ID][key] = dict(payload)
    return obj


def item_to_stix_text(label: Mapping[str, Any], payload_json: str,
                      marking: Mapping[str, Any] | None = None,
                      modified: dt.datetime | None = None
                      ) -> tuple[dict[str, Any], str]:
    """:func:`item_to_stix` of a label as stored (not checked again: written by the
    node's own create or receipt path) and a payload given as its stored JSON text, which
    is spliced into the object's JSON text, not parsed (unless it has a ``"kind":`` key,
    which names the item's kind: radar plots, documents). Returns ``(object without its
    payload, object's JSON text)``; ``json.loads`` of the text equals
    :func:`item_to_stix`'s dict."""
    # the kind needs the payload's "kind" key only: parsed when the text has one
    probe: Any = ([] if not payload_json.startswith("{") else
                  json.loads(payload_json) if '"kind":' in payload_json else {})
    obj, key = _skeleton(label, probe, marking, modified)
    obj["extensions"][ITEM_EXTENSION_ID][key] = _HOLE
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return obj, text.replace(_HOLE_JSON, payload_json, 1)


def _skeleton(label: Mapping[str, Any], payload: Mapping[str, Any],
              marking: Mapping[str, Any] | None, modified: dt.datetime | None = None
              ) -> tuple[dict[str, Any], str]:
    """The SDO without its payload, and the extension key the payload goes under."""
    item_id, originator = label["item_id"], label["originator"]
    kind = item_kind(_LabelView(label.get("topic", ""),  # type: ignore[arg-type]
                                tuple(label.get("elements") or ())), payload)
    created = _created(label)
    ext: dict[str, Any] = {"extension_type": "property-extension", "item_kind": kind,
                           "label": dict(label),
                           "further_sharing": [{"sharing_scope": sorted(label.get(
                               "releasable_to") or ()), "sharing_effect": "permit"}]}
    if marking is not None:  # no property is null in STIX (STIX 2.1 section 3.1)
        ext["marking"] = dict(marking)
    refs = [marking_id(originator, label["classification"])]
    if marking is not None and marking.get("receiver") and marking.get("classification"):
        refs.append(marking_id(marking["receiver"], marking["classification"]))
    obj: dict[str, Any] = {
        "type": _TYPES[kind], "spec_version": "2.1", "id": item_stix_id(item_id, kind),
        "created": created,
        "modified": created if modified is None else max(created, stix_time(modified)),
        "created_by_ref": identity_id(originator),
        "name": f"{kind} {item_id}", "object_marking_refs": refs,
        "extensions": {ITEM_EXTENSION_ID: ext},
    }
    if obj["type"] == "report":
        obj["published"] = created
        obj["object_refs"] = [identity_id(originator)]
    return obj, "missile_warning" if kind == WARNING_KIND else "payload"


def stix_to_item(obj: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Inverse of :func:`item_to_stix`: ``(label, payload, marking)``.

    Raises:
        InputError: not an object of :func:`item_to_stix` (``stix.extensions`` without the
            item extension, ``stix.id`` that is not the item's id, a label that does not
            read).
    """
    ext = (obj.get("extensions") or {}).get(ITEM_EXTENSION_ID)
    if not isinstance(ext, Mapping):
        raise InputError("stix.extensions", sorted(obj.get("extensions") or {}),
                         f"no {ITEM_EXTENSION_ID} (not a gsomia item)")
    label = dict(ext.get("label") or {})
    kind = ext.get("item_kind")
    payload = ext.get("missile_warning" if kind == WARNING_KIND else "payload")
    if not isinstance(payload, Mapping):
        raise InputError("stix.payload", payload, "expected a JSON object")
    parsed = label_from_dict(label)
    if obj.get("id") != item_stix_id(parsed.item_id, str(kind)):
        raise InputError("stix.id", obj.get("id"), f"not the id of item {parsed.item_id}")
    marking = ext.get("marking")
    return label, dict(payload), None if marking is None else dict(marking)


def _extension_definitions(party: str) -> list[dict[str, Any]]:
    common = {"type": "extension-definition", "spec_version": "2.1",
              "created": DEFINITIONS_CREATED, "modified": DEFINITIONS_CREATED,
              "created_by_ref": identity_id(party), "version": "1.0.0",
              "extension_types": ["property-extension"]}
    return [
        {**common, "id": ITEM_EXTENSION_ID, "name": "gsomia item",
         "description": "A GSOMIA node's item whole: kind, confidentiality label (STANAG "
                        "4774 fields), payload (missile warning elements: launch point, "
                        "trajectory, impact point with covariance), marking applied on "
                        "receipt (GSOMIA Art. 4(2)), ACS 3.0 further_sharing.",
         "schema": "gsomia.node.stix (module docstring)"},
        {**common, "id": MARKING_EXTENSION_ID, "name": "gsomia classification marking",
         "description": "A party's classification marking in ISA ACS 3.0 vocabulary "
                        "(identifier, create_date_time, responsible_entity_originator, "
                        "classification U/C/S/TS, policy_reference) with the marking text.",
         "schema": "gsomia.node.stix (module docstring)"},
    ]


def definitions(catalog: Catalog, party: str) -> list[dict[str, Any]]:
    """The STIX objects an item refers to, for a node of ``party``: the two extension
    definitions, one ``identity`` per party of the catalog, and one ``marking-definition``
    per marking of every party's scheme (ids as the module docstring says)."""
    out = _extension_definitions(party)
    for code, scheme in sorted(catalog.schemes.items()):
        out.append({"type": "identity", "spec_version": "2.1", "id": identity_id(code),
                    "created": DEFINITIONS_CREATED, "modified": DEFINITIONS_CREATED,
                    "name": scheme.name_en, "identity_class": "organization",
                    "description": f"{code} ({scheme.name}): a GSOMIA party"})
        for m in scheme.markings:
            out.append({
                "type": "marking-definition", "spec_version": "2.1",
                "id": marking_id(code, m.text), "created": DEFINITIONS_CREATED,
                "created_by_ref": identity_id(code), "name": f"{scheme.name_en} {m.english}",
                "extensions": {MARKING_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "identifier": "isa:guide.19001.ACS-3.0",
                    "create_date_time": DEFINITIONS_CREATED,
                    "responsible_entity_originator": code,
                    "classification": ACS_CLASSIFICATION.get(m.level, "U"),
                    "policy_reference": scheme.source or f"markings/{code}",
                    "marking_text": m.text, "marking_text_en": m.english,
                    "level": m.level}}})
    return out
