"""Several live nodes on 127.0.0.1, each a real uvicorn server with mutual TLS, in one
process (tests, ``gsomia bench links`` and ``gsomia run --live``, whose delivery step gets
its clusters from :meth:`LiveCluster.for_run`). Ports are chosen at run time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from gsomia.node import Clock, HttpsLink, Node, RetryPolicy, TlsFiles, WallClock
from gsomia.node.persons import Personnel
from gsomia.sharing import Catalog, Route
from gsomia.sharing.pki import (
    init_pki,
    issue_person,
    load_directory,
    load_party_cas,
    load_party_keys,
    operator_paths,
    person_paths,
    tls_paths,
)
from gsomia.web.app import create_app
from gsomia.web.server import ThreadedServer, bind, uvicorn_config

__all__ = ["LiveCluster", "wait_until"]


class LiveCluster:
    """Live nodes of ``parties`` with stores under ``workdir`` and keys under ``pki``.

    Parameters:
        pki: a directory made by :func:`gsomia.sharing.pki.init_pki`.
        workdir: where each party's store and audit log go (one SQLite file per party).
        catalog: agreements and markings.
        routes: per party, its partners' routes (``Node.routes``; :class:`~gsomia.sharing.
            Route`, any spelling).
        on_warning: per party, the subscriber callback (kept across restarts).
        retry: outbox backoff.
        clock: the nodes' clock (default: a :class:`~gsomia.node.WallClock`; ``gsomia run
            --live`` passes a wall clock running at a scenario's compressed time).
        synchronous: the stores' SQLite ``synchronous`` setting (:mod:`gsomia.sharing.sqldb`;
            default: the URL's default, ``normal``); ``"off"`` only for throw-away stores
            (``gsomia run --live``: a temporary directory removed after each route).
        personnel: per party, its node's personnel file (:mod:`gsomia.node.persons`): who
            may read classified items over HTTP; a party not given: nobody (the cluster's
            own code reads through ``nodes[party].items()``, no person's read). May be
            changed; a node (re)started after the change serves the new file.
        stores: per party, its store URL (:mod:`gsomia.sharing.sqldb`, e.g. a PostgreSQL
            database); a party not given: one SQLite file under ``workdir``.
    """

    def __init__(
        self,
        pki: Path,
        workdir: Path,
        catalog: Catalog,
        routes: Mapping[str, Mapping[str, Route | str]],
        on_warning: Mapping[str, Callable] | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        synchronous: str | None = None,
        personnel: Mapping[str, Personnel] | None = None,
        stores: Mapping[str, str] | None = None,
    ) -> None:
        self.pki = Path(pki)
        self.workdir = Path(workdir)
        self.catalog = catalog
        self.routes = {p: dict(r) for p, r in routes.items()}
        self.on_warning = dict(on_warning or {})
        self.retry = retry or RetryPolicy(base_s=0.02, factor=2.0, max_s=0.5)
        self.parties = tuple(self.routes)
        self.directory = load_directory(self.pki, self.parties)
        self.party_cas = load_party_cas(self.pki, self.parties)
        self.clock = clock or WallClock()
        self.synchronous = synchronous
        self.personnel = dict(personnel or {})
        self.stores = dict(stores or {})
        self.sockets = {p: bind("127.0.0.1", 0) for p in self.parties}
        self.ports = {p: s.getsockname()[1] for p, s in self.sockets.items()}
        self.nodes: dict[str, Node] = {}
        self.servers: dict[str, ThreadedServer] = {}

    @classmethod
    def for_run(cls, workdir: Path, catalog: Catalog,
                routes: Mapping[str, Mapping[str, Route | str]],
                on_warning: Mapping[str, Callable], clock: Clock) -> LiveCluster:
        """A started cluster for one route of ``gsomia run --live`` (the
        :class:`gsomia.sim.delivery.live.ClusterFactory` the CLI passes): a fresh PKI of
        the parties of ``routes`` under ``workdir/pki``, throw-away stores under
        ``workdir`` (SQLite ``synchronous=off``; the caller removes ``workdir``)."""
        workdir = Path(workdir)
        init_pki(workdir / "pki", tuple(routes))
        return cls(workdir / "pki", workdir, catalog, routes, on_warning=on_warning,
                   clock=clock, synchronous="off").start()

    def store_url(self, party: str) -> str:
        """Where ``party``'s store and audit log live (``stores``, else one SQLite
        file)."""
        if party in self.stores:
            return self.stores[party]
        query = "" if self.synchronous is None else f"?synchronous={self.synchronous}"
        return f"sqlite:///{self.workdir / party}.sqlite{query}"

    def url(self, party: str) -> str:
        return f"https://127.0.0.1:{self.ports[party]}"

    def tls(self, party: str) -> TlsFiles:
        return TlsFiles(*tls_paths(self.pki, party))

    def operator_tls(self, party: str) -> TlsFiles:
        """``party``'s operator certificate: the client of its node's administrative
        routes (``POST /v1/warnings``, ``/v1/approvals``); it reads items only as the
        personnel file's ``operator`` entry, if any."""
        return TlsFiles(*operator_paths(self.pki, party))

    def person_tls(self, party: str, person_id: str) -> TlsFiles:
        """The client certificate of ``party``'s person ``person_id`` (issued by the
        party's CA on first use, :func:`gsomia.sharing.pki.issue_person`)."""
        if not (self.pki / party / "persons" / f"{person_id}.crt").exists():
            issue_person(self.pki, party, person_id)
        return TlsFiles(*person_paths(self.pki, party, person_id))

    def _node(self, party: str) -> Node:
        node = Node(
            party, load_party_keys(self.pki, party), self.directory, self.catalog,
            self.store_url(party), self.clock, routes=self.routes[party],
            on_warning=self.on_warning.get(party), retry=self.retry,
        )
        for peer in self.parties:
            if peer != party:
                node.connect(peer, HttpsLink(peer, self.url(peer), self.tls(party)))
        return node

    def _serve(self, party: str) -> None:
        node = self.nodes[party]
        cert, key, cas = tls_paths(self.pki, party)
        app = create_app(node, party_cas=self.party_cas,
                         personnel=self.personnel.get(party))
        config = uvicorn_config(app, cert, key, cas)
        self.servers[party] = ThreadedServer(config, self.sockets[party]).start()

    def start(self) -> LiveCluster:
        for party in self.parties:
            self.nodes[party] = self._node(party)
        for party in self.parties:
            self._serve(party)
        for node in self.nodes.values():
            node.resume()
        return self

    def stop_node(self, party: str) -> None:
        """Stop ``party``'s server and close its node (its port is then refused)."""
        self.servers.pop(party).stop()
        self.nodes.pop(party).close()

    def start_node(self, party: str) -> Node:
        """Start ``party`` again on the same store and port; resume its work."""
        self.sockets[party] = bind("127.0.0.1", self.ports[party])
        self.nodes[party] = self._node(party)
        self._serve(party)
        self.nodes[party].resume()
        return self.nodes[party]

    def stop(self) -> None:
        for party in list(self.servers):
            self.stop_node(party)


def wait_until(done: Callable[[], object], timeout_s: float, poll_s: float = 0.05) -> bool:
    """Poll ``done()`` every ``poll_s`` [s] until it is true or ``timeout_s`` [s] have
    passed (wall clock); its last value, as a bool. For benches and tests of live nodes,
    whose deliveries arrive asynchronously."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(poll_s)
    return bool(done())
