"""Envelopes: originator signature over label + data, encryption per hop (RFC 7515/7516)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gsomia.errors import EnvelopeError, ReplayError
from gsomia.sharing.envelope import (
    Directory,
    Envelope,
    Header,
    PartyKeys,
    label_from_dict,
    open_envelope,
    seal,
    sign,
)

NOW = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)
KEYS = {p: PartyKeys.generate(p) for p in ("JPN", "KOR", "USA")}
DIRECTORY = Directory(k.public() for k in KEYS.values())
LABEL = label_from_dict({
    "item_id": "kor-1", "originator": "KOR", "classification": "군사II급비밀",
    "releasable_to": ["JPN", "USA"], "topic": "dprk-missile-threat", "holder": "KOR",
    "elements": ["impact_point"],
})
PAYLOAD = {"impact_point": {"lat_deg": 40.5, "lon_deg": 136.0}}


def header(sender: str = "KOR", to: str = "JPN", at: dt.datetime = NOW) -> Header:
    return Header(uuid.uuid4().hex, sender, to, at, "direct", to, "s", 1)


def sealed(sender: str = "KOR", to: str = "JPN") -> Envelope:
    return seal(sign(KEYS["KOR"], "item", PAYLOAD, NOW, LABEL), header(sender, to), DIRECTORY,
                KEYS[sender])


SEALED = sealed()


def test_round_trip_gives_label_and_payload_signed_by_the_originator():
    opened = open_envelope(SEALED, KEYS["JPN"], DIRECTORY, NOW)
    assert opened.signed.originator == "KOR"
    assert opened.signed.payload == PAYLOAD
    assert label_from_dict(opened.signed.label) == LABEL
    assert opened.header.sender == "KOR" and opened.header.recipient == "JPN"


def test_hub_forwarding_keeps_the_originators_signature():
    at_hub = open_envelope(sealed("KOR", "USA"), KEYS["USA"], DIRECTORY, NOW)
    forwarded = seal(at_hub.signed.jws, header("USA", "JPN"), DIRECTORY, KEYS["USA"])
    opened = open_envelope(forwarded, KEYS["JPN"], DIRECTORY, NOW)
    assert opened.signed.jws == at_hub.signed.jws
    assert opened.signed.originator == "KOR" and opened.header.sender == "USA"


@pytest.mark.parametrize(
    ("case", "check"),
    [("other_recipient_key", "decrypt"), ("rogue_signer", "signature"),
     ("unknown_sender", "party"), ("header_mismatch", "header")],
    ids=lambda x: x,
)
def test_bad_envelopes_are_rejected_with_the_failed_check(case, check):
    if case == "other_recipient_key":
        env, keys = SEALED, PartyKeys("JPN", KEYS["JPN"].signing, PartyKeys.generate("JPN")
                                      .encryption)
    elif case == "rogue_signer":
        rogue = PartyKeys("KOR", PartyKeys.generate("KOR").signing, KEYS["KOR"].encryption)
        env, keys = seal(sign(rogue, "item", PAYLOAD, NOW, LABEL), header(), DIRECTORY,
                         KEYS["KOR"]), KEYS["JPN"]
    elif case == "unknown_sender":
        env, keys = Envelope(SEALED.envelope_id, "PRK", "JPN", SEALED.jwe), KEYS["JPN"]
    else:
        env, keys = Envelope("other-id", "KOR", "JPN", SEALED.jwe), KEYS["JPN"]
    with pytest.raises(EnvelopeError) as info:
        open_envelope(env, keys, DIRECTORY, NOW)
    assert info.value.check == check


def test_an_old_envelope_is_a_replay():
    env = seal(sign(KEYS["KOR"], "item", PAYLOAD, NOW, LABEL),
               header(at=NOW - dt.timedelta(days=2)), DIRECTORY, KEYS["KOR"])
    with pytest.raises(ReplayError):
        open_envelope(env, KEYS["JPN"], DIRECTORY, NOW)


def test_an_item_must_be_signed_by_its_originator():
    with pytest.raises(EnvelopeError):
        sign(KEYS["JPN"], "item", PAYLOAD, NOW, LABEL)


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0), char=st.sampled_from("ABCabc012-_"))
def test_any_single_character_change_of_the_jwe_is_rejected(position, char):
    text = SEALED.jwe
    i = position % len(text)
    if text[i] == "." or text[i] == char:
        return
    tampered = Envelope(SEALED.envelope_id, "KOR", "JPN", text[:i] + char + text[i + 1:])
    try:
        opened = open_envelope(tampered, KEYS["JPN"], DIRECTORY, NOW)
    except EnvelopeError:
        return
    # base64url padding bits: a change that decodes to the same bytes is no change at all
    assert opened.signed.jws == open_envelope(SEALED, KEYS["JPN"], DIRECTORY, NOW).signed.jws
    assert opened.header == open_envelope(SEALED, KEYS["JPN"], DIRECTORY, NOW).header


def forged(holder: str, claimed: str, to: str, signer: PartyKeys | None = None) -> Envelope:
    """``holder`` passes Korea's signed item to ``to`` while naming ``claimed`` as hop
    sender: it signs the hop with its own key (or ``signer``), the only key it has."""
    key = signer or KEYS[holder]
    as_claimed = PartyKeys(claimed, key.signing, key.encryption)
    inner = sign(KEYS["KOR"], "item", PAYLOAD, NOW, LABEL)
    return seal(inner, header(claimed, to), DIRECTORY, as_claimed)


def test_japan_forwarding_koreas_item_to_the_usa_claiming_to_be_korea_is_rejected():
    with pytest.raises(EnvelopeError) as info:
        open_envelope(forged("JPN", "KOR", "USA"), KEYS["USA"], DIRECTORY, NOW)
    assert info.value.check == "sender"
    assert "KOR" in str(info.value)


def test_seal_refuses_to_name_another_hop_sender_than_the_signer():
    with pytest.raises(EnvelopeError) as info:
        seal(sign(KEYS["KOR"], "item", PAYLOAD, NOW, LABEL), header("KOR", "USA"), DIRECTORY,
             KEYS["JPN"])
    assert info.value.check == "sender"


def test_a_signed_hop_cannot_be_moved_to_another_recipient():
    """USA re-encrypts, for JPN, a hop that KOR signed for USA (aud is signed)."""
    from joserfc import jwe
    from joserfc.jwk import OKPKey

    from gsomia.sharing.envelope import _jwe_registry

    env = sealed("KOR", "USA")
    obj = jwe.decrypt_compact(env.jwe, OKPKey.import_key(KEYS["USA"].encryption),
                              registry=_jwe_registry())
    protected = {**obj.protected, "aud": "JPN", "final": "JPN", "kid": "JPN-enc"}
    moved = jwe.encrypt_compact(protected, obj.plaintext,
                                OKPKey.import_key(KEYS["JPN"].encryption.public_key()),
                                registry=_jwe_registry())
    with pytest.raises(EnvelopeError) as info:
        open_envelope(Envelope(env.envelope_id, "KOR", "JPN", moved), KEYS["JPN"], DIRECTORY,
                      NOW)
    assert info.value.check == "sender"


PARTIES = tuple(KEYS)


@settings(max_examples=40, deadline=None)
@given(
    holder=st.sampled_from(PARTIES + ("rogue",)),
    claimed=st.sampled_from(PARTIES),
    to=st.sampled_from(PARTIES),
)
def test_a_forged_hop_sender_is_always_rejected(holder, claimed, to):
    """Whoever seals with a key other than the claimed sender's is refused (check sender)."""
    assume(holder != claimed and to != claimed)
    signer = PartyKeys.generate(claimed) if holder == "rogue" else None
    env = forged("JPN" if holder == "rogue" else holder, claimed, to, signer)
    with pytest.raises(EnvelopeError) as info:
        open_envelope(env, KEYS[to], DIRECTORY, NOW)
    assert info.value.check == "sender"
