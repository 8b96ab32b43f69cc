"""Every release, hub forward and receipt a node audits, and every marking it stores, names
the content hashes of the agreements and marking schemes that decided it."""

from __future__ import annotations

from node_support import DELAY_S, warning

from gsomia.sharing import Catalog


def _hashes(catalog: Catalog, agreements: list[str], *parties: str) -> dict[str, str]:
    return ({a: catalog.agreement(a).digest for a in agreements}
            | {f"markings/{p}": catalog.scheme(p).digest for p in parties})


def _bodies(node, kind: str) -> list[dict]:
    return [r.body for r in node.audit.records() if r.kind == kind]


def test_direct_release_and_receipt_record_the_data_hashes(net, catalog):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    kor.publish_warning(warning())
    net.clock.advance_to(10.0 + 2 * DELAY_S)
    [released] = _bodies(kor, "release.permitted")
    assert released["agreements"] == ["jpn-kor-gsomia"]
    assert released["data"] == _hashes(catalog, ["jpn-kor-gsomia"], "KOR", "JPN")
    [accepted] = _bodies(jpn, "receive.accepted")
    assert accepted["data"] == _hashes(catalog, ["jpn-kor-gsomia"], "KOR", "JPN")
    [item] = jpn.items()
    assert item.marking["text"] == "大韓民国 極秘"
    assert item.marking["data"] == _hashes(catalog, ["jpn-kor-gsomia"], "KOR", "JPN")
    assert all(v.startswith("sha256:") and len(v) == 71 for v in item.marking["data"].values())


def test_hub_forward_records_the_data_hashes(net, catalog):
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    kor.routes = {"JPN": "auto_hub"}
    net.clock.advance_to(10.0)
    kor.publish_warning(warning())
    net.clock.advance_to(10.0 + 2 * DELAY_S)
    [forward] = _bodies(usa, "hub.forward")
    assert forward["permit"] is True
    # the hub's decision on the leg to Japan: the arrangement, its legal basis and the
    # bilateral agreements protecting the legs (TISA para 3), and both ends' schemes
    names = [k for k in forward["data"] if not k.startswith("markings/")]
    assert forward["data"] == _hashes(catalog, names, "KOR", "JPN")
    assert {"trilateral-missile-warning", "tisa", "jpn-usa-gsomia"} <= set(names)
