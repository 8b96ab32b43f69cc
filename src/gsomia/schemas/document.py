"""A classified document as a shared payload (kind ``document``), the operator's request to
create and release one over HTTP, and the size limits of documents on the wire.

Payload (JSON; the originator signs it with its label, :mod:`gsomia.sharing.envelope`)::

    {"kind": "document", "title": str, "topic": str, "body": str | null,
     "attachments": [{"name": str, "media_type": str, "size": int, "sha256": str,
                      "data": str}, ...]}

- ``title``: 1 to :data:`MAX_TITLE_CHARS` characters; ``topic``: the label's topic
  (e.g. ``operation-plan``, ``evacuation-coordination``), 1 to :data:`MAX_TOPIC_CHARS`
  characters of ``a-z 0-9 -`` (topics are compared as they are with each arrangement's
  scope, TISA para 1); ``body``: optional text.
- each attachment: ``name`` a file name, not a path (1 to :data:`MAX_NAME_BYTES`
  bytes in UTF-8, after Unicode NFC: the longest name ext4, XFS, Btrfs, tmpfs and APFS
  take, so a receiving node can always save it; 85 Hangul syllables of 3 bytes each
  already fill it; no ``/`` or ``\\``, no control character, not ``.`` nor ``..``; names unique
  in the document, ignoring case, so that saving them never overwrites one with another);
  ``media_type`` ``type/subtype`` (RFC 6838 section 4.2 restricted names, no parameters);
  ``data`` the bytes in base64 (RFC 4648 section 4, with padding, no line breaks);
  ``size`` their length in bytes and ``sha256`` their SHA-256 (FIPS 180-4) in lower-case
  hex: both must match ``data``.

Limits (documented, enforced here and by the HTTP API before a body is read whole):

- :data:`MAX_ATTACHMENT_BYTES` (8 MiB) per attachment, :data:`MAX_ATTACHMENTS` (32)
  attachments, :data:`MAX_DOCUMENT_BYTES` (16 MiB) for the attachments and the body
  text (UTF-8) together;
- :data:`MAX_ITEM_REQUEST_BYTES` (24 MiB): a ``POST /v1/items`` body (a document of 16 MiB
  is 21.4 MiB in base64, the rest is room for its JSON);
- :data:`MAX_ENVELOPE_BYTES` (64 MiB): a sealed envelope at a partner's ``POST
  /v1/inbox``. The item travels base64-encoded three more times (the originator's JWS,
  RFC 7515; the hop JWS; the JWE, RFC 7516), each 4/3 of its input, so a document of
  ``n`` bytes needs about ``n * (4/3)**4``: 16 MiB of attachments ≈ 50.6 MiB on the wire
  (:func:`wire_bytes`).

Everything else a node takes stays at 1 MiB (:data:`gsomia.web.app.MAX_BODY_BYTES`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from typing import Annotated, Any, Literal

import annotated_types as at
from pydantic import Field, field_validator, model_validator

from gsomia.schemas.base import Closed, PartyCode, RouteText, Text, fail, integer

__all__ = [
    "DOCUMENT_KIND",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_DOCUMENT_BYTES",
    "MAX_ENVELOPE_BYTES",
    "MAX_ITEM_REQUEST_BYTES",
    "MAX_NAME_BYTES",
    "MAX_NAME_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_TOPIC_CHARS",
    "AttachmentDoc",
    "DocumentDoc",
    "ItemCreateRequest",
    "ItemReleaseRequest",
    "ReleaseTarget",
    "check_file_name",
    "wire_bytes",
]

MiB = 1024 * 1024
#: The payload's ``kind``.
DOCUMENT_KIND = "document"
#: Largest attachment [bytes].
MAX_ATTACHMENT_BYTES = 8 * MiB
#: Most attachments in one document.
MAX_ATTACHMENTS = 32
#: Largest document: its attachments and its body text (UTF-8) together [bytes].
MAX_DOCUMENT_BYTES = 16 * MiB
#: Largest ``POST /v1/items`` request body [bytes] (base64 of :data:`MAX_DOCUMENT_BYTES`
#: is 21.4 MiB; the rest is room for the JSON around it).
MAX_ITEM_REQUEST_BYTES = 24 * MiB
#: Largest sealed envelope a node's inbox reads [bytes] (:func:`wire_bytes` of the largest
#: document request, with room for the label and the headers).
MAX_ENVELOPE_BYTES = 64 * MiB
#: Longest attachment name [bytes, UTF-8 after NFC]: NAME_MAX of common file systems
#: (ext4, XFS, Btrfs, tmpfs: 255 bytes), so every accepted name can be saved.
MAX_NAME_BYTES = 255
#: Longest attachment name [characters] (one byte each at most :data:`MAX_NAME_BYTES`:
#: the byte limit is the one that binds for non-ASCII names), title and topic.
MAX_NAME_CHARS = 255
MAX_TITLE_CHARS = 512
MAX_TOPIC_CHARS = 64

_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
                         r"/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")
_TOPIC = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def wire_bytes(json_bytes: int) -> int:
    """Upper estimate of a sealed envelope's size [bytes] for an item whose signed JSON
    (label and payload) is ``json_bytes`` long: three base64 layers of 4/3 each (inner
    JWS, hop JWS, JWE; RFC 4648 section 4 rounds each up to 4 characters) plus 4 KiB of
    headers, signatures and the wire object."""
    n = json_bytes
    for _ in range(3):
        n = 4 * ((n + 1024 + 2) // 3)
    return n + 4096


def check_file_name(name: Any) -> str:
    """``name`` if it is a safe file name (module notes), in Unicode NFC.

    Raises:
        ValueError: why it is not (the message names the rule broken).
    """
    if not isinstance(name, str) or not name:
        raise ValueError("expected a non-empty string")
    name = unicodedata.normalize("NFC", name)
    size = len(name.encode("utf-8", "surrogatepass"))  # lone surrogates: refused below
    if size > MAX_NAME_BYTES:
        raise ValueError(f"{size} bytes in UTF-8: at most {MAX_NAME_BYTES} bytes (the "
                         "file systems' name limit)")
    if name in (".", ".."):
        raise ValueError("not a file name")
    if "/" in name or "\\" in name:
        raise ValueError("a file name, not a path (no / or \\)")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in name):
        raise ValueError("no control or format characters (nor lone surrogates)")
    if name != name.strip():
        raise ValueError("no leading or trailing blanks")
    return name


def _name(value: Any) -> str:
    try:
        return check_file_name(value)
    except ValueError as exc:
        raise fail(f"unsafe file name: {exc}") from None


class AttachmentDoc(Closed):
    """One attached file: its bytes in base64 with their size and SHA-256, which must
    match."""

    name: str = Field(description="a file name, not a path (no / or \\, no control "
                                  "characters, not . or ..; at most 255 UTF-8 bytes)")
    media_type: str = Field(description="type/subtype (RFC 6838 section 4.2), e.g. "
                                        "application/pdf", max_length=255)
    size: integer(0, MAX_ATTACHMENT_BYTES) = Field(  # type: ignore[valid-type]
        description="length of the decoded data [bytes]")
    sha256: str = Field(description="SHA-256 of the decoded data, 64 lower-case hex digits",
                        min_length=64, max_length=64)
    data: str = Field(description="the bytes, base64 (RFC 4648 section 4, padded)")

    @field_validator("name", mode="before")
    @classmethod
    def _safe_name(cls, value: Any) -> str:
        return _name(value)

    @field_validator("media_type", mode="before")
    @classmethod
    def _media_type(cls, value: Any) -> str:
        if not isinstance(value, str) or not _MEDIA_TYPE.fullmatch(value):
            raise fail("expected a media type type/subtype such as application/pdf "
                       "(RFC 6838, no parameters)")
        return value.lower()

    @field_validator("sha256", mode="before")
    @classmethod
    def _hex(cls, value: Any) -> str:
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            raise fail("expected 64 lower-case hex digits (SHA-256)")
        return value

    @field_validator("data", mode="before")
    @classmethod
    def _base64(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise fail("expected base64 text (RFC 4648 section 4)")
        if len(value) > 4 * ((MAX_ATTACHMENT_BYTES + 2) // 3):
            raise fail(f"over {MAX_ATTACHMENT_BYTES} bytes once decoded (limit)",
                       value=f"<{len(value)} base64 characters>", has_value=True)
        return value

    @model_validator(mode="after")
    def _matches(self) -> AttachmentDoc:
        try:
            raw = base64.b64decode(self.data, validate=True)
        except (binascii.Error, ValueError):
            raise fail("not base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, padded with =)",
                       at=("data",), value=f"<{len(self.data)} characters>",
                       has_value=True) from None
        if len(raw) != self.size:
            raise fail(f"does not match the data ({len(raw)} bytes decoded)", at=("size",),
                       value=self.size, has_value=True)
        digest = hashlib.sha256(raw).hexdigest()
        if digest != self.sha256:
            raise fail(f"does not match the data (its SHA-256 is {digest})", at=("sha256",),
                       value=self.sha256, has_value=True)
        return self


class DocumentDoc(Closed):
    """A classified document: title, topic, optional body text and attached files
    (operation plans, evacuation coordination, …). Limits: 8 MiB an attachment, 32
    attachments, 16 MiB for the attachments and the body together; on the wire a
    ``POST /v1/items`` body of 24 MiB and a sealed envelope of 64 MiB."""

    kind: Literal["document"] = DOCUMENT_KIND
    title: Annotated[Text, at.MaxLen(MAX_TITLE_CHARS)]
    topic: Annotated[str, at.MaxLen(MAX_TOPIC_CHARS)] = Field(
        description="the label's topic, lower-case words joined by '-' "
                    "(e.g. operation-plan, evacuation-coordination)")
    body: str | None = Field(None, description="text of the document (UTF-8)")
    attachments: Annotated[list[AttachmentDoc], at.MaxLen(MAX_ATTACHMENTS)] = []

    @field_validator("title", mode="before")
    @classmethod
    def _title_length(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_TITLE_CHARS:
            raise fail(f"{len(value)} characters: at most {MAX_TITLE_CHARS} characters "
                       "(limit)")
        return value

    @field_validator("attachments", mode="before")
    @classmethod
    def _how_many(cls, value: Any) -> Any:
        # before any attachment is decoded; the value is summarised, never echoed
        if isinstance(value, list | tuple) and len(value) > MAX_ATTACHMENTS:
            raise fail(f"{len(value)} attachments; at most {MAX_ATTACHMENTS} (limit)",
                       value=f"<{len(value)} attachments>", has_value=True)
        return value

    @field_validator("topic", mode="before")
    @classmethod
    def _topic(cls, value: Any) -> str:
        if isinstance(value, str) and len(value) > MAX_TOPIC_CHARS:
            raise fail(f"{len(value)} characters: at most {MAX_TOPIC_CHARS} characters "
                       "(limit)")
        if not isinstance(value, str) or not _TOPIC.fullmatch(value):
            raise fail("expected lower-case words of a-z 0-9 joined by '-', "
                       "e.g. operation-plan")
        return value

    @model_validator(mode="after")
    def _whole(self) -> DocumentDoc:
        seen: dict[str, int] = {}
        for i, a in enumerate(self.attachments):
            key = a.name.casefold()
            if key in seen:
                raise fail(f"same name as attachments[{seen[key]}] (names are unique, "
                           "ignoring case)", at=("attachments", i, "name"), value=a.name,
                           has_value=True)
            seen[key] = i
        total = sum(a.size for a in self.attachments) + len((self.body or "").encode())
        if total > MAX_DOCUMENT_BYTES:
            raise fail(f"the attachments and body are {total} bytes: over "
                       f"{MAX_DOCUMENT_BYTES} bytes (limit)", at=("attachments",),
                       value=f"<{len(self.attachments)} attachments>", has_value=True)
        return self


class ReleaseTarget(Closed):
    """A release asked for: the final recipient and the route."""

    to: PartyCode
    route: RouteText = Field("direct", description="direct, tisa_hub (tisa) or auto_hub "
                                                   "(auto-hub); gsomia.sharing.Route")


class ItemCreateRequest(Closed):
    """``POST /v1/items``: create an item of this party (the originator) holding a
    document, and optionally release it at once."""

    classification: Text = Field(description="one of this party's markings")
    releasable_to: list[PartyCode] = Field(description="REL TO: the parties it may go to "
                                                       "(and the hubs of hub routes)")
    document: DocumentDoc
    purpose: Text | None = None
    release: list[ReleaseTarget] = Field([], description="releases to make at once")


class ItemReleaseRequest(Closed):
    """``POST /v1/items/{item_id}/release``: release an item this node holds."""

    to: PartyCode
    route: RouteText = Field("direct", description="direct, tisa_hub (tisa) or auto_hub "
                                                   "(auto-hub); gsomia.sharing.Route")
