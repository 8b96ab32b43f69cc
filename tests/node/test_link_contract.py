"""One contract, every :class:`~gsomia.node.Link` implementation (issue 11 item 7).

Each implementation links Japan to a real Korean :class:`~gsomia.node.Node` on its own
SQLite store: :class:`~gsomia.node.InProcessLink` on a :class:`~gsomia.node.SimClock` with a
modelled delay, and :class:`~gsomia.node.HttpsLink` to a uvicorn server with mutual TLS on
127.0.0.1 at a port chosen at run time (stopped by the test). Through each, the same sealed
envelope gives the same :class:`~gsomia.node.Receipt`; its resend is acknowledged as a
duplicate; a peer that has gone away raises :class:`~gsomia.errors.LinkError`; and the
link closes cleanly (twice, without error; the server then stops at once).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gsomia.errors import LinkError
from gsomia.node import (
    HttpsLink,
    InProcessLink,
    Link,
    Node,
    Receipt,
    SimClock,
    TlsFiles,
    WallClock,
)
from gsomia.node.links import envelope_digest
from gsomia.sharing import Label, load_catalog
from gsomia.sharing.envelope import Envelope, Header, seal, sign
from gsomia.sharing.pki import (
    init_pki,
    load_directory,
    load_party_cas,
    load_party_keys,
    tls_paths,
)
from gsomia.web import ThreadedServer, bind, create_app, uvicorn_config

SENT_AT = dt.datetime.now(dt.UTC).replace(microsecond=0)
ENVELOPE_ID = "contract-1"
#: Longest a stopped server may take to stop [s] (a bound, not a timing assertion).
STOP_S = 10.0


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    init_pki(root)
    return root


@pytest.fixture(scope="module")
def envelope(pki: Path) -> Envelope:
    """A Japanese SECRET-level (極秘) item sealed by Japan for Korea, direct."""
    jpn = load_party_keys(pki, "JPN")
    label = Label(item_id="JPN-contract-item", originator="JPN", classification="極秘",
                  releasable_to=frozenset({"KOR"}), topic="dprk-missile-threat",
                  holder="JPN")
    signed = sign(jpn, "item", {"note": "link contract"}, SENT_AT, label)
    header = Header(ENVELOPE_ID, "JPN", "KOR", SENT_AT, "direct", "KOR", "contract", 1)
    return seal(signed, header, load_directory(pki), jpn)


@dataclass
class Peer:
    """A link to Korea's node and how to make that node go away."""

    link: Link
    node: Node
    stop: Callable[[], None]


def _korea(pki: Path, tmp: Path, clock: SimClock | WallClock) -> Node:
    return Node("KOR", load_party_keys(pki, "KOR"), load_directory(pki), load_catalog(),
                tmp / "kor.sqlite", clock)


def _in_process(pki: Path, tmp: Path) -> Iterator[Peer]:
    clock = SimClock(SENT_AT)
    node = _korea(pki, tmp, clock)
    link = InProcessLink("KOR", node, clock, delay_s=0.75, sender="JPN")
    yield Peer(link, node, node.close)
    node.close()


def _https(pki: Path, tmp: Path) -> Iterator[Peer]:
    node = _korea(pki, tmp, WallClock())
    cert, key, cas = tls_paths(pki, "KOR")
    app = create_app(node, party_cas=load_party_cas(pki))
    server = ThreadedServer(uvicorn_config(app, cert, key, cas), bind("127.0.0.1", 0)).start()
    link = HttpsLink("KOR", f"https://127.0.0.1:{server.port}",
                     TlsFiles(*tls_paths(pki, "JPN")), timeout_s=5.0)
    stop_s: list[float] = []

    def stop() -> None:
        if not stop_s:
            started = time.monotonic()
            server.stop()
            stop_s.append(time.monotonic() - started)

    try:
        yield Peer(link, node, stop)
    finally:
        link.close()  # first: its keep-alive connection would hold the server's shutdown
        stop()
        node.close()
    assert stop_s[0] < STOP_S


LINKS = {"in_process": _in_process, "https_mtls": _https}


@pytest.fixture(params=sorted(LINKS), ids=sorted(LINKS))
def peer(request: pytest.FixtureRequest, pki: Path, tmp_path: Path) -> Iterator[Peer]:
    yield from LINKS[request.param](pki, tmp_path)


def test_the_envelope_is_accepted_with_the_same_receipt(peer: Peer, envelope: Envelope):
    receipt = peer.link.send(envelope)
    assert receipt == Receipt("accepted", ENVELOPE_ID, "KOR", None, "stored",
                              "일본 군사II급비밀",  # Art. 4(2): Japan's name, Korea's class
                              digest=envelope_digest(envelope), signature=receipt.signature)
    receipt.verify(peer.node.directory.get("KOR"), envelope)  # signed by the receiver
    assert receipt.ok
    assert [row.envelope_id for row in peer.node.store.inbox(kind="item")] == [ENVELOPE_ID]


def test_a_resend_is_acknowledged_as_a_duplicate(peer: Peer, envelope: Envelope):
    first = peer.link.send(envelope)
    again = peer.link.send(envelope)
    assert (first.status, again.status) == ("accepted", "duplicate")
    assert (again.envelope_id, again.party, again.check) == (ENVELOPE_ID, "KOR", None)
    assert again.ok
    assert len(peer.node.store.inbox(kind="item")) == 1  # stored once


def test_a_peer_that_went_away_raises_link_error(peer: Peer, envelope: Envelope):
    peer.stop()  # nothing sent yet: no open connection to the stopped peer
    with pytest.raises(LinkError) as caught:
        peer.link.send(envelope)
    assert caught.value.peer == "KOR"


def test_the_link_closes_cleanly(peer: Peer, envelope: Envelope):
    assert peer.link.send(envelope).status == "accepted"
    assert peer.link.close() is None
    assert peer.link.close() is None  # closing twice is harmless
