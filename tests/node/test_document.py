"""The document payload (kind ``document``): every check names its field, and the size and
SHA-256 of each attachment must match its data (schemas.document, node.document)."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.node import Attachment, Document
from gsomia.node.document import is_document_payload
from gsomia.schemas import json_schema
from gsomia.schemas.document import (
    MAX_ATTACHMENT_BYTES,
    MAX_DOCUMENT_BYTES,
    MAX_ENVELOPE_BYTES,
    MAX_ITEM_REQUEST_BYTES,
    MAX_NAME_BYTES,
    check_file_name,
    wire_bytes,
)

PLAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"


def payload(**attachment) -> dict:
    """A valid document payload of one attachment, with ``attachment``'s keys replaced."""
    a = Attachment("PLAN.pdf", "application/pdf", PLAN).to_dict() | attachment
    return {"kind": "document", "title": "OPLAN 5015 annex", "topic": "operation-plan",
            "body": None, "attachments": [a]}


def error_of(data) -> InputError:
    with pytest.raises(InputError) as info:
        Document.from_dict(data)
    return info.value


def test_a_document_reads_back_with_its_bytes():
    doc = Document.from_dict(payload())
    assert doc.attachments[0].data == PLAN and doc.topic == "operation-plan"
    assert doc.attachments[0].sha256 == hashlib.sha256(PLAN).hexdigest()
    assert is_document_payload(doc.to_dict()) and not is_document_payload({"kind": "x"})


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"sha256": "0" * 64}, "document.attachments[0].sha256", "does not match the data"),
    ({"sha256": "ABC"}, "document.attachments[0].sha256", "64 lower-case hex digits"),
    ({"size": len(PLAN) + 1}, "document.attachments[0].size", "does not match the data"),
    ({"size": -1}, "document.attachments[0].size", "between 0 and"),
    ({"size": MAX_ATTACHMENT_BYTES + 1}, "document.attachments[0].size", "between 0 and"),
    ({"name": "../../etc/passwd"}, "document.attachments[0].name", "not a path"),
    ({"name": "a\\b.pdf"}, "document.attachments[0].name", "not a path"),
    ({"name": ".."}, "document.attachments[0].name", "not a file name"),
    ({"name": "plan\x00.pdf"}, "document.attachments[0].name", "control"),
    ({"name": "plan\u202egpj.exe"}, "document.attachments[0].name", "control or format"),
    ({"name": ""}, "document.attachments[0].name", "non-empty"),
    ({"name": "x" * 256}, "document.attachments[0].name", "at most 255"),
    ({"media_type": "pdf"}, "document.attachments[0].media_type", "type/subtype"),
    ({"data": "not base64!"}, "document.attachments[0].data", "not base64"),
    ({"data": 12}, "document.attachments[0].data", "base64 text"),
    ({"extra": 1}, "document.attachments[0].extra", "unknown key"),
], ids=["sha256", "sha256-form", "size", "size-negative", "size-limit", "path", "backslash",
        "dotdot", "nul", "bidi", "empty-name", "long-name", "media-type", "base64",
        "data-type", "unknown-key"])
def test_a_bad_attachment_is_refused_naming_the_field(change, field, words):
    err = error_of(payload(**change))
    assert err.field == field and words in err.reason


def test_a_bad_document_field_is_refused_naming_it():
    assert error_of(payload() | {"topic": "Operation Plan"}).field == "document.topic"
    assert error_of(payload() | {"title": ""}).field == "document.title"
    assert error_of(payload() | {"kind": "radar_plots"}).field == "document.kind"
    same = payload()
    same["attachments"].append(dict(same["attachments"][0], name="plan.PDF"))
    err = error_of(same)
    assert err.field == "document.attachments[1].name" and "same name" in err.reason


def test_an_attachment_over_the_limit_is_refused_before_decoding():
    big = base64.b64encode(b"\0" * (MAX_ATTACHMENT_BYTES + 3)).decode()
    err = error_of(payload(data=big, size=MAX_ATTACHMENT_BYTES))
    assert err.field == "document.attachments[0].data" and "limit" in err.reason


def test_a_document_over_sixteen_mib_is_refused_naming_the_attachments():
    part = Attachment("a.bin", "application/octet-stream", b"\0" * (6 * 1024 * 1024))
    doc = Document("big", "operation-plan", None, (
        part, Attachment("b.bin", part.media_type, part.data),
        Attachment("c.bin", part.media_type, part.data)))
    with pytest.raises(InputError) as info:
        doc.validate()
    assert info.value.field == "document.attachments" and str(MAX_DOCUMENT_BYTES) in str(
        info.value)


def test_files_are_read_with_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no such file") as info:
        Document.from_files([tmp_path / "missing.pdf"], topic="operation-plan")
    assert info.value.field == "--file"
    with pytest.raises(InputError, match="not a regular file"):
        Attachment.from_file(tmp_path)
    big = tmp_path / "big.bin"
    with big.open("wb") as f:  # sparse: no 8 MiB written
        f.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(InputError, match="over 8388608 bytes"):
        Attachment.from_file(big)
    (tmp_path / "PLAN.pdf").write_bytes(PLAN)
    doc = Document.from_files([tmp_path / "PLAN.pdf"], topic="operation-plan")
    assert doc.title == "PLAN.pdf" and doc.attachments[0].media_type == "application/pdf"


def test_save_never_overwrites(tmp_path):
    doc = Document.from_dict(payload())
    [written] = doc.save(tmp_path / "out")
    assert written.read_bytes() == PLAN
    with pytest.raises(InputError, match="never overwritten"):
        doc.save(tmp_path / "out")


def test_check_file_name_keeps_ordinary_names():
    assert check_file_name("작전계획 5015.pdf") == "작전계획 5015.pdf"
    assert check_file_name("re\u0301sume\u0301.txt") == "r\u00e9sum\u00e9.txt"  # NFC
    assert check_file_name("evacuation-plan.v2.md") == "evacuation-plan.v2.md"


def test_limits_fit_together():
    # a full 16 MiB document in base64 fits a POST /v1/items body; that body sealed (three
    # base64 layers, RFC 7515/7516) fits the inbox limit
    assert 4 * -(-MAX_DOCUMENT_BYTES // 3) < MAX_ITEM_REQUEST_BYTES
    assert wire_bytes(MAX_ITEM_REQUEST_BYTES) < MAX_ENVELOPE_BYTES
    schema = json_schema("document")
    assert schema["$defs"]["AttachmentDoc"]["properties"]["size"]["maximum"] == \
        MAX_ATTACHMENT_BYTES


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=4096), name=st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"),
                  blacklist_characters="/\\"), min_size=1, max_size=40).filter(
    lambda n: n.strip() == n and n not in (".", "..")))
def test_any_bytes_round_trip(data, name):
    doc = Document("t", "evacuation-coordination", "text",
                   (Attachment(name, "application/octet-stream", data),))
    back = Document.from_dict(doc.validate().to_dict())
    assert back.attachments[0].data == data and back == Document.from_dict(back.to_dict())


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=1, max_size=4096), where=st.integers(min_value=0),
       xor=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_fails_the_sha256(data, where, xor):
    good = payload(**Attachment("a.bin", "application/octet-stream", data).to_dict())
    changed = bytearray(data)
    changed[where % len(data)] ^= xor
    bad = payload(**good["attachments"][0] | {
        "data": base64.b64encode(bytes(changed)).decode()})
    err = error_of(bad)
    assert err.field == "document.attachments[0].sha256"
    assert hashlib.sha256(bytes(changed)).hexdigest() in err.reason
    assert Document.from_dict(good).attachments[0].data == data


def test_random_bytes_keep_their_digest():
    data = os.urandom(100_000)
    assert Document.from_dict(payload(**Attachment("r.bin", "application/octet-stream",
                                                   data).to_dict())).attachments[0].data == data


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=60))
def test_an_accepted_name_never_leaves_the_folder(tmp_path_factory, name):
    root = tmp_path_factory.getbasetemp().resolve()
    try:
        safe = check_file_name(name)
    except ValueError:
        return
    target = (root / safe).resolve()
    assert target.parent == root and target.name == safe


def test_any_os_error_reading_a_file_is_an_input_error_naming_it(tmp_path):
    """A path the file system refuses (a component over its 255-byte name limit) is a
    clean ``--file`` error with the system's reason, not an OSError."""
    folder = "가" * 90  # 270 UTF-8 bytes: ENAMETOOLONG on ext4, xfs, tmpfs, btrfs
    path = tmp_path / folder / "PLAN.md"
    with pytest.raises(InputError, match="File name too long") as info:
        Attachment.from_file(path)
    assert info.value.field == "--file" and info.value.value == str(path)
    with pytest.raises(InputError) as info:
        Document.from_files([tmp_path / ("가" * 85 + ".md")], topic="operation-plan")
    assert info.value.field == "--file"


def test_a_name_is_limited_to_255_utf8_bytes_not_characters(tmp_path):
    """A name must fit the file systems' 255-byte limit (NAME_MAX of ext4, XFS, tmpfs):
    85 Hangul syllables (255 bytes) pass and save; 100 (300 bytes) are refused."""
    ok = "가" * 85
    assert check_file_name(ok) == ok and MAX_NAME_BYTES == 255
    with pytest.raises(ValueError, match="300 bytes in UTF-8: at most 255 bytes"):
        check_file_name("가" * 100)
    err = error_of(payload(name="가" * 100))
    assert err.field == "document.attachments[0].name" and "at most 255 bytes" in err.reason
    [written] = Document.from_dict(payload(name=ok)).save(tmp_path / "ok")
    assert written.name == ok and written.read_bytes() == PLAN


def test_save_refuses_a_long_name_cleanly_and_writes_nothing(tmp_path):
    """An attachment made without :meth:`Document.from_dict` (or an older sender's) with a
    300-byte name is refused before anything is written, naming the field."""
    doc = Document("t", "operation-plan", None, (
        Attachment("a.pdf", "application/pdf", PLAN),
        Attachment("가" * 100, "application/pdf", PLAN)))
    with pytest.raises(InputError, match="at most 255 bytes") as info:
        doc.save(tmp_path / "out")
    assert info.value.field == "document.attachments[1].name"
    assert not (tmp_path / "out").exists()


def test_any_os_error_while_saving_is_an_input_error(tmp_path):
    (tmp_path / "plain").write_text("a file, not a folder", encoding="utf-8")
    doc = Document.from_dict(payload())
    with pytest.raises(InputError, match="cannot write: Not a directory") as info:
        doc.save(tmp_path / "plain" / "out")
    assert info.value.field == "--save-attachments"


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=200))
def test_an_accepted_name_is_at_most_255_utf8_bytes(name):
    try:
        safe = check_file_name(name)
    except ValueError:
        return
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES


@pytest.mark.parametrize(("doc", "field", "reason"), [
    (Document("t" * 513, "operation-plan"), "document.title",
     "513 characters: at most 512 characters (limit)"),
    (Document("t", "o" * 65), "document.topic", "65 characters: at most 64 characters (limit)"),
    (Document("t", "operation-plan", None, tuple(
        Attachment(f"a{i}.txt", "text/plain", b"x" * 150) for i in range(33))),
     "document.attachments", "33 attachments; at most 32 (limit)"),
], ids=["title", "topic", "attachments"])
def test_limit_messages_say_the_unit_and_echo_no_data(doc, field, reason):
    with pytest.raises(InputError) as info:
        doc.validate()
    assert info.value.field == field and info.value.reason == reason
    assert "items" not in str(info.value) and "eHh4" not in str(info.value)  # no base64
    assert len(str(info.value)) < 300
