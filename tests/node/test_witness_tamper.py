"""Any tampering of a copy of a node's store, within what its partner cosigned, is detected
by ``AuditLog.verify`` with the partner's cosigned checkpoints (Hypothesis)."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import EPOCH, warning

from gsomia.node import Directory, InProcessLink, Node, PartyKeys, SimClock
from gsomia.node.witness import log_origin, witness_name
from gsomia.sharing import load_catalog, translog
from gsomia.sharing.audit import GENESIS, AuditLog, record_hash


@pytest.fixture(scope="module")
def cosigned_log(tmp_path_factory):
    """KOR's store after 5 warnings to JPN (JPN cosigned its checkpoints), the notes with
    JPN's cosignatures, the verifiers and the size covered."""
    tmp = tmp_path_factory.mktemp("tamper")
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    directory = Directory(k.public() for k in keys.values())
    clock = SimClock(EPOCH)
    catalog = load_catalog()
    kor = Node("KOR", keys["KOR"], directory, catalog, tmp / "KOR.sqlite", clock,
               routes={"JPN": "direct"})
    jpn = Node("JPN", keys["JPN"], directory, catalog, tmp / "JPN.sqlite", clock)
    kor.connect("JPN", InProcessLink("JPN", jpn, clock, 0.1, sender="KOR"))
    for i in range(5):
        kor.witness.checkpoint()
        kor.publish_warning(warning(f"T{i}"))
        clock.run()
    rows = jpn.store.db.fetchall("SELECT note, cosignature, size FROM witness "
                                 "WHERE role = 'seen' AND party = 'KOR' ORDER BY size")
    kor.close()
    jpn.close()
    notes = [translog.add_signature(note, line) for note, line, _ in rows]
    verifiers = {log_origin("KOR"): keys["KOR"].signing.public_key(),
                 witness_name("JPN"): keys["JPN"].signing.public_key()}
    return tmp / "KOR.sqlite", notes, verifiers, max(r[2] for r in rows)


_TAMPER = st.one_of(
    st.tuples(st.just("edit"), st.floats(0, 1), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.none()),
    st.tuples(st.just("swap"), st.floats(0, 1), st.floats(0, 1)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.booleans()),
)


def _apply(conn: sqlite3.Connection, size: int, tamper: tuple, rechain: bool) -> None:
    kind, x, y = tamper
    seq = 1 + int(x * (size - 1))
    if kind == "edit":
        body = json.loads(conn.execute("SELECT body FROM audit WHERE seq = ?",
                                       (seq,)).fetchone()[0])
        body["tampered"] = y
        conn.execute("UPDATE audit SET body = ? WHERE seq = ?",
                     (json.dumps(body, sort_keys=True, separators=(",", ":")), seq))
    elif kind == "delete":
        conn.execute("DELETE FROM audit WHERE seq = ?", (seq,))
    elif kind == "swap":
        other = 1 + int(y * (size - 1))
        if other == seq:
            other = seq + 1 if seq < size else seq - 1
        for a, b in ((seq, -1), (other, seq), (-1, other)):
            conn.execute("UPDATE audit SET seq = ? WHERE seq = ?", (b, a))
    else:
        conn.execute("DELETE FROM audit WHERE seq >= ?", (seq,))
        if y:  # the head rewritten to the new end
            last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
                                ).fetchone() or (0, GENESIS)
            conn.execute("UPDATE head SET count = ?, hash = ? WHERE id = 1", last)
    if rechain:  # every hash, the head and the tree recomputed consistently
        prev, n = GENESIS, 0
        rows = conn.execute("SELECT seq, at, kind, body FROM audit ORDER BY seq").fetchall()
        conn.execute("DELETE FROM audit")
        for n, (_, at, kind_, body) in enumerate(rows, start=1):
            digest = record_hash(prev, n, at, kind_, body)
            conn.execute("INSERT INTO audit (seq, at, kind, body, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (n, at, kind_, body, prev, digest))
            prev = digest
        conn.execute("UPDATE head SET count = ?, hash = ? WHERE id = 1", (n, prev))
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                    "AND name LIKE 'audit\\_%' ESCAPE '\\'").fetchall():
            conn.execute(f"DELETE FROM {name}")  # noqa: S608 - names from the schema


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tamper=_TAMPER, rechain=st.booleans())
def test_any_tampering_of_the_covered_records_is_detected(cosigned_log, tamper, rechain):
    path, notes, verifiers, size = cosigned_log
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.sqlite"
        with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        src.close()
        with dst:
            _apply(dst, size, tamper, rechain)
        dst.close()
        with AuditLog(copy) as log:
            result = log.verify(checkpoints=notes, verifiers=verifiers)
    assert not result.ok, (tamper, rechain, result)
    assert result.failed_at


def test_the_untampered_copy_verifies(cosigned_log):
    path, notes, verifiers, size = cosigned_log
    assert size > 10 and len(notes) >= 2
    with AuditLog(path) as log:
        result = log.verify(checkpoints=notes, verifiers=verifiers)
    assert result.ok, result
