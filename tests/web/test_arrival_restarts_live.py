"""Live nodes (uvicorn on 127.0.0.1, mutual TLS, wall clock): the receiver restarted many
times in quick succession while the sender publishes, on SQLite and (``services``) on a
PostgreSQL database whose connections are killed (``pg_terminate_backend``) during the
arrivals; its subscriber gets every warning once, in the order published."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from gsomia.sharing import Route, load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.bench import sample_warning
from gsomia.web.live import LiveCluster, wait_until

POSTGRESQL = "postgresql://127.0.0.1:5432/postgres"
N = 300


@pytest.fixture
def jpn_store(request, tmp_path) -> Iterator[str | None]:
    """None (SQLite file) or a fresh PostgreSQL database, dropped after the test."""
    if request.param == "sqlite":
        yield None
        return
    psycopg = pytest.importorskip("psycopg")
    name = f"gsomia_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRESQL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRESQL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _killer(url: str, stop: threading.Event, pause: threading.Event) -> threading.Thread:
    """A thread that kills every connection to ``url``'s database every 50 ms, except
    while ``pause`` is set (a node being started: its store opened)."""
    import psycopg

    name = url.rsplit("/", 1)[1]

    def run() -> None:
        with psycopg.connect(POSTGRESQL, autocommit=True) as admin:
            while not stop.is_set():
                if pause.is_set():
                    stop.wait(0.01)
                    continue
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                stop.wait(0.05)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
@pytest.mark.parametrize("jpn_store", ["sqlite", pytest.param(
    "postgresql", marks=pytest.mark.services)], indirect=True)
def test_restarts_in_quick_succession_deliver_once_in_order(tmp_path, jpn_store):
    init_pki(tmp_path / "pki", ("KOR", "JPN"))
    got: list[str] = []
    lock = threading.Lock()

    def on_jpn(_, item) -> None:
        with lock:
            got.append(item.item_id)

    cluster = LiveCluster(tmp_path / "pki", tmp_path, load_catalog(),
                          {"KOR": {"JPN": Route.DIRECT}, "JPN": {"KOR": Route.DIRECT}},
                          on_warning={"JPN": on_jpn}, batch=16,
                          stores={} if jpn_store is None else {"JPN": jpn_store}).start()
    stop, pause = threading.Event(), threading.Event()
    killer = None if jpn_store is None else _killer(jpn_store, stop, pause)
    try:
        kor = cluster.nodes["KOR"]
        sent = []
        for i in range(N):
            if i % 40 == 20:  # stopped and started again, 7 times
                pause.set()
                cluster.stop_node("JPN")
                cluster.start_node("JPN")
                pause.clear()
            [rel] = kor.publish_warning(sample_warning(i, "KOR"), send=False)
            sent.append(rel.item_id)
            kor.flush_soon()
            time.sleep(0.002)
        stop.set()

        def all_there() -> bool:
            kor.flush_soon()
            with lock:
                return len(got) >= N

        assert wait_until(all_there, 120.0, poll_s=0.2)
        time.sleep(0.5)  # nothing more comes
        with lock:
            assert len(got) == len(set(got)) == N  # once each
            assert got == sent  # in the order published
        assert kor.outbox_counts()["pending"] == 0
    finally:
        stop.set()
        if killer is not None:
            killer.join(5.0)
        cluster.stop()
