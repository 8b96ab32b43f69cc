"""The guard's identities of client certificates (:mod:`gsomia.web.identities`): worked
out once per certificate, the same as :func:`gsomia.sharing.pki.identity_of_certificate`,
and read back from the request's scope only for the same certificate."""

from __future__ import annotations

from pathlib import Path

import pytest

from gsomia.sharing.pki import (
    identity_of_certificate,
    init_pki,
    load_party_cas,
    operator_paths,
    tls_paths,
)
from gsomia.web.identities import IDENTITY_KEY, Identities, client_identity


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    init_pki(root)
    return root


def _scope(pem: str | None) -> dict:
    return {"extensions": {"tls": {"client_cert_chain": [pem] if pem else []}}}


@pytest.mark.parametrize(("party", "role"), [("JPN", "node"), ("KOR", "node"),
                                             ("USA", "operator")],
                         ids=["jpn-node", "kor-node", "usa-operator"])
def test_same_identity_as_the_pki_and_kept_in_the_scope(pki, party, role):
    cas = load_party_cas(pki)
    path = tls_paths(pki, party)[0] if role == "node" else operator_paths(pki, party)[0]
    pem = path.read_text()
    ids = Identities(cas)
    for _ in range(2):  # the second time from the guard's memory
        scope = _scope(pem)
        assert ids.of(scope) == identity_of_certificate(pem, cas) == (party, role, None)
        assert scope[IDENTITY_KEY] == (pem, (party, role, None))
        assert client_identity(scope, cas) == (party, role, None)


def test_scope_identity_of_another_certificate_is_not_taken(pki):
    cas = load_party_cas(pki)
    jpn = tls_paths(pki, "JPN")[0].read_text()
    kor = tls_paths(pki, "KOR")[0].read_text()
    scope = _scope(kor)
    scope[IDENTITY_KEY] = (jpn, ("JPN", "node", None))
    assert client_identity(scope, cas) == ("KOR", "node", None)


def test_no_certificate_no_identity(pki):
    scope = _scope(None)
    assert Identities(load_party_cas(pki)).of(scope) is None
    assert client_identity(scope, load_party_cas(pki)) is None
