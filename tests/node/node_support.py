"""Helpers of the node tests: three nodes (JPN, KOR, USA) in one process on a SimClock."""

from __future__ import annotations

import datetime as dt
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

EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)
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

    def restart(self, party: str) -> Node:
        """Close ``party``'s node and open a new one on the same store and audit files."""
        old = self.nodes[party]
        store, audit = old.store.path, str(old.audit.path)
        old.close()
        node = make_node(party, old.keys, old.directory, old.catalog, self, store, audit,
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


@pytest.fixture
def net(tmp_path, catalog, party_keys) -> Net:
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
                               tmp_path / f"{p}.sqlite", tmp_path / f"{p}.audit.sqlite",
                               routes[p])
    for a in PARTIES:
        for b in PARTIES:
            if a != b:
                link = InProcessLink(b, n.nodes[b], clock, DELAY_S)
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
