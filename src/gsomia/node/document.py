"""A classified document as a shared payload: any item that is not a warning or plots
(operation plans, evacuation (NEO) coordination, …), with attached files.

The payload, its checks and its limits are those of :class:`gsomia.schemas.DocumentDoc`
(:mod:`gsomia.schemas.document`: per attachment ``name``, ``media_type``, ``size``,
``sha256``, base64 ``data``; 8 MiB an attachment, 16 MiB a document). A document goes
through the same path as every item (:meth:`gsomia.node.Node.create_item`, then
:meth:`~gsomia.node.Node.release` or :meth:`~gsomia.node.Node.publish`: decide → sign →
seal → send): its label's topic is the document's, and it names no element, so every
arrangement's scope judges it by its topic. The TISA carries only North Korea's nuclear
and missile threats (TISA para 1; agreements.md §3): an operation plan released through
the TISA hub is denied (rule ``scope:tisa``), and on the 2023 automated route also for
carrying none of the three warning elements (agreements.md §4). The Japan–Korea GSOMIA has no
topic scope: it covers any defence-related classified military information, in any form,
documentary included (Art. 2, agreements.md §1).

Receivers check it again (:meth:`Document.from_dict`): a changed byte of an attachment
fails its SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from gsomia.errors import InputError
from gsomia.schemas import DocumentDoc, parse
from gsomia.schemas.document import (
    DOCUMENT_KIND,
    MAX_ATTACHMENT_BYTES,
    MAX_DOCUMENT_BYTES,
    check_file_name,
)

__all__ = ["DOCUMENT_KIND", "Attachment", "Document", "is_document_payload"]


def is_document_payload(payload: Any) -> bool:
    """True when ``payload`` says it is a document (its ``kind``; not checked further)."""
    return isinstance(payload, Mapping) and payload.get("kind") == DOCUMENT_KIND


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attached file.

    Attributes:
        name: a safe file name (:func:`gsomia.schemas.document.check_file_name`).
        media_type: ``type/subtype`` (RFC 6838).
        data: the bytes.
    """

    name: str
    media_type: str
    data: bytes

    @property
    def size(self) -> int:
        """Length of :attr:`data` [bytes]."""
        return len(self.data)

    @property
    def sha256(self) -> str:
        """SHA-256 of :attr:`data` (FIPS 180-4), lower-case hex."""
        return hashlib.sha256(self.data).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The attachment's JSON (base64 data, size and SHA-256 computed from it)."""
        return {"name": self.name, "media_type": self.media_type, "size": self.size,
                "sha256": self.sha256, "data": base64.b64encode(self.data).decode("ascii")}

    @classmethod
    def from_file(cls, path: str | Path, *, field: str = "--file",
                  media_type: str | None = None) -> Attachment:
        """Read an attachment from a file: its name (the file's), its media type (given,
        or guessed from the name's extension, else ``application/octet-stream``).

        Raises:
            InputError: ``field``: no such file, not a regular file, over
                :data:`~gsomia.schemas.document.MAX_ATTACHMENT_BYTES`, an unsafe name, or
                any :class:`OSError` reading it (e.g. a name too long for the file
                system: ``cannot read: File name too long``).
        """
        p = Path(path)
        try:
            name = check_file_name(p.name)
        except ValueError as exc:
            raise InputError(field, str(p), f"unsafe file name: {exc}") from None
        try:
            if not p.exists():
                raise InputError(field, str(p), "no such file")
            if not p.is_file():
                raise InputError(field, str(p), "not a regular file")
            size = p.stat().st_size
            if size > MAX_ATTACHMENT_BYTES:
                raise InputError(field, str(p), f"{size} bytes: over "
                                                f"{MAX_ATTACHMENT_BYTES} bytes an "
                                                "attachment (limit)")
            data = p.read_bytes()
        except OSError as exc:  # e.g. ENAMETOOLONG, EACCES, EIO: any failure to read
            raise InputError(field, str(p), f"cannot read: "
                                            f"{exc.strerror or exc}") from None
        guessed = mimetypes.guess_type(name, strict=False)[0]
        return cls(name, media_type or guessed or "application/octet-stream", data)


@dataclass(frozen=True, slots=True)
class Document:
    """A classified document (module notes).

    Attributes:
        title: its title; topic: the label's topic (e.g. ``operation-plan``).
        body: its text, or None; attachments: the attached files, in order.
    """

    title: str
    topic: str
    body: str | None = None
    attachments: tuple[Attachment, ...] = ()

    #: The label names no element: arrangements judge a document by its topic.
    elements: ClassVar[tuple[str, ...]] = ()

    @property
    def stream(self) -> str:
        """Its envelopes' ordered stream per partner (``documents``)."""
        return "documents"

    @property
    def size(self) -> int:
        """Attachments and body text (UTF-8) together [bytes] (limit
        :data:`~gsomia.schemas.document.MAX_DOCUMENT_BYTES`)."""
        return sum(a.size for a in self.attachments) + len((self.body or "").encode())

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload the originator signs (:mod:`gsomia.schemas.document`)."""
        return {"kind": DOCUMENT_KIND, "title": self.title, "topic": self.topic,
                "body": self.body, "attachments": [a.to_dict() for a in self.attachments]}

    def validate(self) -> Document:
        """Check every field (:class:`~gsomia.schemas.DocumentDoc`); return self.

        Raises:
            InputError: names the field, e.g. ``document.attachments[0].name``, or
                ``document.attachments`` when the whole is over
                :data:`~gsomia.schemas.document.MAX_DOCUMENT_BYTES`.
        """
        if self.size > MAX_DOCUMENT_BYTES:  # before any base64 is made
            raise InputError("document.attachments", f"<{len(self.attachments)} files>",
                             f"{self.size} bytes: over {MAX_DOCUMENT_BYTES} bytes (limit)")
        parse(DocumentDoc, self.to_dict(), prefix="document")
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        """Read the JSON payload and check it (sizes and SHA-256 against the data).

        Raises:
            InputError: a field is missing or malformed (names ``document.<field>``).
        """
        doc = parse(DocumentDoc, data, prefix="document")
        return cls(doc.title, doc.topic, doc.body, tuple(
            Attachment(a.name, a.media_type, base64.b64decode(a.data))
            for a in doc.attachments))

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], *, title: str | None = None,
                   topic: str, body: str | None = None) -> Document:
        """A document of the files at ``paths`` (title default: the first file's name).

        Raises:
            InputError: a file cannot be read or is too big (``--file``), the whole is
                too big, or a field is malformed.
        """
        attachments = tuple(Attachment.from_file(p) for p in paths)
        if title is None:
            if not attachments:
                raise InputError("--title", None, "required when no file is attached")
            title = attachments[0].name
        return cls(title, topic, body, attachments).validate()

    def save(self, folder: str | Path) -> list[Path]:
        """Write each attachment into ``folder`` (created if missing) under its name;
        refuse to overwrite an existing file. Returns the paths written.

        Every name is checked again here (:func:`~gsomia.schemas.document.check_file_name`,
        at most :data:`~gsomia.schemas.document.MAX_NAME_BYTES` UTF-8 bytes), since an
        attachment may not have come through :meth:`from_dict`.

        Raises:
            InputError: ``--save-attachments``: not a folder, a file already there, or
                the file system refused a write (any :class:`OSError`, its reason named);
                ``document.attachments[i].name``: not a safe file name. Nothing is left
                written then (the files written before the failure are removed).
        """
        for i, a in enumerate(self.attachments):
            try:
                check_file_name(a.name)
            except ValueError as exc:
                raise InputError(f"document.attachments[{i}].name", a.name,
                                 f"unsafe file name: {exc}") from None
        root = Path(folder)
        written: list[Path] = []
        try:
            if root.exists() and not root.is_dir():
                raise InputError("--save-attachments", str(root), "not a folder")
            targets = [root / a.name for a in self.attachments]
            taken = [str(t) for t in targets if t.exists()]
            if taken:
                raise InputError("--save-attachments", taken[0], "a file is already there "
                                                                 "(never overwritten)")
            root.mkdir(parents=True, exist_ok=True)
            for target, a in zip(targets, self.attachments, strict=True):
                with target.open("xb") as f:
                    written.append(target)
                    f.write(a.data)
        except OSError as exc:
            for p in written:
                p.unlink(missing_ok=True)
            where = exc.filename if exc.filename is not None else root
            raise InputError("--save-attachments", str(where),
                             f"cannot write: {exc.strerror or exc}") from None
        return targets
