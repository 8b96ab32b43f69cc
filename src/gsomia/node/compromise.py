"""Loss or compromise of an item (Art. 17): the holder's report, the originator's case,
the Receiving Party's investigation and closure, each reported to the originator.

A holder (the Receiving Party) reports a loss or compromise, or a possible one, of an item
it holds (:meth:`Compromises.report`): the case is opened in its store (``cases``, side
``holder``) and the report, signed by the holder (kind ``compromise``), is queued at once
to the Originating Party over the route the item came by (through the hub of a hub route),
in one transaction with its audit records (``compromise_reported``, Art. 17: "reported to
the Originating Party immediately"). The originator's node checks it (signed by the holder
it names, about an item this party originated) and opens its own case (side
``originator``). The holder then records the investigation's results and preventive
measures (:meth:`Compromises.investigate`) and the closure (:meth:`Compromises.close`);
each goes to the originator signed (kind ``investigation``, stage ``investigation`` or
``closure``), where the case follows. Only the Receiving Party investigates (Art. 17): the
originator's side of a case is read-only. Every step is audited at both ends.

A partner's **audit log** is a scope of its own (:data:`AUDIT_LOG`): when this node, as the
partner's witness, is shown a checkpoint inconsistent with one it cosigned
(:mod:`gsomia.node.witness`), :meth:`Compromises.report_log` opens a case about that log
(``item_id`` the log's origin :func:`~gsomia.node.witness.log_origin`, ``originator``
the partner, ``possible``: true) and reports it at once, signed, to that partner directly
(kind ``compromise`` with ``"scope": "audit log"``), where a case of the same id is opened
on its side; further incidents while the case is open add to its history. The detecting
node investigates and closes it as for an item (Art. 17, by analogy: a possible
compromise of the record of what was shared).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from gsomia.errors import EnvelopeError, InputError, SharingError
from gsomia.node.actions import Actions, control_row
from gsomia.node.context import NodeContext
from gsomia.node.custody import Custody
from gsomia.node.outbox import Outbox
from gsomia.node.witness import log_origin
from gsomia.schemas.custody import MAX_CASE_TEXT
from gsomia.sharing.envelope import Header, Signed, label_from_dict, sign
from gsomia.sharing.events import CompromiseReport, investigate, report_compromise
from gsomia.sharing.label import parse_time
from gsomia.sharing.routes import Route

__all__ = ["AUDIT_LOG", "Compromises", "case_text"]

#: The ``scope`` of a case about a partner's audit log (an item's case: ``"item"``).
AUDIT_LOG = "audit log"

_STAGES = {"investigation": "investigated", "closure": "closed"}


class Compromises:
    """The Art. 17 workflow at one node (module docstring).

    Parameters:
        ctx: the node's shared state; outbox: where reports are queued; custody: how a
            report reaches the originator; actions: whose receiving side hands this part
            the ``compromise`` and ``investigation`` messages.
    """

    def __init__(self, ctx: NodeContext, outbox: Outbox, custody: Custody,
                 actions: Actions) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.custody = custody
        actions.handlers["compromise"] = self._on_report
        actions.handlers["investigation"] = self._on_result

    def cases(self, case_id: str | None = None) -> list[dict[str, Any]]:
        """Every case at this node (or the one ``case_id``), oldest first: ``{"case_id",
        "item_id", "originator", "holder", "side", "possible", "what", "discovered_at",
        "reported_at", "status", "findings", "preventive_measures", "closed_at",
        "history": [{"step", "at", ...}], "scope"}`` (``scope``: ``"item"``, or
        :data:`AUDIT_LOG` for a case about the ``originator``'s audit log, whose
        ``item_id`` is that log's origin)."""
        with self.ctx.ledger.lock:
            found = self.ctx.ledger.store.cases(case_id)
        return [{**c, "scope": _scope(c)} for c in found]

    def report_log(self, party: str, what: str, at: dt.datetime) -> dict[str, Any]:
        """Open a case about ``party``'s audit log and report it to ``party`` at once, or
        add to the open one (module docstring); return the case. Called by the witness
        inside its transaction (:attr:`gsomia.node.witness.Witness.on_incident`)."""
        ctx, store = self.ctx, self.ctx.ledger.store
        item_id = log_origin(party)
        with ctx.ledger.transaction():
            for case in store.cases():
                if case["item_id"] == item_id and case["side"] == "holder" \
                        and case["status"] == "open":
                    case["history"].append({"step": "incident", "at": at.isoformat(),
                                            "text": what})
                    store.put_case(case)
                    return {**case, "scope": AUDIT_LOG}
            case = {
                "case_id": f"case-{uuid.uuid4().hex[:16]}", "item_id": item_id,
                "originator": party, "holder": ctx.party, "side": "holder",
                "possible": True, "what": what, "discovered_at": at.isoformat(),
                "reported_at": at.isoformat(), "status": "open", "findings": None,
                "preventive_measures": None, "closed_at": None,
                "history": [{"step": "reported", "at": at.isoformat()}],
            }
            body = {k: case[k] for k in ("case_id", "item_id", "originator", "holder",
                                         "possible", "what", "discovered_at",
                                         "reported_at")}
            store.put_case(case)
            t = ctx.clock.now_s()
            self.outbox.enqueue(
                sign(ctx.keys, "compromise", {**body, "scope": AUDIT_LOG}, at), peer=party,
                final=party, route=Route.DIRECT, stream=f"control:{ctx.party}",
                kind="compromise", item_id=item_id, now=(t, at),
                audit=[("compromise_reported", {
                    "case_id": case["case_id"], "item_id": None, "log": item_id,
                    "scope": AUDIT_LOG, "originator": party, "holder": ctx.party,
                    "discovered_at": at.isoformat(), "possible": True, "description": what,
                    "report_to": party, "source": "Art. 17"})])
        ctx.clock.call_at(t, self.outbox.flush)
        return {**case, "scope": AUDIT_LOG}

    def report(self, item_id: str, what: str, *, possible: bool = False,
               discovered_at: dt.datetime | str | None = None) -> dict[str, Any]:
        """Report a loss or compromise (``possible``: a possible one) of an item held here
        to its originator, at once (module docstring); return the case.

        Raises:
            InputError: the item is not held here from another party (one this party
                originated included: its originator handles its own loss), ``what`` is empty
                or over :data:`~gsomia.schemas.custody.MAX_CASE_TEXT` characters,
                or ``discovered_at`` is malformed or later than now.
        """
        ctx, store = self.ctx, self.ctx.ledger.store
        with ctx.ledger.lock:
            if store.local_item(item_id) is not None:
                raise InputError("item_id", item_id,
                                 f"an item {ctx.party} originated: the Originating Party "
                                 "handles the loss of its own item; an Art. 17 report is "
                                 "the Receiving Party's")
            case_text("what", what)
            rows = [r for r in store.inbox(kind="item", item_id=item_id)
                    if r.final == ctx.party]
            if not rows:
                raise InputError("item_id", item_id,
                                 f"{ctx.party} holds no such item received from another party")
            t, at = ctx.now()
            label = dataclasses.replace(label_from_dict(rows[-1].label or {}),
                                        holder=ctx.party)
            found = at if discovered_at is None else parse_time("discovered_at",
                                                                discovered_at)
            report = report_compromise(label, found, what, possible, at)
            originator, hop, route, stream = self.custody.path_back(item_id)
            case = {
                "case_id": f"case-{uuid.uuid4().hex[:16]}", "item_id": item_id,
                "originator": originator, "holder": ctx.party, "side": "holder",
                "possible": possible, "what": what,
                "discovered_at": report.discovered_at.isoformat(),
                "reported_at": report.reported_at.isoformat(), "status": "open",
                "findings": None, "preventive_measures": None, "closed_at": None,
                "history": [{"step": "reported", "at": at.isoformat()}],
            }
            body = {k: case[k] for k in ("case_id", "item_id", "originator", "holder",
                                         "possible", "what", "discovered_at",
                                         "reported_at")}
            kind, audit, _ = report.to_audit()
            with ctx.ledger.transaction():
                store.put_case(case)
                self.outbox.enqueue(sign(ctx.keys, "compromise", body, at), peer=hop,
                                    final=originator, route=route, stream=stream,
                                    kind="compromise", item_id=item_id, now=(t, at),
                                    audit=[(kind, {**audit, "case_id": case["case_id"]})])
        return {**case, "scope": "item"}

    def investigate(self, case_id: str, findings: str,
                    preventive_measures: str) -> dict[str, Any]:
        """Record the investigation's results and preventive measures of an open case of
        this holder, and report them to the originator (Art. 17); return the case.

        Raises:
            InputError: no such case, already investigated or closed, empty text or over
                :data:`~gsomia.schemas.custody.MAX_CASE_TEXT` characters.
            SharingError: a case on the originator's side (the Receiving Party
                investigates, Art. 17).
        """
        return self._step(case_id, "investigation", findings, preventive_measures)

    def close(self, case_id: str, summary: str = "closed") -> dict[str, Any]:
        """Close an investigated case of this holder and report it to the originator.

        Raises:
            InputError: no such case, not investigated yet, or already closed.
            SharingError: a case on the originator's side.
        """
        return self._step(case_id, "closure", summary, None)

    def _step(self, case_id: str, stage: str, text: str,
              measures: str | None) -> dict[str, Any]:
        ctx, store = self.ctx, self.ctx.ledger.store
        case_text("findings" if stage == "investigation" else "summary", text)
        if stage == "investigation":
            case_text("preventive_measures", measures)
        with ctx.ledger.lock:
            found = store.cases(case_id)
            if not found:
                raise InputError("case_id", case_id, f"no such case at {ctx.party}")
            case = found[0]
            if case["side"] != "holder":
                raise SharingError(f"case_id={case_id!r}: the Receiving Party "
                                   f"{case['holder']} investigates and closes (Art. 17)")
            want = "open" if stage == "investigation" else "investigated"
            if case["status"] != want:
                raise InputError("case_id", case_id,
                                 f"is {case['status']}; {stage} needs a case {want}")
            t, at = ctx.now()
            if stage == "investigation":
                result = investigate(self._report(case), at, text, measures or "")
                kind, audit, _ = result.to_audit()
                case.update(findings=text, preventive_measures=measures)
            else:
                kind, audit = "case.closed", {"item_id": case["item_id"], "summary": text,
                                              "source": "Art. 17"}
                case["closed_at"] = at.isoformat()
            case["status"] = _STAGES[stage]
            case["history"].append({"step": stage, "at": at.isoformat(), "text": text})
            body = {"case_id": case_id, "item_id": case["item_id"], "stage": stage,
                    "text": text, "preventive_measures": measures, "at": at.isoformat()}
            if _scope(case) == AUDIT_LOG:  # to the partner whose log it is, directly
                originator, hop, route, stream = (case["originator"], case["originator"],
                                                  Route.DIRECT, f"control:{ctx.party}")
            else:
                originator, hop, route, stream = self.custody.path_back(case["item_id"])
            with ctx.ledger.transaction():
                store.put_case(case)
                self.outbox.enqueue(sign(ctx.keys, "investigation", body, at), peer=hop,
                                    final=originator, route=route, stream=stream,
                                    kind="investigation", item_id=case["item_id"],
                                    now=(t, at), audit=[(kind, {**audit, "case_id": case_id})])
        return {**case, "scope": _scope(case)}

    @staticmethod
    def _report(case: dict[str, Any]) -> CompromiseReport:
        return CompromiseReport(
            case["item_id"], case["originator"], case["holder"],
            parse_time("discovered_at", case["discovered_at"]),
            parse_time("reported_at", case["reported_at"]), case["possible"], case["what"])

    # the originator's side ---------------------------------------------------------------
    def _on_report(self, h: Header, s: Signed, t: float, at: dt.datetime) -> str:
        """Open the originator's case from a holder's signed report."""
        ctx, store = self.ctx, self.ctx.ledger.store
        p = s.payload
        if p.get("holder") != s.originator:
            raise EnvelopeError("signature", "compromise.holder", p.get("holder"),
                                f"signed by {s.originator}")
        if p.get("scope") == AUDIT_LOG:  # about this party's own audit log
            if p.get("originator") != ctx.party or p.get("item_id") != log_origin(ctx.party):
                raise EnvelopeError("originator", "compromise.item_id", p.get("item_id"),
                                    f"not the audit log {log_origin(ctx.party)}")
        elif p.get("originator") != ctx.party or store.local_item(p["item_id"]) is None:
            raise EnvelopeError("originator", "compromise.item_id", p.get("item_id"),
                                f"not an item originated by {ctx.party}")
        texts = {k: p.get(k) for k in ("case_id", "what", "discovered_at", "reported_at")}
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"compromise.{key}", value, "expected a non-empty string")
        case_text("compromise.what", texts["what"])
        if store.cases(texts["case_id"]):
            raise EnvelopeError("replay", "compromise.case_id", texts["case_id"],
                                "a case of this id exists")
        case = {**texts, "item_id": p["item_id"], "originator": ctx.party,
                "holder": s.originator, "side": "originator",
                "possible": bool(p.get("possible")), "status": "open", "findings": None,
                "preventive_measures": None, "closed_at": None,
                "history": [{"step": "reported", "at": texts["reported_at"]},
                            {"step": "received", "at": at.isoformat()}]}
        store.accept(control_row(h, s, p["item_id"], t, "delivered"))
        store.put_case(case)
        ctx.ledger.record([("compromise.case_opened", {
            "case_id": case["case_id"], "item_id": p["item_id"], "holder": s.originator,
            "scope": _scope(case), "possible": case["possible"], "what": case["what"],
            "envelope_id": h.envelope_id, "source": "Art. 17"})], at)
        return "case opened"

    def _on_result(self, h: Header, s: Signed, t: float, at: dt.datetime) -> str:
        """Follow the holder's investigation or closure on the originator's case."""
        ctx, store = self.ctx, self.ctx.ledger.store
        p = s.payload
        found = store.cases(str(p.get("case_id")))
        if not found or found[0]["side"] != "originator" \
                or found[0]["holder"] != s.originator:
            raise EnvelopeError("originator", "investigation.case_id", p.get("case_id"),
                                f"no case of {s.originator} at {ctx.party}")
        case = found[0]
        stage = p.get("stage")
        if stage not in _STAGES:
            raise InputError("investigation.stage", stage, "expected investigation or closure")
        text = p.get("text") if isinstance(p.get("text"), str) else ""
        case_text("investigation.text", text or "-")
        if p.get("preventive_measures") is not None:
            case_text("investigation.preventive_measures", p.get("preventive_measures"))
        if stage == "investigation":
            case.update(findings=text, preventive_measures=p.get("preventive_measures"))
        else:
            case["closed_at"] = p.get("at")
        case["status"] = _STAGES[stage]
        case["history"].append({"step": stage, "at": p.get("at"), "text": text,
                                "received_at": at.isoformat()})
        store.accept(control_row(h, s, case["item_id"], t, "delivered"))
        store.put_case(case)
        ctx.ledger.record([(f"compromise.{stage}_received", {
            "case_id": case["case_id"], "item_id": case["item_id"],
            "holder": s.originator, "text": text,
            "preventive_measures": p.get("preventive_measures"),
            "envelope_id": h.envelope_id, "source": "Art. 17"})], at)
        return f"case {case['status']}"


def case_text(field: str, value: Any) -> str:
    """``value`` if it is the free text of a case: a non-empty string of at most
    :data:`~gsomia.schemas.custody.MAX_CASE_TEXT` characters (a report says what
    happened; the table of cases stays printable).

    Raises:
        InputError: naming ``field``: not a string, blank, or too long.
    """
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, value, "expected a non-empty string")
    if len(value) > MAX_CASE_TEXT:
        raise InputError(field, f"<{len(value)} characters>",
                         f"at most {MAX_CASE_TEXT} characters")
    return value


def _scope(case: dict[str, Any]) -> str:
    """:data:`AUDIT_LOG` for a case about its originator's audit log, else ``"item"``."""
    return AUDIT_LOG if case["item_id"] == log_origin(case["originator"]) else "item"
