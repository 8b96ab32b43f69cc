"""Keys and certificates of the parties: ``gsomia pki init DIR`` (pyca/cryptography).

Layout written by :func:`init_pki` (PEM files; private keys PKCS#8, unencrypted, mode 0600)::

    DIR/<PARTY>/ca.key, ca.crt      the party's own certificate authority (one per party)
    DIR/<PARTY>/tls.key, tls.crt    its node's TLS key (EC P-256) and certificate, issued by
                                    its CA, for server and client use (mutual TLS); subject
                                    alternative names 127.0.0.1, localhost, <party>.gsomia
    DIR/<PARTY>/operator.key, .crt  the party's local operator's client certificate (EC
                                    P-256, issued by its CA, client use only): the only
                                    identity its node accepts on the administrative
                                    routes; it reads items only as the personnel file's
                                    ``operator`` entry (:mod:`gsomia.node.persons`)
    DIR/<PARTY>/persons/<id>.key, .crt
                                    a person's client certificate (EC P-256, issued by its
                                    party's CA, client use only), made one at a time by
                                    :func:`issue_person` (``gsomia pki person``), not by
                                    ``init``: who may read classified items is the node's
                                    personnel file (:mod:`gsomia.node.persons`)
    DIR/<PARTY>/sign.key, sign.pub  Ed25519 signing key (originator signatures, RFC 8037)
    DIR/<PARTY>/enc.key, enc.pub    X25519 key that opens envelopes sealed for the party
    DIR/trusted-cas.pem             every party's CA certificate: partners trust each
                                    other's CA (and only those)

A node needs its own directory and the public files of the others (``*.pub``,
``ca.crt``); private keys never leave their party's directory.

Identities (:func:`identity_of_certificate`): a client certificate names a party by the CA
that issued it (RFC 5280 section 6 path validation, done by the TLS handshake, RFC 8446
section 4.4.2) and a role by its subject common name, exactly ``"<PARTY> node"``,
``"<PARTY> operator"`` or ``"<PARTY> person <id>"`` (``<id>`` a :data:`PERSON_ID` other
than ``operator``) as written here. Any other certificate a party's CA may have issued
(e.g. CN=rogue, ``JPN person`` without an id, ``JPN person a b``) is no identity and is
refused by the nodes.

Subjects: ``C=<alpha-2>, O=gsomia <PARTY>, CN=<PARTY> <role>``; the country is looked up
in :data:`ISO3166_ALPHA2` (JPN JP, KOR KR, USA US) and left out for any other party code.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
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
    "PERSON_ID",
    "check_person_id",
    "identity_of_certificate",
    "init_pki",
    "issue_person",
    "load_directory",
    "load_party_cas",
    "load_party_keys",
    "operator_paths",
    "party_of_certificate",
    "person_paths",
    "tls_paths",
]

_VALID_DAYS = 365

#: Roles of the client certificates made by :func:`init_pki` (subject CN "<PARTY> <role>").
ROLES = ("node", "operator")
#: The role of a person's certificate (subject CN "<PARTY> person <id>", :func:`issue_person`).
PERSON_ROLE = "person"
#: A person id: a letter or digit, then up to 52 letters, digits, ``.``, ``_`` or ``-``
#: (no blank: the id is the last word of the certificate's common name, which RFC 5280
#: appendix A.1 ``ub-common-name`` bounds to 64 characters: ``"JPN person "`` + 53).
PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,52}")
#: Ids no person certificate may carry: ``operator`` names the operator certificate's entry
#: in a personnel file (:mod:`gsomia.node.persons`).
RESERVED_PERSON_IDS = ("operator",)

#: Files written for each party (a party's folder is refused if any of them exists).
PARTY_FILES = ("ca.key", "ca.crt", "tls.key", "tls.crt", "operator.key", "operator.crt",
               "sign.key", "sign.pub", "enc.key", "enc.pub")


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Write ``data``; a private key is created with mode 0600 (never readable by others)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
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


#: The X.509 country (``C``, RFC 5280 section 4.1.2.4: an ISO 3166 alpha-2 code) of the
#: parties the project knows, by their ISO 3166-1 alpha-3 party code (source: ISO 3166-1;
#: the alpha-2 code is not the first two letters of the alpha-3 one: KOR is KR). A
#: certificate of a party not in this table carries no country attribute.
ISO3166_ALPHA2 = {"JPN": "JP", "KOR": "KR", "USA": "US"}


def _name(party: str, role: str) -> x509.Name:
    """Subject of a certificate: C (if the party is in :data:`ISO3166_ALPHA2`), O, CN."""
    country = ISO3166_ALPHA2.get(party)
    return x509.Name(
        ([x509.NameAttribute(NameOID.COUNTRY_NAME, country)] if country else [])
        + [x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"gsomia {party}"),
           x509.NameAttribute(NameOID.COMMON_NAME, f"{party} {role}")])


def _certificate(
    subject: x509.Name, key, ca_name: x509.Name, ca_key, start: dt.datetime,  # type: ignore[no-untyped-def]
    end: dt.datetime, usages: list[x509.ObjectIdentifier],
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    """An end-entity certificate issued by ``ca_key`` (RFC 5280 section 4.2: not a CA;
    extended key usage ``usages``)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), critical=False)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _party_files(party: str, start: dt.datetime, end: dt.datetime) -> dict[str, bytes]:
    """Every file of one party's folder (:data:`PARTY_FILES`), as bytes."""
    pem = serialization.Encoding.PEM
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
    tls = _certificate(
        _name(party, "node"), tls_key, ca_name, ca_key, start, end,
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"),
         x509.DNSName(f"{party.lower()}.gsomia")],
    )
    op_key = ec.generate_private_key(ec.SECP256R1())
    operator = _certificate(_name(party, "operator"), op_key, ca_name, ca_key, start, end,
                            [ExtendedKeyUsageOID.CLIENT_AUTH])
    keys = PartyKeys.generate(party)
    return {
        "ca.key": _pem_private(ca_key), "ca.crt": ca.public_bytes(pem),
        "tls.key": _pem_private(tls_key), "tls.crt": tls.public_bytes(pem),
        "operator.key": _pem_private(op_key), "operator.crt": operator.public_bytes(pem),
        "sign.key": _pem_private(keys.signing), "sign.pub": _pem_public(keys.signing.public_key()),
        "enc.key": _pem_private(keys.encryption),
        "enc.pub": _pem_public(keys.encryption.public_key()),
    }


def _bundle(existing: Path, new_cas: list[bytes]) -> bytes:
    """``existing`` CA bundle (if any) with ``new_cas`` appended; a CA of the same subject
    as a new one (a party made again with ``force``) is replaced."""
    new = [x509.load_pem_x509_certificate(c) for c in new_cas]
    subjects = {c.subject for c in new}
    kept: list[x509.Certificate] = []
    if existing.exists():
        try:
            kept = [c for c in x509.load_pem_x509_certificates(existing.read_bytes())
                    if c.subject not in subjects]
        except ValueError as exc:
            raise InputError("directory", str(existing), f"not a PEM CA bundle: {exc}") \
                from None
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [*kept, *new])


def init_pki(
    directory: str | Path,
    parties: Iterable[str] = ("JPN", "KOR", "USA"),
    now: dt.datetime | None = None,
    *,
    force: bool = False,
) -> Path:
    """Create every party's CA, node TLS key and certificate, operator certificate, signing
    and encryption keys (layout in the module docstring).

    Nothing is overwritten unless ``force``: if any file of a party's folder already
    exists, nothing at all is written. All files are first written to a temporary folder
    inside ``directory`` and then moved into place, so a failure leaves no half-written
    party. ``trusted-cas.pem`` is extended with the new parties' CAs (an existing bundle
    keeps its other CAs), never replaced by them alone.

    Parameters:
        directory: where to write (created if missing).
        parties: ISO alpha-3 codes.
        now: start of validity (default: the current UTC time); valid 365 days.
        force: replace existing files of these parties.

    Returns:
        The directory.

    Raises:
        InputError: a bad party code, a directory that is a file or cannot be created or
            written, or keys already present for a party (without ``force``).
    """
    import shutil
    import tempfile

    root = Path(directory)
    codes = [check_party_code("parties", p) for p in parties]
    if len(set(codes)) != len(codes):
        raise InputError("parties", ",".join(codes), "a party is named twice")
    if root.exists() and not root.is_dir():
        raise InputError("directory", str(root), "exists and is not a directory")
    if not force:
        for party in codes:
            d = root / party
            if d.exists() and not d.is_dir():
                raise InputError("directory", str(d), "exists and is not a directory")
            present = [f for f in PARTY_FILES if (d / f).exists()]
            if present:
                raise InputError("directory", str(d),
                                 f"{', '.join(present)} already exist; refusing to overwrite "
                                 "(use --force to replace)")
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    end = start + dt.timedelta(days=_VALID_DAYS)
    files = {party: _party_files(party, start, end) for party in codes}
    try:
        root.mkdir(parents=True, exist_ok=True)
        bundle = _bundle(root / "trusted-cas.pem", [f["ca.crt"] for f in files.values()])
        tmp = Path(tempfile.mkdtemp(prefix=".pki-", dir=root))
        try:
            for party, contents in files.items():
                (tmp / party).mkdir()
                for name, data in contents.items():
                    _write(tmp / party / name, data, private=name.endswith(".key"))
            _write(tmp / "trusted-cas.pem", bundle)
            for party in codes:
                (root / party).mkdir(exist_ok=True)
                for name in PARTY_FILES:
                    os.replace(tmp / party / name, root / party / name)
            os.replace(tmp / "trusted-cas.pem", root / "trusted-cas.pem")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise InputError("directory", str(root),
                         f"cannot write keys: {exc.strerror or exc}") from None
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


def operator_paths(directory: str | Path, party: str) -> tuple[Path, Path, Path]:
    """``(certificate, key, trusted CA bundle)`` of ``party``'s local operator (the client
    identity of the node's local-user routes)."""
    root = Path(directory)
    paths = (root / party / "operator.crt", root / party / "operator.key",
             root / "trusted-cas.pem")
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


def check_person_id(field: str, value: object) -> str:
    """``value`` if it is a :data:`PERSON_ID` and not reserved.

    Raises:
        InputError: naming ``field`` and the value.
    """
    if not isinstance(value, str) or not PERSON_ID.fullmatch(value):
        raise InputError(field, value, "expected a person id: a letter or digit, then up "
                                       "to 52 letters, digits, '.', '_' or '-'")
    if value in RESERVED_PERSON_IDS:
        raise InputError(field, value, "reserved for the operator certificate's entry")
    return value


def identity_of_certificate(
    certificate: bytes | str, cas: Mapping[str, x509.Certificate]
) -> tuple[str, str, str | None] | None:
    """``(party, role, person_id)`` of a client certificate made by :func:`init_pki` or
    :func:`issue_person`, or None.

    The party is the one whose CA issued it (:func:`party_of_certificate`); the role
    (``node`` or ``operator``, :data:`ROLES`, person_id None; or ``person`` with its id)
    is read from its subject common name, which must be exactly ``"<PARTY> <role>"`` or
    ``"<PARTY> person <id>"`` (``<id>`` a :data:`PERSON_ID`, not reserved) with the
    issuing party's code, and the certificate must not be a CA (RFC 5280 section
    4.2.1.9). Any other certificate issued by a party's CA (e.g. CN=rogue) has no
    identity: None.
    """
    data = certificate.encode("ascii") if isinstance(certificate, str) else certificate
    party = party_of_certificate(data, cas)
    if party is None:
        return None
    cert = (x509.load_pem_x509_certificate(data) if data.lstrip().startswith(b"-----")
            else x509.load_der_x509_certificate(data))
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return None
    except x509.ExtensionNotFound:
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        return None
    cn = names[0].value
    for role in ROLES:
        if cn == f"{party} {role}":
            return party, role, None
    prefix = f"{party} {PERSON_ROLE} "
    if isinstance(cn, str) and cn.startswith(prefix):
        person_id = cn[len(prefix):]
        if PERSON_ID.fullmatch(person_id) and person_id not in RESERVED_PERSON_IDS:
            return party, PERSON_ROLE, person_id
    return None


def person_paths(directory: str | Path, party: str, person_id: str) -> tuple[Path, Path, Path]:
    """``(certificate, key, trusted CA bundle)`` of one of ``party``'s persons (the client
    identity with which that person reads classified items, :func:`issue_person`).

    Raises:
        InputError: a bad person id, or a missing file.
    """
    root = Path(directory)
    check_person_id("person", person_id)
    paths = (root / party / "persons" / f"{person_id}.crt",
             root / party / "persons" / f"{person_id}.key", root / "trusted-cas.pem")
    for p in paths:
        if not p.exists():
            raise InputError("keys", str(p), "missing; run 'gsomia pki person'")
    return paths


def issue_person(
    directory: str | Path, party: str, person_id: str, now: dt.datetime | None = None,
    *, force: bool = False,
) -> tuple[Path, Path]:
    """Issue a person's client certificate with ``party``'s CA (``DIR/<PARTY>/ca.key``):
    ``DIR/<PARTY>/persons/<id>.crt`` and ``.key`` (EC P-256, client use only, subject CN
    ``"<PARTY> person <id>"``, valid 365 days from ``now``).

    The certificate says who the person is; what the person may read is the node's
    personnel file (:mod:`gsomia.node.persons`), not the certificate.

    Returns:
        ``(certificate, key)`` paths.

    Raises:
        InputError: a bad party code or person id, a missing or unreadable CA, or files
            already present (without ``force``).
    """
    code = check_party_code("party", party)
    check_person_id("person", person_id)
    d = Path(directory) / code
    ca_key = serialization.load_pem_private_key(_read(d / "ca.key"), None)
    try:
        ca = x509.load_pem_x509_certificate(_read(d / "ca.crt"))
    except ValueError as exc:
        raise InputError("keys", str(d / "ca.crt"), f"not a certificate: {exc}") from None
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise InputError("keys", str(d / "ca.key"), "expected an EC private key")
    folder = d / "persons"
    crt, key_path = folder / f"{person_id}.crt", folder / f"{person_id}.key"
    if not force and (crt.exists() or key_path.exists()):
        raise InputError("person", person_id, f"{crt} already exists; refusing to "
                                              "overwrite (use --force to replace)")
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name(code, f"{PERSON_ROLE} {person_id}"), key, ca.subject, ca_key,
                        start, start + dt.timedelta(days=_VALID_DAYS),
                        [ExtendedKeyUsageOID.CLIENT_AUTH])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp_key, tmp_crt = key_path.with_suffix(".key.tmp"), crt.with_suffix(".crt.tmp")
        _write(tmp_key, _pem_private(key), private=True)
        _write(tmp_crt, cert.public_bytes(serialization.Encoding.PEM))
        os.replace(tmp_key, key_path)  # both written before either is in place
        os.replace(tmp_crt, crt)
    except OSError as exc:
        raise InputError("directory", str(folder),
                         f"cannot write keys: {exc.strerror or exc}") from None
    return crt, key_path
