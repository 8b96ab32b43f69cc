"""Documents through the node's one path (decide → sign → seal → send), in one process on a
SimClock: a bilateral GSOMIA carries an operation plan; the TISA hub and the 2023 automated
hub refuse it by their scope (TISA para 1; agreements.md §4), with the reason audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

import pytest
from node_support import DELAY_S

from gsomia.errors import ReleaseDenied
from gsomia.node import DOCUMENT_KIND, WARNING_TOPIC, Attachment, Directory, Document
from gsomia.schemas.document import wire_bytes
from gsomia.sharing.envelope import Header, open_envelope, seal, sign
from gsomia.sharing.label import Label

CLASS_II = "군사II급비밀"  # KOR, SECRET level (Art. 4(1))


def plan(topic: str = "operation-plan", size: int = 2048) -> Document:
    return Document("OPLAN annex C", topic, "coordination text", (
        Attachment("PLAN.pdf", "application/pdf", os.urandom(size)),)).validate()


def create(kor, doc: Document, releasable_to=("JPN", "USA")):
    return kor.create_item(doc.to_dict(), classification=CLASS_II,
                           releasable_to=releasable_to, topic=doc.topic)


def test_an_operation_plan_reaches_japan_direct_with_its_bytes(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    doc = plan()
    label = create(kor, doc)
    rel = kor.release(label.item_id, "JPN", "direct")
    assert rel.status == "queued" and rel.decision.agreements == ("jpn-kor-gsomia",)
    net.clock.advance_to(DELAY_S)
    [item] = [i for i in jpn.items() if i.item_id == label.item_id]
    assert item.kind == DOCUMENT_KIND and item.label.topic == "operation-plan"
    got = Document.from_dict(item.payload)
    assert got == doc
    assert got.attachments[0].sha256 == hashlib.sha256(doc.attachments[0].data).hexdigest()
    assert item.marking["text"] == "大韓民国 極秘"


def test_tisa_refuses_an_operation_plan_by_its_scope_even_with_approval(net):
    kor = net.nodes["KOR"]
    label = create(kor, plan())
    kor.approve(label.item_id, "JPN")  # the originator's approval is not the issue
    with pytest.raises(ReleaseDenied) as info:
        kor.release(label.item_id, "JPN", "tisa")
    assert info.value.rules == ("scope:tisa",)
    [reason] = info.value.release.decision.failed
    assert reason.source.startswith("TISA para 1")
    assert "'operation-plan'" in reason.detail and "dprk-missile-threat" in reason.detail
    denied = [r.body for r in kor.audit.records() if r.kind == "release.denied"]
    assert denied[-1]["denied_by"] == ["scope:tisa"] and denied[-1]["route"] == "tisa_hub"
    # nothing of the item queued (the approval went to the hub, the plan did not)
    assert [r.kind for r in kor.store.outbox() if r.item_id == label.item_id] == ["consent"]


def test_the_same_route_carries_a_missile_topic_item(net):
    # the denial above is the topic's: an item of the TISA's scope goes to the hub
    kor = net.nodes["KOR"]
    label = create(kor, plan(topic=WARNING_TOPIC))
    kor.approve(label.item_id, "JPN")
    assert kor.release(label.item_id, "JPN", "tisa").status == "queued"


def test_evacuation_coordination_is_refused_by_the_automated_hub(net):
    kor = net.nodes["KOR"]
    label = create(kor, plan(topic="evacuation-coordination"))
    with pytest.raises(ReleaseDenied) as info:
        kor.release(label.item_id, "JPN", "auto-hub")
    assert "scope:tisa" in info.value.rules  # its legal basis (agreements.md §4)
    assert any(r.startswith("elements:") for r in info.value.rules)


def test_a_sealed_document_fits_the_wire_estimate(party_keys):
    doc = plan(size=1_000_000)
    kor = party_keys["KOR"]
    at = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
    label = Label(item_id="KOR-x", originator="KOR", classification=CLASS_II,
                  releasable_to=frozenset({"JPN"}), topic=doc.topic, holder="KOR",
                  created=at)
    signed = sign(kor, "item", doc.to_dict(), at, label)
    directory = Directory(k.public() for k in party_keys.values())
    env = seal(signed, Header("e1", "KOR", "JPN", at, "direct", "JPN", "documents", 1),
               directory, kor)
    wire = len(json.dumps(env.to_wire()))
    size = len(json.dumps(doc.to_dict(), ensure_ascii=False).encode())
    assert size * (4 / 3) ** 3 < wire <= wire_bytes(size + 1024)
    # far above joserfc's default caps (64 KiB ciphertext, 128 kB payload): still opens
    opened = open_envelope(env, party_keys["JPN"], directory, at)
    assert Document.from_dict(opened.signed.payload) == doc


def test_publish_takes_a_document_as_any_publishable(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    doc = plan(topic="evacuation-coordination")
    releases = kor.publish(doc, classification=CLASS_II)
    assert {r.to: r.status for r in releases} == {"JPN": "queued", "USA": "queued"}
    net.clock.advance_to(DELAY_S)
    [item] = [i for i in jpn.items() if i.item_id == releases[0].item_id]
    assert item.kind == DOCUMENT_KIND and Document.from_dict(item.payload) == doc
    created = [r.body for r in kor.audit.records() if r.kind == "item.created"]
    assert created[-1]["classification"] == CLASS_II
