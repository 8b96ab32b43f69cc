"""``gsomia bench audit``: live nodes witness each other's audit logs, then every kind of
tampering of a copy of one node's store is applied and must be detected.

Three live nodes (JPN, KOR, USA; uvicorn on 127.0.0.1 with mutual TLS, as ``gsomia bench
links``) each publish ``n`` missile warnings to both partners; each then signs a
checkpoint (:meth:`gsomia.node.witness.Witness.checkpoint`) and publishes one more, so the
partners cosign it (C2SP tlog-cosignature, in their signed receipts). The servers are
stopped; Korea's store (its audit log in the same SQLite file) is copied once per kind of
tampering, the copy is tampered with, and the verifier (:meth:`AuditLog.verify` with every
checkpoint JPN and USA cosigned, with their cosignatures, checked with the directory's
keys) runs on it.

Kinds: ``edit`` (a record's body), ``delete`` (a record), ``reorder`` (two records
swapped), ``truncate`` (the tail cut), ``truncate_rewrite_head`` (tail cut and the head
row rewritten to match), ``emptied`` (every record and the head gone), ``rechained``
(a record edited, then every hash, the head, the tree and a checkpoint recomputed and
re-signed with Korea's own key: what its operator could do), ``payload_edit`` (a received
item's payload edited in the inbox), ``own_item_edit`` (an own item's payload edited),
``checkpoint_wrong_key`` (a checkpoint of Korea's origin signed by another key),
``checkpoint_wrong_root`` (Korea's key signs a root its log does not have).

Report (``run_audit_bench`` returns it; ``--json`` prints it)::

    {"kinds": {kind: {"detected": bool, "failing": str | None, "reason": str}},
     "intact": {"ok": bool, "reason": str},       # the untampered copy verifies
     "cosigned": {party: {"by_partners": int, "of_partners": int}},
     "checkpoint_size": int, "records": int, "items": int}
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gsomia.node import Node, PartyKeys, WallClock
from gsomia.node.witness import CheckpointPolicy, checkpoint_of, log_origin, witness_name
from gsomia.sharing import Route, translog
from gsomia.sharing.audit import AuditLog, record_hash
from gsomia.sharing.catalog import load_catalog
from gsomia.sharing.envelope import Directory
from gsomia.sharing.pki import init_pki, load_party_keys
from gsomia.web.bench import sample_warning
from gsomia.web.live import LiveCluster, wait_until

__all__ = ["KINDS", "run_audit_bench"]

PARTIES = ("JPN", "KOR", "USA")
TARGET = "KOR"
#: The kinds of tampering, in the report's order.
KINDS = ("edit", "delete", "reorder", "truncate", "truncate_rewrite_head", "emptied",
         "rechained", "payload_edit", "own_item_edit", "checkpoint_wrong_key",
         "checkpoint_wrong_root")
EPOCH = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def _exchange(cluster: LiveCluster, n: int, timeout_s: float) -> None:
    """Each party publishes ``n`` warnings to both partners; wait until all are acked."""
    for i in range(n):
        for party in PARTIES:
            cluster.nodes[party].publish_warning(sample_warning(i, party), send=False)
    for node in cluster.nodes.values():
        node.flush_soon()
    wait_until(lambda: all(node.outbox_counts()["pending"] == 0
                      for node in cluster.nodes.values()), timeout_s)


def run_audit_bench(n: int = 5, timeout_s: float = 30.0,
                    workdir: Path | None = None) -> dict[str, Any]:
    """Run the benchmark (module docstring); all servers are stopped at the end."""
    tmp = Path(workdir or tempfile.mkdtemp(prefix="gsomia-bench-audit-"))
    init_pki(tmp / "pki", PARTIES)
    routes = {p: {q: Route.DIRECT for q in PARTIES if q != p} for p in PARTIES}
    cluster = LiveCluster(tmp / "pki", tmp, load_catalog(), routes).start()
    try:
        for node in cluster.nodes.values():
            node.witness.policy = CheckpointPolicy(every_records=16, every_s=5.0)
        _exchange(cluster, n, timeout_s)
        for node in cluster.nodes.values():
            node.witness.checkpoint()
        _exchange(cluster, 1, timeout_s)  # carries the checkpoints to be cosigned
        directory = cluster.directory
        cosigned = {p: _cosigned(cluster.nodes[p]) for p in PARTIES}
        held = [tuple(row) for p in PARTIES if p != TARGET
                for row in cluster.nodes[p].store.db.fetchall(
                    "SELECT role, party, size, root, note, cosignature, at FROM witness "
                    "WHERE role = 'seen' AND party = ? ORDER BY size", (TARGET,))]
    finally:
        cluster.stop()
    original = tmp / f"{TARGET}.sqlite"
    checkpoints = [translog.add_signature(row[4], row[5]) for row in held if row]
    keys = load_party_keys(tmp / "pki", TARGET)
    report: dict[str, Any] = {"kinds": {}, "cosigned": cosigned}
    with AuditLog(original) as log:
        report["records"] = log.size()
        report["checkpoint_size"] = max((row[2] for row in held if row), default=0)
        report["intact"] = _verdict(log, checkpoints, directory)
    for kind in KINDS:
        copy = tmp / f"{TARGET}-{kind}.sqlite"
        _copy(original, copy)
        report["kinds"][kind] = _TAMPER[kind](copy, checkpoints, directory, keys,
                                              report["checkpoint_size"])
    report["items"] = n + 1
    return report


def _cosigned(node: Node) -> dict[str, int]:
    """How many checkpoints of ``node`` its partners cosigned, and it cosigned of theirs."""
    rows = node.store.db.fetchall(
        "SELECT role, COUNT(*) FROM witness WHERE cosignature IS NOT NULL GROUP BY role")
    counts = dict(rows)
    return {"by_partners": int(counts.get("by", 0)), "of_partners": int(counts.get("seen", 0))}


def _copy(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite file (the backup API: WAL content included)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _verifiers(directory: Directory) -> dict[str, Any]:
    """Note and cosignature keys by name: the target's log key, the partners' witnesses."""
    out: dict[str, Any] = {log_origin(TARGET): directory.get(TARGET).signing}
    for p in PARTIES:
        if p != TARGET:
            out[witness_name(p)] = directory.get(p).signing
    return out


def _verdict(log: AuditLog, checkpoints: list[str], directory: Directory) -> dict[str, Any]:
    result = log.verify(checkpoints=checkpoints, verifiers=_verifiers(directory))
    return {"ok": result.ok, "reason": result.reason, "failing": result.failed_at}


def _log_kind(tamper: Callable[[sqlite3.Connection, int], None]) -> Callable[..., dict]:
    """A kind that edits the copy's audit tables with ``tamper(conn, covered_size)``."""
    def run(copy: Path, checkpoints: list[str], directory: Directory, keys: PartyKeys,
            size: int) -> dict[str, Any]:
        with sqlite3.connect(copy) as conn:
            tamper(conn, size)
        conn.close()
        with AuditLog(copy) as log:
            got = _verdict(log, checkpoints, directory)
        return {"detected": not got["ok"], "failing": got["failing"], "reason": got["reason"]}
    return run


def _edit(conn: sqlite3.Connection, size: int) -> None:
    seq = max(1, size // 2)
    body = json.loads(conn.execute("SELECT body FROM audit WHERE seq = ?", (seq,)).fetchone()[0])
    body["edited"] = True
    conn.execute("UPDATE audit SET body = ? WHERE seq = ?",
                 (json.dumps(body, sort_keys=True, separators=(",", ":")), seq))


def _delete(conn: sqlite3.Connection, size: int) -> None:
    conn.execute("DELETE FROM audit WHERE seq = ?", (max(1, size // 3),))


def _reorder(conn: sqlite3.Connection, size: int) -> None:
    a, b = max(1, size // 4), max(2, size // 4 + 1)
    ra = conn.execute("SELECT at, kind, body, prev_hash, hash FROM audit WHERE seq = ?",
                      (a,)).fetchone()
    rb = conn.execute("SELECT at, kind, body, prev_hash, hash FROM audit WHERE seq = ?",
                      (b,)).fetchone()
    for seq, row in ((a, rb), (b, ra)):
        conn.execute("UPDATE audit SET at = ?, kind = ?, body = ?, prev_hash = ?, hash = ? "
                     "WHERE seq = ?", (*row, seq))


def _truncate(conn: sqlite3.Connection, size: int) -> None:
    conn.execute("DELETE FROM audit WHERE seq > ?", (max(1, size // 2),))


def _truncate_head(conn: sqlite3.Connection, size: int) -> None:
    keep = max(1, size // 2)
    conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))
    last = conn.execute("SELECT hash FROM audit WHERE seq = ?", (keep,)).fetchone()[0]
    conn.execute("UPDATE head SET count = ?, hash = ? WHERE id = 1", (keep, last))
    _drop_tree(conn)


def _emptied(conn: sqlite3.Connection, size: int) -> None:
    conn.execute("DELETE FROM audit")
    conn.execute("DELETE FROM head")
    _drop_tree(conn)


def _drop_tree(conn: sqlite3.Connection) -> None:
    """Remove what the log keeps besides records and head (tree nodes, checkpoints), as
    an attacker covering tracks would: the verifier must not rely on them."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit_%'")]
    for name in names:
        conn.execute(f"DELETE FROM {name}")  # noqa: S608 - names read from the schema


def _rechain(copy: Path, checkpoints: list[str], directory: Directory, keys: PartyKeys,
             size: int) -> dict[str, Any]:
    """Edit a record, recompute the whole chain and head, rebuild the tree from the
    records and sign a fresh checkpoint with the target's own key."""
    with sqlite3.connect(copy) as conn:
        rows = conn.execute("SELECT seq, at, kind, body FROM audit ORDER BY seq").fetchall()
        target = max(1, size // 2)
        prev = "0" * 64
        for seq, at, kind, body in rows:
            if seq == target:
                parsed = json.loads(body)
                parsed["forged"] = True
                body = json.dumps(parsed, sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False)
            digest = record_hash(prev, seq, at, kind, body)
            conn.execute("UPDATE audit SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         (body, prev, digest, seq))
            prev = digest
        conn.execute("UPDATE head SET count = ?, hash = ? WHERE id = 1", (len(rows), prev))
        _drop_tree(conn)
    conn.close()
    with AuditLog(copy) as log:
        log.checkpoint(log_origin(TARGET), keys.signing, log_origin(TARGET),
                       dt.datetime.now(dt.UTC))
        got = _verdict(log, checkpoints, directory)
    return {"detected": not got["ok"], "failing": got["failing"], "reason": got["reason"]}


def _open(copy: Path, directory: Directory, keys: PartyKeys) -> Node:
    return Node(TARGET, keys, directory, load_catalog(), copy, WallClock())


def _edit_payload(copy: Path, table: str, key: str) -> str:
    """Move the impact point of the first item of ``table`` (``inbox`` rows of kind item,
    or ``local_items``) in a store copy, by hand; return its ``key`` column."""
    where = " WHERE kind = 'item'" if table == "inbox" else ""
    with sqlite3.connect(copy) as conn:
        ident, payload = conn.execute(f"SELECT {key}, payload FROM {table}{where} "
                                      "ORDER BY rowid LIMIT 1").fetchone()
        edited = json.loads(payload)
        edited["impact_point"]["lat_deg"] = 35.0
        conn.execute(f"UPDATE {table} SET payload = ? WHERE {key} = ?",
                     (json.dumps(edited, sort_keys=True, separators=(",", ":")), ident))
    conn.close()
    return ident


def _payload_edit(copy: Path, checkpoints: list[str], directory: Directory, keys: PartyKeys,
                  size: int) -> dict[str, Any]:
    """Edit a received item's payload in the inbox; the node must refuse it on read."""
    eid = _edit_payload(copy, "inbox", "envelope_id")
    node = _open(copy, directory, keys)
    try:
        served = {i.envelope_id for i in node.items()}
        flagged = [r.body for r in node.audit.records() if r.kind == "store.tampered"]
    finally:
        node.close()
    detected = eid not in served and any(b.get("envelope_id") == eid for b in flagged)
    return {"detected": detected, "failing": f"inbox {eid}",
            "reason": flagged[0]["reason"] if flagged else "served as genuine"}


def _own_item_edit(copy: Path, checkpoints: list[str], directory: Directory,
                   keys: PartyKeys, size: int) -> dict[str, Any]:
    """Edit an own item's payload; releasing it again must be refused."""
    item_id = _edit_payload(copy, "local_items", "item_id")
    node = _open(copy, directory, keys)
    try:
        ok = node.witness.check_local(item_id, *node.store.local_item(item_id))
        flagged = [r.body for r in node.audit.records() if r.kind == "store.tampered"]
    finally:
        node.close()
    return {"detected": not ok and bool(flagged), "failing": f"local item {item_id}",
            "reason": flagged[0]["reason"] if flagged else "served as genuine"}


def _forged_checkpoint(wrong_key: bool) -> Callable[..., dict[str, Any]]:
    def run(copy: Path, checkpoints: list[str], directory: Directory, keys: PartyKeys,
            size: int) -> dict[str, Any]:
        with AuditLog(copy) as log:
            good = checkpoint_of(checkpoints[0]) if checkpoints else None
            if wrong_key:  # the log's true head, signed by a key that is not Korea's
                signer = PartyKeys.generate(TARGET).signing
                body = translog.Checkpoint(log_origin(TARGET), log.size(),
                                           log.root(log.size())).body()
            else:  # Korea's own key signs a root its log does not have
                signer = keys.signing
                root = bytes(32) if good is None else bytes(b ^ 0xFF for b in good.root)
                body = translog.Checkpoint(log_origin(TARGET), size, root).body()
            note = translog.sign_note(body, log_origin(TARGET), signer)
            got = _verdict(log, [*checkpoints, note], directory)
        return {"detected": not got["ok"], "failing": got["failing"], "reason": got["reason"]}
    return run


_TAMPER: dict[str, Callable[..., dict[str, Any]]] = {
    "edit": _log_kind(_edit),
    "delete": _log_kind(_delete),
    "reorder": _log_kind(_reorder),
    "truncate": _log_kind(_truncate),
    "truncate_rewrite_head": _log_kind(_truncate_head),
    "emptied": _log_kind(_emptied),
    "rechained": _rechain,
    "payload_edit": _payload_edit,
    "own_item_edit": _own_item_edit,
    "checkpoint_wrong_key": _forged_checkpoint(True),
    "checkpoint_wrong_root": _forged_checkpoint(False),
}
