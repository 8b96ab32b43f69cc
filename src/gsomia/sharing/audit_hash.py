"""The hash chain of the audit log: each record's SHA-256, chained to the one before.

::

    hash_n = SHA-256( "gsomia-audit-v1" ‖ 0x00 ‖ hash_{n-1} ‖ canonical JSON of
             {"seq": n, "at": at, "kind": kind, "body": body} )

with ``hash_0`` = :data:`GENESIS` (64 hex zeros). Canonical JSON: sorted keys, no spaces,
UTF-8 (not ASCII-escaped). Hashes are lowercase hex. Used by
:mod:`gsomia.sharing.audit`; a record's hash is also its Merkle leaf data
(:mod:`gsomia.sharing.audit_tree`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

__all__ = ["GENESIS", "canonical_json", "hash_canonical", "record_hash", "str_keys"]

#: The link before the first record.
GENESIS = "0" * 64
_DOMAIN = b"gsomia-audit-v1\x00"


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text (not ASCII-escaped).

    Raises:
        TypeError, ValueError: ``obj`` is not JSON-serialisable.
    """
    return _ENCODER.encode(obj)


#: The encoder ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
#: ensure_ascii=False)`` makes anew at each call, made once (it keeps no state between
#: calls): the same text.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, seq: int, at: str, kind: str, body: str) -> str:
    """The hex SHA-256 of one record chained to ``prev_hash`` (formula in module docstring).

    ``body`` is the stored JSON text; it is parsed and canonicalised again, so the hash is
    that of the content whatever the text's spacing.

    Raises:
        ValueError: ``body`` is not JSON.
    """
    return hash_canonical(prev_hash, seq, at, kind, canonical_json(json.loads(body)))


@functools.lru_cache(maxsize=256)
def _json_kind(kind: str) -> str:
    return canonical_json(kind)


def _json_str(text: str) -> str:
    """``canonical_json(text)`` of a string: the ISO times as they are (plain ASCII,
    nothing to escape), record kinds (few, repeated) cached."""
    if _PLAIN.fullmatch(text):
        return f'"{text}"'
    return _json_kind(text) if len(text) <= 64 else canonical_json(text)


#: Strings JSON writes as they are between quotes (no escapes): ISO times, record kinds.
_PLAIN = re.compile(r"[0-9A-Za-z:+.\-_]*")


def str_keys(obj: Any) -> bool:
    """True when every object key in ``obj`` (nested) is a string. Then the canonical
    JSON of ``obj`` is a fixed point (parsing and re-encoding it gives the same text);
    other keys (``{10: …, 9: …}``) are sorted as numbers before they become strings."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    return False
                if isinstance(v, dict | list | tuple):
                    stack.append(v)
        elif isinstance(item, list | tuple):
            stack.extend(v for v in item if isinstance(v, dict | list | tuple))
    return True


def hash_canonical(prev_hash: str, seq: int, at: str, kind: str, body_text: str) -> str:
    """:func:`record_hash` of a body whose text is a canonical fixed point (``body_text``
    = ``canonical_json(json.loads(body_text))``; see :func:`str_keys`).

    The canonical JSON of ``{"seq", "at", "kind", "body"}`` is written out by hand: with
    sorted keys it is ``{"at":…,"body":<body_text>,"kind":…,"seq":n}``, and a canonical
    object nested in a canonical object is its canonical text, so this equals
    :func:`record_hash` (checked by the tests) without parsing and re-encoding the body.
    """
    payload = (f'{{"at":{_json_str(at)},"body":{body_text},"kind":{_json_str(kind)},'
               f'"seq":{int(seq)}}}')
    return hashlib.sha256(_DOMAIN + prev_hash.encode() + payload.encode()).hexdigest()
