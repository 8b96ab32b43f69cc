"""Person certificates (``gsomia pki person``): issued by the party's own CA, named
``"<PARTY> person <id>"``, and read back as ``(party, "person", id)``; every other name
a party's CA may have signed is no identity (RFC 5280 section 4.1.2.6 subject, read
exactly)."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.sharing.pki import (
    PERSON_ID,
    identity_of_certificate,
    init_pki,
    issue_person,
    load_party_cas,
    person_paths,
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki-persons") / "pki"
    init_pki(root, ("JPN", "KOR"))
    return root


def _identity(pki, crt) -> tuple | None:
    return identity_of_certificate(crt.read_bytes(), load_party_cas(pki))


def test_a_person_certificate_names_its_party_and_id(pki):
    crt, key = issue_person(pki, "JPN", "duty-officer")
    assert (crt, key) == (pki / "JPN" / "persons" / "duty-officer.crt",
                          pki / "JPN" / "persons" / "duty-officer.key")
    assert _identity(pki, crt) == ("JPN", "person", "duty-officer")
    cert = x509.load_pem_x509_certificate(crt.read_bytes())
    assert cert.subject.rfc4514_string() == "CN=JPN person duty-officer,O=gsomia JPN,C=JP"
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]  # client use only
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert person_paths(pki, "JPN", "duty-officer")[:2] == (crt, key)
    # the node and operator identities are unchanged, with no person id
    assert _identity(pki, pki / "JPN" / "operator.crt") == ("JPN", "operator", None)
    assert _identity(pki, pki / "KOR" / "tls.crt") == ("KOR", "node", None)


def test_an_existing_person_is_not_overwritten_without_force(pki):
    crt, _ = issue_person(pki, "KOR", "watch")
    before = crt.read_bytes()
    with pytest.raises(InputError) as err:
        issue_person(pki, "KOR", "watch")
    assert err.value.field == "person" and "--force" in err.value.reason
    assert crt.read_bytes() == before
    issue_person(pki, "KOR", "watch", force=True)
    assert crt.read_bytes() != before


@pytest.mark.parametrize("bad", ["", "a b", "-lead", "x" * 54, "é", "a/b", "operator"])
def test_bad_or_reserved_person_ids_are_refused(pki, bad):
    """Including one character more than a common name holds (RFC 5280 ub-common-name)."""
    with pytest.raises(InputError) as err:
        issue_person(pki, "JPN", bad)
    assert err.value.field == "person" and err.value.value == bad
    assert not (pki / "JPN" / "persons" / f"{bad}.crt").exists() or bad == ""


def test_a_party_without_a_ca_gets_no_person(pki):
    with pytest.raises(InputError) as err:
        issue_person(pki, "USA", "duty-officer")
    assert "ca.key" in str(err.value.value)


def _signed(pki, party: str, cn: str, ca: bool = False) -> bytes:
    ca_key = load_pem_private_key((pki / party / "ca.key").read_bytes(), None)
    issuer = x509.load_pem_x509_certificate((pki / party / "ca.crt").read_bytes()).subject
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM)


@pytest.mark.parametrize("cn", ["KOR person", "KOR person ", "KOR person a b",
                                "KOR person operator", "JPN person duty-officer",
                                "KOR Person x", "KOR persons x", "kor person x"])
def test_names_a_ca_could_sign_that_are_no_person(pki, cn):
    assert identity_of_certificate(_signed(pki, "KOR", cn), load_party_cas(pki)) is None


def test_a_ca_certificate_named_as_a_person_is_no_person(pki):
    pem = _signed(pki, "KOR", "KOR person x", ca=True)
    assert identity_of_certificate(pem, load_party_cas(pki)) is None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               min_size=1, max_size=53).filter(lambda t: len(t.encode()) <= 53))
def test_any_id_is_an_identity_exactly_when_it_is_a_person_id(pki, person_id):
    """For every text a common name can hold (64 bytes), ``KOR person <text>`` signed by
    Korea's CA is ``(KOR, person, text)`` when the text is a :data:`PERSON_ID` other than
    ``operator``, else no identity."""
    got = identity_of_certificate(_signed(pki, "KOR", f"KOR person {person_id}"),
                                  load_party_cas(pki))
    ok = PERSON_ID.fullmatch(person_id) is not None and person_id != "operator"
    assert got == (("KOR", "person", person_id) if ok else None)


def test_the_cli_issues_a_person_and_refuses_a_second_time(pki):
    runner = CliRunner()
    r = runner.invoke(app, ["pki", "person", str(pki), "--party", "jpn", "--id", "analyst"])
    assert r.exit_code == 0, r.output
    assert "JPN person analyst" in r.output
    assert _identity(pki, pki / "JPN" / "persons" / "analyst.crt") == (
        "JPN", "person", "analyst")
    r = runner.invoke(app, ["pki", "person", str(pki), "--party", "JPN", "--id", "analyst"])
    assert r.exit_code == 2 and "--force" in r.output
    r = runner.invoke(app, ["pki", "person", str(pki), "--party", "JPN", "--id", "a b"])
    assert r.exit_code == 2 and "person" in r.output


def test_the_longest_person_id_fits_a_common_name(pki):
    longest = "a" * 53  # "JPN person " + 53 = 64 characters, RFC 5280 ub-common-name
    crt, _ = issue_person(pki, "JPN", longest)
    assert _identity(pki, crt) == ("JPN", "person", longest)
