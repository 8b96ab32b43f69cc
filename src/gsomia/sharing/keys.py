"""The parties' keys for envelopes: :class:`PartyKeys` (private, never leave a node),
:class:`PublicKeys` and the :class:`Directory` of a node's partners.

Ed25519 (RFC 8032) signs (originator and hop signatures, consents, receipts, checkpoints);
X25519 (RFC 7748) opens envelopes sealed for the party (ECDH-ES, RFC 8037 §3.2). Keys are
made by :func:`gsomia.sharing.pki.init_pki` or :meth:`PartyKeys.generate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from joserfc.jwk import OKPKey

from gsomia.errors import EnvelopeError
from gsomia.sharing.markings import check_party_code

__all__ = ["Directory", "PartyKeys", "PublicKeys"]


@dataclass(frozen=True, slots=True)
class PublicKeys:
    """A party's public keys: Ed25519 to verify its signatures, X25519 to encrypt to it."""

    party: str
    signing: Ed25519PublicKey
    encryption: X25519PublicKey
    #: The same keys as joserfc JWKs, made once (not compared, not shown): joserfc
    #: exports a key's JWK form on first use and keeps it in the JWK object.
    _jwk: tuple[OKPKey, OKPKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_party_code("party", self.party)
        object.__setattr__(self, "_jwk", (OKPKey.import_key(self.signing),
                                          OKPKey.import_key(self.encryption)))


@dataclass(frozen=True, slots=True)
class PartyKeys:
    """A party's private keys (never leave its node).

    Attributes:
        party: ISO alpha-3 party code.
        signing: Ed25519 signing key (originator signatures, consents).
        encryption: X25519 key that opens envelopes sealed for this party.
    """

    party: str
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey
    #: The same keys as joserfc JWKs, made once (see :class:`PublicKeys`).
    _jwk: tuple[OKPKey, OKPKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_party_code("party", self.party)
        object.__setattr__(self, "_jwk", (OKPKey.import_key(self.signing),
                                          OKPKey.import_key(self.encryption)))

    @classmethod
    def generate(cls, party: str) -> PartyKeys:
        """Fresh random keys for ``party``."""
        return cls(party, Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    def public(self) -> PublicKeys:
        """The matching public keys."""
        return PublicKeys(self.party, self.signing.public_key(), self.encryption.public_key())


class Directory:
    """The public keys of the parties a node deals with (its partners and itself).

    Raises (from :meth:`get`): EnvelopeError (check ``party``) for an unknown party.
    """

    def __init__(self, keys: Iterable[PublicKeys]) -> None:
        self._keys = {k.party: k for k in keys}

    def __contains__(self, party: object) -> bool:
        return party in self._keys

    @property
    def parties(self) -> tuple[str, ...]:
        """Known party codes, sorted."""
        return tuple(sorted(self._keys))

    def get(self, party: str, envelope_id: str = "?") -> PublicKeys:
        """The public keys of ``party``."""
        try:
            return self._keys[party]
        except (KeyError, TypeError):
            raise EnvelopeError(
                "party",
                "party",
                party,
                f"unknown party in envelope {envelope_id} (known: {', '.join(self.parties)})",
            ) from None
