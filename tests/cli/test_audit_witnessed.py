"""``gsomia audit witnessed``: a partner's cosigned checkpoints exported from its store, then
``gsomia audit verify`` of a node's log against them (C2SP tlog-checkpoint,
tlog-cosignature; RFC 9162 §2.1), on real nodes (in-process links, simulated clock)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.node import InProcessLink, Node, SimClock
from gsomia.sharing import load_catalog
from gsomia.sharing.audit import GENESIS, record_hash
from gsomia.sharing.pki import init_pki, load_directory, load_party_keys

runner = CliRunner()
EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)
KOR_SECRET = "군사II급비밀"


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """KOR shared four items with JPN, a checkpoint before each send; JPN cosigned them.
    The stores, and JPN's and KOR's ``sign.pub`` from ``gsomia pki init``."""
    tmp = tmp_path_factory.mktemp("witnessed")
    init_pki(tmp / "pki", ("JPN", "KOR"))
    directory, clock, catalog = load_directory(tmp / "pki"), SimClock(EPOCH), load_catalog()
    kor = Node("KOR", load_party_keys(tmp / "pki", "KOR"), directory, catalog,
               tmp / "KOR.sqlite", clock, routes={"JPN": "direct"})
    jpn = Node("JPN", load_party_keys(tmp / "pki", "JPN"), directory, catalog,
               tmp / "JPN.sqlite", clock)
    kor.connect("JPN", InProcessLink("JPN", jpn, clock, 0.1, sender="KOR"))
    try:
        for i in range(4):
            kor.witness.checkpoint()
            label = kor.create_item({"n": i}, classification=KOR_SECRET,
                                    releasable_to=["JPN"], topic="dprk-missile-threat")
            kor.release(label.item_id, "JPN")
            clock.run()
        assert jpn.witness.health()["incidents"] == 0
    finally:
        kor.close()
        jpn.close()
    return {"KOR": tmp / "KOR.sqlite", "JPN": tmp / "JPN.sqlite",
            "jpn_pub": tmp / "pki" / "JPN" / "sign.pub",
            "kor_pub": tmp / "pki" / "KOR" / "sign.pub"}


def _export(stores, tmp_path: Path) -> tuple[Path, list[str]]:
    note = tmp_path / "kor-by-jpn.note"
    result = run("audit", "witnessed", stores["JPN"], "--party", "kor", "--out", note)
    assert result.exit_code == 0, result.output
    keys = ["--key", f"gsomia.JPN.witness={stores['jpn_pub']}"]
    return note, keys


def _rewrite(copy: Path, truncate_to: int | None, edit: bool) -> None:
    """Truncate (head rewritten to the new end) and/or edit a record, then re-chain every
    hash, the head, and empty the tree and stored checkpoints: a log consistent inside."""
    conn = sqlite3.connect(copy)
    with conn:
        if truncate_to is not None:
            conn.execute("DELETE FROM audit WHERE seq > ?", (truncate_to,))
        if edit:
            conn.execute("UPDATE audit SET body = replace(body, '\"KOR\"', '\"USA\"') "
                         "WHERE seq = 2")
        prev, n = GENESIS, 0
        rows = conn.execute("SELECT seq, at, kind, body FROM audit ORDER BY seq").fetchall()
        conn.execute("DELETE FROM audit")
        for n, (_, at, kind, body) in enumerate(rows, start=1):
            digest = record_hash(prev, n, at, kind, body)
            conn.execute("INSERT INTO audit (seq, at, kind, body, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (n, at, kind, body, prev, digest))
            prev = digest
        conn.execute("UPDATE head SET count = ?, hash = ? WHERE id = 1", (n, prev))
        for table in ("audit_tree", "audit_checkpoints"):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    conn.close()


def test_the_exported_checkpoint_is_cosigned_by_the_witness_and_the_log_passes(
        stores, tmp_path):
    note, keys = _export(stores, tmp_path)
    text = note.read_text(encoding="utf-8")
    assert text.startswith("gsomia.KOR.audit\n")
    assert "\u2014 gsomia.KOR.audit " in text and "\u2014 gsomia.JPN.witness " in text
    size = int(text.splitlines()[1])
    result = run("audit", "verify", stores["KOR"], "--checkpoint", note, *keys,
                 "--key", f"gsomia.KOR.audit={stores['kor_pub']}", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["count"] >= size
    assert data["checkpoints"][0]["checkpoint"] == f"gsomia.KOR.audit size {size}"
    assert data["checkpoints"][0]["signers"] == ["gsomia.KOR.audit", "gsomia.JPN.witness"]


@pytest.mark.parametrize(("truncate", "edit"), [
    pytest.param(True, False, id="truncate-and-rewrite-head"),
    pytest.param(False, True, id="re-chained-forgery"),
])
def test_a_rewritten_log_is_caught_naming_the_partners_checkpoint(stores, tmp_path,
                                                                   truncate, edit):
    note, keys = _export(stores, tmp_path)
    size = int(note.read_text(encoding="utf-8").splitlines()[1])
    copy = tmp_path / "KOR-copy.sqlite"
    shutil.copy(stores["KOR"], copy)
    _rewrite(copy, size - 3 if truncate else None, edit)
    assert run("audit", "verify", copy).exit_code == 0  # consistent inside: only the
    result = run("audit", "verify", copy, "--checkpoint", note, *keys)  # partner sees it
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"FAILED at checkpoint gsomia.KOR.audit size {size}: ")
    why = ("records" if truncate else "history rewritten")
    assert why in result.stderr


def test_every_cosigned_checkpoint_and_the_errors(stores, tmp_path):
    result = run("audit", "witnessed", f"sqlite:///{stores['JPN']}", "--party", "KOR",
                 "--all", "--out", tmp_path / "notes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    sizes = [c["size"] for c in data["checkpoints"]]
    assert len(sizes) >= 3 and sizes == sorted(sizes)
    assert data["witnesses"] == ["gsomia.JPN.witness"]
    files = sorted((tmp_path / "notes").iterdir())
    assert {f.name for f in files} == {f"{s}.note" for s in sizes}
    args = [a for f in files for a in ("--checkpoint", f)]
    ok = run("audit", "verify", stores["KOR"], *args,
             "--key", f"gsomia.JPN.witness={stores['jpn_pub']}")
    assert ok.exit_code == 0, ok.output
    none = run("audit", "witnessed", stores["KOR"], "--party", "JPN")
    assert none.exit_code == 1 and "no checkpoint of gsomia.JPN.audit" in none.stderr
    missing = run("audit", "witnessed", tmp_path / "nope.sqlite", "--party", "KOR")
    assert missing.exit_code == 2 and "STORE" in missing.stderr
    assert not (tmp_path / "nope.sqlite").exists()
    bad = run("audit", "witnessed", stores["JPN"], "--party", "KOREA")
    assert bad.exit_code == 2 and "--party" in bad.stderr


def test_exported_from_a_postgresql_store(stores, tmp_path):
    psycopg = pytest.importorskip("psycopg")
    import uuid

    from gsomia.node import Store

    base = "postgresql://postgres@127.0.0.1:5432/test"
    schema = f"cli_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = f"{base}?schema={schema}"
    try:
        with sqlite3.connect(stores["JPN"]) as src:
            rows = src.execute("SELECT role, party, size, root, note, cosignature, at "
                               "FROM witness").fetchall()
        src.close()
        store = Store(url)  # JPN's witness rows in a PostgreSQL store
        for row in rows:
            store.put_checkpoint(tuple(row))
        store.close()
        note = tmp_path / "pg.note"
        result = run("audit", "witnessed", url, "--party", "KOR", "--out", note)
        assert result.exit_code == 0, result.output
        verified = run("audit", "verify", stores["KOR"], "--checkpoint", note,
                       "--key", f"gsomia.JPN.witness={stores['jpn_pub']}")
        assert verified.exit_code == 0, verified.output
        assert "signed by gsomia.JPN.witness" in verified.stdout
    finally:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()
