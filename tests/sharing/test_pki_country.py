"""The subject country of the certificates ``gsomia pki init`` writes: ISO 3166-1 alpha-2
(KOR is KR, not the first two letters), and none for a party code the project does not know."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from gsomia.sharing.pki import ISO3166_ALPHA2, init_pki


def _country(path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)]


def test_the_cli_writes_alpha2_countries(tmp_path):
    gsomia = Path(sys.executable).with_name("gsomia")
    subprocess.run([str(gsomia), "pki", "init", str(tmp_path / "pki")], check=True,
                   capture_output=True)
    for party, alpha2 in (("JPN", "JP"), ("KOR", "KR"), ("USA", "US")):
        for name in ("ca.crt", "tls.crt", "operator.crt"):
            assert _country(tmp_path / "pki" / party / name) == [alpha2], (party, name)
    tls = x509.load_pem_x509_certificate((tmp_path / "pki" / "KOR" / "tls.crt").read_bytes())
    assert tls.subject.rfc4514_string() == "CN=KOR node,O=gsomia KOR,C=KR"
    assert tls.issuer.rfc4514_string() == "CN=KOR CA,O=gsomia KOR,C=KR"


@pytest.mark.parametrize("party", ["AUS", "KOS"])
def test_an_unknown_party_has_no_country(tmp_path, party):
    init_pki(tmp_path, [party])
    assert party not in ISO3166_ALPHA2
    assert _country(tmp_path / party / "tls.crt") == []
    cert = x509.load_pem_x509_certificate((tmp_path / party / "tls.crt").read_bytes())
    assert cert.subject.rfc4514_string() == f"CN={party} node,O=gsomia {party}"
