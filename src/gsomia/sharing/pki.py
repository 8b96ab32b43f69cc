"""Keys and certificates of the parties: ``gsomia pki init DIR`` (pyca/cryptography).

Layout written by :func:`init_pki` (PEM files; private keys PKCS#8, unencrypted, mode 0600)::

    DIR/<PARTY>/ca.key, ca.crt      the party's own certificate authority (one per party)
    DIR/<PARTY>/tls.key, tls.crt    its node's TLS key (EC P-256) and certificate, issued by
                                    its CA, for server and client use (mutual TLS); subject
                                    alternative names 127.0.0.1, localhost, <party>.gsomia
    DIR/<PARTY>/sign.key, sign.pub  Ed25519 signing key (originator signatures, RFC 8037)
    DIR/<PARTY>/enc.key, enc.pub    X25519 key that opens envelopes sealed for the party
    DIR/trusted-cas.pem             every party's CA certificate: partners trust each
                                    other's CA (and only those)

A node needs its own directory and the public files of the others (``*.pub``,
``ca.crt``); private keys never leave their party's directory.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gsomia.errors import InputError
from gsomia.sharing.envelope import Directory, PartyKeys, PublicKeys
from gsomia.sharing.markings import check_party_code

__all__ = [
    "init_pki",
    "load_directory",
    "load_party_cas",
    "load_party_keys",
    "party_of_certificate",
    "tls_paths",
]

_VALID_DAYS = 365


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        os.chmod(path, 0o600)


def _pem_private(key) -> bytes:  # type: ignore[no-untyped-def]
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_public(key) -> bytes:  # type: ignore[no-untyped-def]
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _name(party: str, role: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, party[:2]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"gsomia {party}"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{party} {role}"),
    ])


def init_pki(
    directory: str | Path,
    parties: Iterable[str] = ("JPN", "KOR", "USA"),
    now: dt.datetime | None = None,
) -> Path:
    """Create every party's CA, TLS key and certificate, signing and encryption keys.

    Parameters:
        directory: where to write (created; must not already hold a party's keys).
        parties: ISO alpha-3 codes.
        now: start of validity (default: the current UTC time); valid 365 days.

    Returns:
        The directory.

    Raises:
        InputError: a bad party code, or keys already present for a party.
    """
    root = Path(directory)
    codes = [check_party_code("parties", p) for p in parties]
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    end = start + dt.timedelta(days=_VALID_DAYS)
    bundle = b""
    for party in codes:
        d = root / party
        if (d / "sign.key").exists():
            raise InputError("directory", str(d), "keys already exist; refusing to overwrite")
        d.mkdir(parents=True, exist_ok=True)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(party, "CA")
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        tls_key = ec.generate_private_key(ec.SECP256R1())
        tls = (
            x509.CertificateBuilder()
            .subject_name(_name(party, "node")).issuer_name(ca_name)
            .public_key(tls_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"),
                x509.DNSName(f"{party.lower()}.gsomia"),
            ]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([
                ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        keys = PartyKeys.generate(party)
        _write(d / "ca.key", _pem_private(ca_key), private=True)
        _write(d / "ca.crt", ca.public_bytes(serialization.Encoding.PEM))
        _write(d / "tls.key", _pem_private(tls_key), private=True)
        _write(d / "tls.crt", tls.public_bytes(serialization.Encoding.PEM))
        _write(d / "sign.key", _pem_private(keys.signing), private=True)
        _write(d / "sign.pub", _pem_public(keys.signing.public_key()))
        _write(d / "enc.key", _pem_private(keys.encryption), private=True)
        _write(d / "enc.pub", _pem_public(keys.encryption.public_key()))
        bundle += ca.public_bytes(serialization.Encoding.PEM)
    _write(root / "trusted-cas.pem", bundle)
    return root


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError("keys", str(path), f"cannot read: {exc.strerror}") from None


def load_party_keys(directory: str | Path, party: str) -> PartyKeys:
    """The private signing and encryption keys of ``party`` from a PKI directory.

    Raises:
        InputError: a missing file or a key of the wrong type.
    """
    d = Path(directory) / party
    sk = serialization.load_pem_private_key(_read(d / "sign.key"), None)
    ek = serialization.load_pem_private_key(_read(d / "enc.key"), None)
    if not isinstance(sk, Ed25519PrivateKey) or not isinstance(ek, X25519PrivateKey):
        raise InputError("keys", str(d), "expected an Ed25519 sign.key and an X25519 enc.key")
    return PartyKeys(party, sk, ek)


def load_directory(directory: str | Path, parties: Iterable[str] | None = None) -> Directory:
    """The public keys of ``parties`` (default: every party folder) from a PKI directory.

    Raises:
        InputError: a missing file or a key of the wrong type.
    """
    root = Path(directory)
    codes = list(parties) if parties is not None else sorted(
        p.name for p in root.iterdir() if (p / "sign.pub").exists()
    )
    out = []
    for party in codes:
        sp = serialization.load_pem_public_key(_read(root / party / "sign.pub"))
        ep = serialization.load_pem_public_key(_read(root / party / "enc.pub"))
        if not isinstance(sp, Ed25519PublicKey) or not isinstance(ep, X25519PublicKey):
            raise InputError("keys", str(root / party), "expected Ed25519 and X25519 keys")
        out.append(PublicKeys(party, sp, ep))
    return Directory(out)


def tls_paths(directory: str | Path, party: str) -> tuple[Path, Path, Path]:
    """``(certificate, key, trusted CA bundle)`` of ``party``'s node for mutual TLS."""
    root = Path(directory)
    paths = (root / party / "tls.crt", root / party / "tls.key", root / "trusted-cas.pem")
    for p in paths:
        if not p.exists():
            raise InputError("keys", str(p), "missing; run 'gsomia pki init'")
    return paths


def load_party_cas(
    directory: str | Path, parties: Iterable[str] | None = None
) -> dict[str, x509.Certificate]:
    """Each party's CA certificate (``DIR/<PARTY>/ca.crt``), by party code.

    Raises:
        InputError: a missing or unreadable certificate.
    """
    root = Path(directory)
    codes = list(parties) if parties is not None else sorted(
        p.name for p in root.iterdir() if (p / "ca.crt").exists()
    )
    out = {}
    for party in codes:
        try:
            out[party] = x509.load_pem_x509_certificate(_read(root / party / "ca.crt"))
        except ValueError as exc:
            raise InputError("keys", str(root / party / "ca.crt"), f"not a certificate: {exc}") \
                from None
    return out


def party_of_certificate(
    certificate: bytes | str, cas: Mapping[str, x509.Certificate]
) -> str | None:
    """The party whose CA issued ``certificate`` (PEM or DER), or None.

    A node's TLS certificate identifies its party by the CA that signed it (one CA per
    party), not by names inside it, which any partner CA could write. The TLS handshake has
    already checked the chain against the trusted CAs; this finds which of them it is by
    checking the issuer name and the signature against each party's CA.
    """
    data = certificate.encode("ascii") if isinstance(certificate, str) else certificate
    try:
        cert = (x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----")
                else x509.load_der_x509_certificate(data))
    except ValueError:
        return None
    for party, ca in cas.items():
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return party
    return None
