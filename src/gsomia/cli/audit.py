"""``gsomia audit …``: check and read the tamper-evident audit log (hash chain and RFC 9162
Merkle tree with signed, cosigned checkpoints; :mod:`gsomia.sharing.audit`).

LOG is a SQLite file, a ``sqlite:///PATH`` URL or a ``postgresql://…[?schema=NAME]`` URL.
Every command first checks that LOG is an audit log (not a directory, SQLite with the
tables of this schema, or a PostgreSQL schema with an ``audit`` table); otherwise it exits
2 naming LOG.

- ``verify`` exits 0 when intact, 1 naming where the check failed (a record, the head, a
  tree node, or a checkpoint: ``<origin> size <n>``), 2 on bad input. ``--checkpoint FILE``
  (repeatable) adds a checkpoint note kept outside the log (a partner's cosigned copy, an
  earlier export): the log must have at least its size and the same root at that size, so
  a truncated, emptied or wholly rewritten log fails. ``--key NAME=PUBFILE`` (repeatable)
  names the Ed25519 public key (PEM) of the log's signer or of a witness (NAME a C2SP
  signed-note key name: printable, no spaces or '+'; else exit 2); when given, each
  ``--checkpoint`` must be signed or cosigned by one of them. Each checkpoint's line says
  which keys verified it; a ``--key`` that verified nothing is warned about (stderr, and
  ``warnings`` in ``--json``). Without a key for it, a checkpoint's signature is not
  checked: it is still compared with the log but reported "unverified: signature not
  checked: no --key for <name>", and a mismatch says that either the checkpoint or the
  log is not genuine (a key tells which); ``--require-signed`` makes an unverified
  checkpoint an error. A checkpoint of another log (its origin line is not the log's
  origin: ``--origin``, else that of the latest stored checkpoint) fails as "checkpoint of
  log <other>, not of this log (<origin>)".
- ``checkpoint --out FILE`` writes the latest stored checkpoint note with its
  cosignatures (exit 1 when the log has none).
- ``witnessed STORE --party KOR [--out FILE] [--all]`` exports, from a node's store (SQLite
  file, ``sqlite:///`` or ``postgresql://`` URL), the latest checkpoint (``--all``: every
  one; ``--out`` then names a folder, one ``<size>.note`` each) of the partner's audit log
  that this node cosigned as its witness: a C2SP signed note with the partner log's own
  signature and this node's cosignature (``gsomia.<PARTY>.witness``, C2SP
  tlog-cosignature). An auditor checks a node's log against what its partners cosigned
  with ``gsomia audit verify LOG --checkpoint FILE --key gsomia.JPN.witness=SIGN_PUB``
  (``SIGN_PUB``: the witness party's ``sign.pub`` from ``gsomia pki init``; add
  ``--key gsomia.KOR.audit=KOR_SIGN_PUB`` to check the log's own signature too): a log
  truncated, emptied or rewritten (even re-chained consistently) below the cosigned size
  fails, naming ``checkpoint gsomia.KOR.audit size <n>``. Exit 1 when it cosigned none.
- ``proof --seq N`` prints the inclusion proof of record N, checked for the leaf
  recomputed from the record's content (an edited record fails, exit 1); ``proof --old M``
  the consistency proof from the first M records; ``--size`` the tree size (default:
  all). Exit 1 when the proof does not verify.
- ``show`` lists the records without verifying them; a record whose body is not JSON is
  an error naming it (exit 2).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gsomia.cli._app import app, guarded, print_json
from gsomia.cli.agreement import say
from gsomia.errors import InputError, StoreError
from gsomia.node.witness import cosigned_notes, log_origin
from gsomia.sharing.audit import open_log, verify_log
from gsomia.sharing.audit_hash import canonical_json, record_hash
from gsomia.sharing.audit_tree import record_leaf
from gsomia.sharing.markings import party_code
from gsomia.sharing.sqldb import Database
from gsomia.sharing.translog import (
    encode_hashes,
    split_note,
    verify_consistency,
    verify_inclusion,
)

__all__ = ["audit_app"]

audit_app = typer.Typer(
    name="audit",
    help="The audit log: verify that no record was edited, deleted or reordered, and that "
    "the log still matches the checkpoints its partners cosigned.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
LogArg = Annotated[str, typer.Argument(
    metavar="LOG", help="SQLite file, sqlite:///PATH or postgresql://… URL.")]


def _read_checkpoints(files: list[Path]) -> list[str]:
    out = []
    for i, file in enumerate(files):
        try:
            out.append(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--checkpoint[{i}]", str(file), f"cannot read: {exc}") from None
    return out


def _read_keys(items: list[str]) -> dict[str, Ed25519PublicKey]:
    """``NAME=PUBFILE`` → ``{NAME: key}`` (PEM SubjectPublicKeyInfo, Ed25519)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for item in items:
        name, sep, file = item.partition("=")
        if not sep or not name or not file:
            raise InputError("--key", item, "expected NAME=PUBFILE")
        if not name.isprintable() or any(c.isspace() or c == "+" for c in name):
            # C2SP signed-note: a key name is non-empty, printable, without spaces or '+'
            raise InputError("--key", item, f"{name!r} is not a signed-note key name "
                             "(non-empty, printable, no spaces or '+')")
        try:
            key = serialization.load_pem_public_key(Path(file).read_bytes())
        except (OSError, ValueError) as exc:
            raise InputError("--key", item, f"cannot read a PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InputError("--key", item, "expected an Ed25519 public key")
        keys[name] = key
    return keys


@audit_app.command("verify")
@guarded
def verify_command(
    log: LogArg,
    checkpoint: Annotated[list[Path] | None, typer.Option(
        "--checkpoint", metavar="FILE", help="A checkpoint note kept outside the log "
        "(repeatable).")] = None,
    key: Annotated[list[str] | None, typer.Option(
        "--key", metavar="NAME=PUBFILE", help="Ed25519 public key (PEM) of the log's "
        "signer or a witness (repeatable).")] = None,
    origin: Annotated[str | None, typer.Option(
        "--origin", help="The log's own origin (e.g. gsomia.KOR.audit); default: that of "
        "its latest stored checkpoint.")] = None,
    require_signed: Annotated[bool, typer.Option(
        "--require-signed", help="A checkpoint with no signature verified by a --key is "
        "an error (default: used, reported unverified).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Verify the log at LOG, against checkpoints kept outside it when given.

    Records after the largest checkpoint given are vouched for by none: a warning says
    which (a deletion among them is caught only by a later checkpoint).

    Exit codes: 0 intact; 1 a record, the head, a tree node or a checkpoint fails (named);
    2 LOG is not an audit log, or a bad --checkpoint/--key/--origin.
    """
    notes = _read_checkpoints(checkpoint or [])
    if origin is not None and (not origin or "\n" in origin):
        raise InputError("--origin", origin, "expected a log origin (one non-empty line)")
    result = verify_log(log, "LOG", notes, _read_keys(key or []), origin, require_signed)
    warnings = [f"--key {name} verified no signature of any checkpoint"
                for name in result.unused_keys]
    given = [c.size for c in result.checkpoints[:len(notes)] if c.ok and c.size is not None]
    if given and max(given) < result.count:  # a stored checkpoint is no outside evidence
        warnings.append(f"records {max(given) + 1}..{result.count} are covered by no "
                        "checkpoint given: a later one cosigned by a partner (gsomia audit "
                        "witnessed) is needed to vouch for them")
    if as_json:
        print_json(result.to_dict() | {"warnings": warnings})
    elif result.ok:
        say(f"intact: {result.count} records, root {result.root}, head {result.head}")
        for check in result.checkpoints:
            signers = f" (signed by {', '.join(check.signers)}: verified)" if check.signers else ""
            say(f"checkpoint {check.label}: {check.reason}{signers}")
    else:
        say(f"FAILED at {result.failed_at}: {result.reason}", err=True)
    for warning in warnings:
        say(f"warning: {warning}", err=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
@guarded
def checkpoint_command(
    log: LogArg,
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="Where to write it.")],
) -> None:
    """Write the latest stored checkpoint note of LOG (with its cosignatures) to FILE.

    Exit codes: 0 written; 1 the log has no checkpoint; 2 LOG is not an audit log or FILE
    cannot be written.
    """
    with open_log(log, "LOG") as opened:
        note = opened.latest_checkpoint()
    if note is None:
        say(f"no checkpoint stored in {log}", err=True)
        raise typer.Exit(1)
    try:
        out.write_text(note, encoding="utf-8")
    except OSError as exc:
        raise InputError("--out", str(out), f"cannot write: {exc}") from None
    say(f"wrote {out}: {note.splitlines()[0]} size {note.splitlines()[1]}")


def _open_store(target: str) -> Database:
    """A node's store for reading: an existing SQLite file (nothing created) or a
    PostgreSQL URL.

    Raises:
        InputError: naming ``STORE``: no such file, or it cannot be opened.
    """
    if not target.startswith(("postgresql://", "postgres://")):
        path = target.removeprefix("sqlite:///").split("?", 1)[0]
        if not Path(path).is_file():
            raise InputError("STORE", target, "no such SQLite file")
    try:
        return Database(target)
    except StoreError as exc:
        raise InputError("STORE", target, f"cannot open: {exc.reason}") from None


@audit_app.command("witnessed")
@guarded
def witnessed_command(
    store: Annotated[str, typer.Argument(
        metavar="STORE", help="The witnessing node's store: SQLite file, sqlite:///PATH or "
        "postgresql://… URL.")],
    party: Annotated[str, typer.Option("--party", help="The partner whose audit log this "
                                       "node cosigned (e.g. KOR).")],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE", help="Write the note here (with --all: a folder, one "
        "<size>.note per checkpoint); default: print it.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every checkpoint cosigned, not only "
                                        "the latest.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Export the checkpoints of PARTY's audit log that the node of STORE cosigned, each
    with PARTY's signature and this node's cosignature, for ``gsomia audit verify LOG
    --checkpoint FILE --key gsomia.<WITNESS>.witness=SIGN_PUB``.

    Exit codes: 0 written; 1 this node cosigned no checkpoint of PARTY; 2 STORE is not a
    node store, a bad --party, or FILE cannot be written.
    """
    code = party_code("--party", party)
    db = _open_store(store)
    try:
        notes = cosigned_notes(db, code)
    except StoreError as exc:
        raise InputError("STORE", store, f"not a node store: {exc.reason}") from None
    finally:
        db.close()
    if not notes:
        say(f"{store} holds no checkpoint of {log_origin(code)} cosigned by it", err=True)
        raise typer.Exit(1)
    chosen = notes if every else notes[-1:]
    files = _write_notes(chosen, out, every)
    if as_json:
        witnesses = sorted({sig.name for _, note in chosen for sig in split_note(note)[1]}
                           - {log_origin(code)})
        print_json({"party": code, "origin": log_origin(code), "witnesses": witnesses,
                    "checkpoints": [{"size": size, "note": note, "file": f}
                                    for (size, note), f in zip(chosen, files, strict=True)]})
    elif out is None:
        say("\n".join(note for _, note in chosen).rstrip("\n"))
    else:
        for (size, _), file in zip(chosen, files, strict=True):
            say(f"wrote {file}: {log_origin(code)} size {size}")


def _write_notes(notes: list[tuple[int, str]], out: Path | None, every: bool
                 ) -> list[str | None]:
    """Write ``notes`` to ``out`` (a file; with ``every`` a folder); their paths."""
    if out is None:
        return [None] * len(notes)
    try:
        if not every:
            out.write_text(notes[0][1], encoding="utf-8")
            return [str(out)]
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for size, note in notes:
            (out / f"{size}.note").write_text(note, encoding="utf-8")
            files.append(str(out / f"{size}.note"))
        return files
    except OSError as exc:
        raise InputError("--out", str(out), f"cannot write: {exc}") from None


@audit_app.command("proof")
@guarded
def proof_command(
    log: LogArg,
    seq: Annotated[int | None, typer.Option("--seq", help="Record number (1-based): its "
                                            "inclusion proof.")] = None,
    old: Annotated[int | None, typer.Option("--old", help="Older tree size: the consistency "
                                            "proof from it.")] = None,
    size: Annotated[int | None, typer.Option("--size", help="Tree size (default: all "
                                             "records).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print an RFC 9162 inclusion (``--seq``) or consistency (``--old``) proof from LOG.

    The inclusion proof is checked for the leaf recomputed from record N's content (seq,
    at, kind, body, prev_hash; RFC 9162 §2.1.3.2), not its stored hash, so an edited record
    fails.

    Exit codes: 0 printed and it verifies; 1 printed but it does not verify (the record's
    content does not match its stored hash, or it is not in the tree); 2 LOG not an audit
    log, or a number out of range.
    """
    if (seq is None) == (old is None):
        raise InputError("--seq/--old", [seq, old], "give exactly one of them")
    why = ""
    with open_log(log, "LOG") as opened:
        n = opened.size() if size is None else size
        root = opened.root(n)
        if seq is not None:
            if not 1 <= seq <= n:
                raise InputError("--seq", seq, f"expected a record in 1..{n}")
            record = next(r for r in opened.records() if r.seq == seq)
            content = record_hash(record.prev_hash, record.seq, record.at, record.kind,
                                  canonical_json(record.body))
            proof = opened.inclusion_proof(seq - 1, n)
            ok = verify_inclusion(record_leaf(content), seq - 1, n, proof, root)
            data = {"kind": "inclusion", "seq": seq, "leaf_index": seq - 1,
                    "record_hash": record.hash, "content_hash": content}
            if content != record.hash:
                why = (f"record {seq}: its content does not match its stored hash (edited); "
                       "the proof is for the leaf of its content")
            elif not ok:
                why = f"record {seq}: its hash is not the leaf of the tree at {seq - 1}"
        else:
            assert old is not None
            proof = opened.consistency_proof(old, n)
            ok = verify_consistency(old, n, opened.root(old), root, proof)
            why = "" if ok else f"the tree at size {old} is not a prefix of the tree at {n}"
            data = {"kind": "consistency", "old_size": old,
                    "old_root": base64.b64encode(opened.root(old)).decode()}
    data |= {"size": n, "root": base64.b64encode(root).decode(),
             "proof": encode_hashes(proof), "verifies": ok}
    if why:
        data["reason"] = why
    if as_json:
        print_json(data)
    else:
        for name, value in data.items():
            say(f"{name}: {value}")
    if not ok or why:
        say(f"FAILED: {why}", err=True)
        raise typer.Exit(1)


@audit_app.command("show")
@guarded
def show_command(log: LogArg, as_json: JsonOpt = False) -> None:
    """List the records of the log at LOG (without verifying them).

    Exit codes: 0 listed; 2 LOG is not an audit log, or a record's body is not JSON.
    """
    with open_log(log, "LOG") as opened:
        records = list(opened.records())
    if as_json:
        print_json(
            [
                {"seq": r.seq, "at": r.at, "kind": r.kind, "body": r.body, "hash": r.hash}
                for r in records
            ]
        )
        return
    for r in records:
        say(f"{r.seq:>5} {r.at} {r.kind:<22} {r.hash[:16]}")
