"""``gsomia bench custody``: the originator stays in control, measured on live nodes.

JPN, KOR and USA run as real uvicorn servers on 127.0.0.1 with mutual TLS
(:class:`~gsomia.web.live.LiveCluster`, ports chosen at run time). Korea creates items and
releases each to Japan on one route (``direct``, ``tisa_hub`` with Korea's signed approval,
``auto_hub``) and to the USA directly, so every item has two holders (and, on a hub route,
the hub's relayed copy). Once every copy is delivered, Korea issues a notice on each item:
``reclassify`` (to 군사III급비밀), ``recall`` or ``destroy`` in turn (Art. 6(d)–(h)). Then
Japan reports the loss of one item (Art. 17), investigates and closes the case.

Report (:func:`run_custody_bench`)::

    {"items": {route: n}, "actions": {action: {"notices", "holders", "reached",
     "acknowledged", "wrong_state"}}, "compromise": {...}, "attempts": {kind: {"sent",
     "rejected", "audited"}}, "ports": {...}}

``reached``: holders that applied the notice (their store says ``applied``);
``acknowledged``: holders whose signed acknowledgement Korea recorded; ``wrong_state``:
holders (and hubs' copies) whose state is not the notice's — a reclassified copy must carry
exactly the new classification and the holder's equivalent marking (Japan 秘, the USA
CONFIDENTIAL), a recalled or destroyed one must be unlisted, without payload or JWS.
``attempts``: an adversarial holder's attempts (:func:`gsomia.web.adversary.run_attempts`
on the live nodes when that module is installed: every operation of the node API tried to
get an item to a party its originator never released it to, with ``delivered`` (must be
0); plus the control-message forgeries of :func:`control_attempts`), each with the number
sent, rejected and with a rejection record in an audit log.
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from gsomia.node import ELEMENTS, WARNING_TOPIC, HttpsLink, Node
from gsomia.sharing import Route
from gsomia.sharing.catalog import load_catalog
from gsomia.sharing.envelope import Header, seal, sign
from gsomia.sharing.pki import init_pki, load_party_keys
from gsomia.web.live import LiveCluster, wait_until

__all__ = ["ACTIONS", "control_attempts", "run_custody_bench"]

#: The originator actions benchmarked, in turn over the items, with their new marking.
ACTIONS = (("reclassify", "군사III급비밀"), ("recall", None), ("destroy", None))
#: The marking each holder must show after the reclassification (Art. 4(2)).
_DOWNGRADED = {"JPN": "秘", "USA": "CONFIDENTIAL"}
_ROUTES = (Route.DIRECT, Route.TISA_HUB, Route.AUTO_HUB)


def _payload(i: int) -> dict[str, Any]:
    return {"track_id": f"C{i}", "impact_point": {"lat_deg": 40.5, "lon_deg": 136.0},
            "note": f"custody bench item {i}"}


def _share(cluster: LiveCluster, n: int) -> dict[str, tuple[Route, str]]:
    """Korea's items: ``item_id -> (route to Japan, action)``; released and approved."""
    kor = cluster.nodes["KOR"]
    items: dict[str, tuple[Route, str]] = {}
    for route in _ROUTES:
        for i in range(n):
            label = kor.create_item(_payload(i), classification="군사II급비밀",
                                    releasable_to=["JPN", "USA"], topic=WARNING_TOPIC,
                                    elements=ELEMENTS[:1] + ELEMENTS[2:])
            kor.release(label.item_id, "JPN", route, send=False)
            kor.release(label.item_id, "USA", Route.DIRECT, send=False)
            if route is Route.TISA_HUB:
                kor.approve(label.item_id, "JPN", route, send=False)
            items[label.item_id] = (route, ACTIONS[i % len(ACTIONS)][0])
    kor.flush()
    return items


def _held(node: Node, item_id: str) -> list[Any]:
    with node.lock:
        return [r for r in node.store.inbox(kind="item", item_id=item_id)]


def _state_ok(node: Node, item_id: str, action: str) -> bool:
    """Whether ``node``'s every copy of ``item_id`` is in the state ``action`` leaves."""
    rows = _held(node, item_id)
    mine = [r for r in rows if r.final == node.party]
    listed = [i for i in node.items() if i.item_id == item_id]
    if action == "reclassify":
        return (len(listed) == len(mine) == 1 and all(
            r.label["classification"] == "군사III급비밀"
            and r.marking["classification"] == _DOWNGRADED[node.party] for r in mine))
    removed = {"recall": "recalled", "destroy": "destroyed"}[action]
    return not listed and all(r.status == removed and r.payload == {} and r.jws == ""
                              for r in rows)


def _act(cluster: LiveCluster, items: dict[str, tuple[Route, str]],
         timeout_s: float) -> dict[str, Any]:
    kor, new = cluster.nodes["KOR"], dict(ACTIONS)
    notices = {item_id: kor.act(item_id, action, new[action], send=False)["notice_id"]
               for item_id, (_, action) in items.items()}
    kor.flush()

    def acked() -> bool:
        return all(not kor.actions(i)[-1]["pending"] for i in items)

    wait_until(acked, timeout_s)
    report: dict[str, Any] = {}
    for action, _ in ACTIONS:
        ids = [i for i, (_, a) in items.items() if a == action]
        row = {"notices": len(ids), "holders": 0, "reached": 0, "acknowledged": 0,
               "wrong_state": 0}
        for item_id in ids:
            status = kor.actions(item_id)[-1]
            for holder in ("JPN", "USA"):
                node = cluster.nodes[holder]
                with node.lock:
                    mine = node.store.notice(notices[item_id])
                row["holders"] += 1
                row["reached"] += bool(mine and mine["status"] == "applied")
                row["acknowledged"] += holder in status["acknowledged"]
                row["wrong_state"] += not _state_ok(node, item_id, action)
        report[action] = row
    return report


def _compromise(cluster: LiveCluster, items: dict[str, tuple[Route, str]],
                timeout_s: float) -> dict[str, Any]:
    """Japan reports the loss of a reclassified item, investigates and closes the case."""
    kor, jpn = cluster.nodes["KOR"], cluster.nodes["JPN"]
    item_id = next(i for i, (r, a) in items.items() if a == "reclassify" and r.is_hub)
    case = jpn.report_compromise(item_id, "laptop with the item lost in transit",
                                 possible=True)

    def at_kor(status: str) -> bool:
        found = [c for c in kor.cases() if c["case_id"] == case["case_id"]]
        return bool(found) and found[0]["status"] == status

    opened = wait_until(lambda: at_kor("open"), timeout_s)
    jpn.investigate(case["case_id"], "recovered unopened", "encrypted laptops only")
    investigated = wait_until(lambda: at_kor("investigated"), timeout_s)
    jpn.close_case(case["case_id"], "closed after recovery")
    closed = wait_until(lambda: at_kor("closed"), timeout_s)

    def audited(node: Node, prefix: str) -> int:
        with node.lock:
            return sum(1 for r in node.audit.records()
                       if r.kind.startswith(prefix) and r.body.get("case_id") == case["case_id"])

    return {"case_id": case["case_id"], "route": items[item_id][0].value,
            "opened_at_originator": opened, "investigated_at_originator": investigated,
            "closed_at_originator": closed,
            "audited": {"JPN": audited(jpn, ""), "KOR": audited(kor, "compromise.")}}


def _rejections(node: Node) -> int:
    with node.lock:
        return sum(1 for r in node.audit.records() if r.kind == "receive.rejected")


def control_attempts(cluster: LiveCluster, item_id: str) -> dict[str, dict[str, int]]:
    """An adversarial holder (Japan) forging control messages about Korea's ``item_id``
    (held by Japan and the USA), and acknowledging as itself Korea's recall of an item
    Korea released to the USA only: each kind sent once over mutual TLS, with the
    receipts' rejections and the rejection records added to the targets' audit logs."""
    jpn_keys = load_party_keys(cluster.pki, "JPN")
    kor = cluster.nodes["KOR"]  # an item of Korea's that Japan never received, recalled
    other = kor.create_item(_payload(0), classification="군사II급비밀", releasable_to=["USA"],
                            topic=WARNING_TOPIC, elements=ELEMENTS[:1] + ELEMENTS[2:])
    kor.release(other.item_id, "USA", Route.DIRECT, send=False)
    recall = kor.act(other.item_id, "recall", None)["notice_id"]
    now = dt.datetime.now(dt.UTC)
    notice = {"notice_id": uuid.uuid4().hex, "item_id": item_id, "originator": "JPN",
              "action": "declassify", "new_classification": None, "seq": 99,
              "issued_at": now.isoformat()}
    forged = {
        "notice_signed_by_holder": ("USA", "notice", notice),
        "notice_naming_the_originator": ("USA", "notice", {**notice, "originator": "KOR"}),
        "ack_for_another_holder": ("KOR", "ack", {
            "notice_id": uuid.uuid4().hex, "item_id": item_id, "holder": "USA",
            "originator": "KOR", "status": "applied"}),
        "ack_of_no_notice": ("KOR", "ack", {
            "notice_id": uuid.uuid4().hex, "item_id": item_id, "holder": "JPN",
            "originator": "KOR", "status": "applied"}),
        "ack_from_a_non_holder": ("KOR", "ack", {  # signed by Japan as itself
            "notice_id": recall, "item_id": other.item_id, "holder": "JPN",
            "originator": "KOR", "action": "recall", "status": "applied"}),
        "compromise_to_a_non_originator": ("USA", "compromise", {
            "case_id": "case-x", "item_id": item_id, "originator": "USA", "holder": "JPN",
            "what": "x", "discovered_at": now.isoformat(), "reported_at": now.isoformat()}),
        "investigation_without_case": ("KOR", "investigation", {
            "case_id": "case-none", "item_id": item_id, "stage": "closure", "text": "x"}),
    }
    out: dict[str, dict[str, int]] = {}
    for kind, (to, signed_kind, body) in forged.items():
        link = HttpsLink(to, cluster.url(to), cluster.tls("JPN"))
        before = _rejections(cluster.nodes[to])
        header = Header(uuid.uuid4().hex, "JPN", to, now, "direct", to,
                        f"adversary:{uuid.uuid4().hex}", 1)
        receipt = link.send(seal(sign(jpn_keys, signed_kind, body, now), header,
                                 cluster.directory, jpn_keys))
        link.close()
        out[kind] = {"sent": 1, "rejected": int(receipt.status == "rejected"),
                     "audited": _rejections(cluster.nodes[to]) - before}
    return out


def _attempts(cluster: LiveCluster, item_id: str) -> dict[str, dict[str, int]]:
    """:mod:`gsomia.web.adversary`'s attempts when that module is installed, and ours."""
    out: dict[str, dict[str, int]] = {}
    try:
        adversary = importlib.import_module("gsomia.web.adversary")
    except ImportError:
        adversary = None
    run = getattr(adversary, "run_attempts", None)
    if callable(run):
        out.update(run(cluster.nodes))
    out.update(control_attempts(cluster, item_id))
    return out


def run_custody_bench(n_per_route: int = 3, timeout_s: float = 30.0,
                      workdir: Path | None = None) -> dict[str, Any]:
    """Run the benchmark (module docstring); every server is stopped at the end.

    Parameters:
        n_per_route: items Korea shares on each route (the actions go round them).
        timeout_s: longest wait for each phase [s] (deliveries, acknowledgements, case).
        workdir: where the PKI and stores go (kept); default: a new temporary folder,
            removed at the end.
    """
    tmp = Path(workdir or tempfile.mkdtemp(prefix="gsomia-custody-"))
    try:
        return _run(tmp, n_per_route, timeout_s)
    finally:
        if workdir is None:  # a folder of our own: removed with its keys and stores
            shutil.rmtree(tmp, ignore_errors=True)


def _run(tmp: Path, n_per_route: int, timeout_s: float) -> dict[str, Any]:
    init_pki(tmp / "pki")
    cluster = LiveCluster(tmp / "pki", tmp, load_catalog(),
                          {"KOR": {"JPN": Route.DIRECT}, "JPN": {}, "USA": {}}).start()
    try:
        items = _share(cluster, n_per_route)

        def delivered() -> bool:
            return all(sum(i.item_id in items for i in cluster.nodes[p].items()) == len(items)
                       for p in ("JPN", "USA"))

        wait_until(delivered, timeout_s)
        held = {p: sum(i.item_id in items for i in cluster.nodes[p].items())
                for p in ("JPN", "USA")}
        spare = next(iter(items))
        report: dict[str, Any] = {
            "items": {r.value: sum(v[0] is r for v in items.values()) for r in _ROUTES},
            "delivered": held,
        }
        report["actions"] = _act(cluster, items, timeout_s)
        report["compromise"] = _compromise(cluster, items, timeout_s)
        report["attempts"] = _attempts(cluster, spare)
        report["ports"] = dict(cluster.ports)
    finally:
        cluster.stop()
    return report
