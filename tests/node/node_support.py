"""Helpers of the node tests: three nodes (JPN, KOR, USA) in one process on a SimClock,
each on a SQLite file or (``services`` mark) on a PostgreSQL schema of a database made for
this test run and dropped after it."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gsomia.node import (
    Directory,
    InProcessLink,
    MissileWarning,
    Node,
    PartyKeys,
    ReceivedItem,
    SimClock,
)
from gsomia.sharing import Catalog, load_catalog
from gsomia.sharing.sqldb import Database

EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)
#: The PostgreSQL server of this machine kind (trust authentication); override with
#: GSOMIA_TEST_POSTGRESQL.
POSTGRESQL = os.environ.get("GSOMIA_TEST_POSTGRESQL", "postgresql://127.0.0.1:5432/postgres")
_SCHEMAS = itertools.count(1)
PARTIES = ("JPN", "KOR", "USA")
DELAY_S = 0.5


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def party_keys() -> dict[str, PartyKeys]:
    return {p: PartyKeys.generate(p) for p in PARTIES}


@dataclass
class Net:
    clock: SimClock
    nodes: dict[str, Node]
    links: dict[tuple[str, str], InProcessLink]
    got: dict[str, list[tuple[float, MissileWarning, ReceivedItem]]] = field(default_factory=dict)
    tmp: Path = Path(".")

    def restart(self, party: str, store: str | None = None) -> Node:
        """Close ``party``'s node and open a new one on the same database (store + audit),
        reached at ``store`` if given (the same database by another URL)."""
        old = self.nodes[party]
        store = store or old.store.url
        old.close()
        node = make_node(party, old.keys, old.directory, old.catalog, self, store, None,
                         old.routes)
        self.nodes[party] = node
        for (a, b), link in self.links.items():
            if b == party:
                link.receiver = node
            if a == party:
                node.connect(b, link)
        node.resume()
        return node


def make_node(party, keys, directory, catalog, net, store, audit, routes) -> Node:
    return Node(
        party, keys, directory, catalog, store, net.clock, audit=audit, routes=routes,
        on_warning=lambda w, item: net.got[party].append((net.clock.now_s(), w, item)),
    )


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A fresh database for this test run (URL); dropped afterwards. Skips when the
    server cannot be reached."""
    psycopg = pytest.importorskip("psycopg")
    name = f"gsomia_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRESQL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRESQL}: {str(exc).strip()}")
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRESQL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def database_url(request, tmp_path) -> Callable[[str], str]:
    """``url(name)``: where a node's database goes, for each backend."""
    if request.param == "sqlite":
        return lambda name: f"sqlite:///{tmp_path / name}.sqlite"
    base = request.getfixturevalue("postgresql_database")
    run = next(_SCHEMAS)
    return lambda name: f"{base}?schema=t{run}_{name.lower()}"


@pytest.fixture
def net(tmp_path, catalog, party_keys, database_url) -> Net:
    clock = SimClock(EPOCH)
    directory = Directory(k.public() for k in party_keys.values())
    n = Net(clock, {}, {}, {p: [] for p in PARTIES}, tmp_path)
    routes = {
        "KOR": {"JPN": "direct", "USA": "direct"},
        "JPN": {"KOR": "direct", "USA": "direct"},
        "USA": {"JPN": "direct", "KOR": "direct"},
    }
    for p in PARTIES:
        n.nodes[p] = make_node(p, party_keys[p], directory, catalog, n,
                               database_url(p), None, routes[p])
    for a in PARTIES:
        for b in PARTIES:
            if a != b:
                link = InProcessLink(b, n.nodes[b], clock, DELAY_S, sender=a)
                n.links[(a, b)] = link
                n.nodes[a].connect(b, link)
    yield n
    for node in n.nodes.values():
        node.close()


def warning(track: str = "T1", t_s: float = 10.0) -> MissileWarning:
    return MissileWarning(
        track, EPOCH, t_s,
        launch_point={"lat_deg": 39.0, "lon_deg": 125.7, "launch_s": 0.0,
                      "launch_sigma_s": 2.0, "cov_en_m2": [[4e6, 0.0], [0.0, 4e6]]},
        impact_point={"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0,
                      "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                      "valid": True},
    )


_REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN {when} "
               "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF {when} THEN "
        "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
_ALLOW = {"sqlite": ["DROP TRIGGER refuse"],
          "postgresql": ["DROP TRIGGER refuse ON outbox", "DROP FUNCTION refuse()"]}


def refuse(db: Database, when: str) -> None:
    """Make ``db`` refuse every outbox row for which the SQL condition ``when`` holds
    (on ``NEW``), as a database that fails mid-transaction."""
    for sql in _REFUSE[db.dialect]:
        db.execute(sql.replace("{when}", when))


def allow(db: Database) -> None:
    """Undo :func:`refuse`."""
    for sql in _ALLOW[db.dialect]:
        db.execute(sql)


def refuse_writes(db: Database, event: str, table: str, when: str = "TRUE") -> None:
    """Make ``db`` refuse ``event`` (``INSERT`` or ``UPDATE``) on ``table`` for the rows
    where the SQL condition ``when`` on ``NEW`` holds, as a full disk or a failing server
    would: a trigger named ``refuse`` (SQLite, or PostgreSQL with its function), removed
    by :func:`allow_writes`."""
    if db.dialect == "sqlite":
        db.execute(f"CREATE TRIGGER refuse BEFORE {event} ON {table} WHEN {when} "
                   "BEGIN SELECT RAISE(ABORT, 'disk refused'); END")
        return
    db.execute(f"CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF {when} THEN "
               "RAISE EXCEPTION 'disk refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
    db.execute(f"CREATE TRIGGER refuse BEFORE {event} ON {table} FOR EACH ROW "
               "EXECUTE FUNCTION refuse()")


def allow_writes(db: Database, table: str) -> None:
    """Undo :func:`refuse_writes` on ``table``."""
    if db.dialect == "sqlite":
        db.execute("DROP TRIGGER refuse")
        return
    db.execute(f"DROP TRIGGER refuse ON {table}")
    db.execute("DROP FUNCTION refuse()")


def queue_direct_batch(net: Net, n: int, track: Callable[[int], str] = "T{}".format
                       ) -> list[str]:
    """At 10 s, KOR's ``n`` warnings to JPN on the direct route, queued unsent on a link
    of batches (``track(i)``, ``t_s`` = 10 + i); their item ids, in order."""
    from gsomia.node.links import MAX_BATCH_ENVELOPES

    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    net.links[("KOR", "JPN")].max_batch = MAX_BATCH_ENVELOPES
    net.clock.advance_to(10.0)
    return [kor.publish_warning(warning(track(i), 10.0 + i), send=False)[0].item_id
            for i in range(n)]
