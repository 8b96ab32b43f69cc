"""Items of the warning topic that are not missile warnings (a scan's radar plots, other
payloads) reach ``on_item`` / ``on_plots`` and never ``on_warning`` (real nodes, SimClock)."""

from __future__ import annotations

import pytest
from node_support import DELAY_S, EPOCH, warning

from gsomia.errors import ReleaseDenied
from gsomia.node import AREA_WARNING_KIND, WARNING_TOPIC, AreaWarning, MissileWarning, item_kind
from gsomia.node.plots import PLOT_ELEMENTS, Plot, RadarPlots, publish_plots
from gsomia.warning.alerts import WarningEntry

COV = ((2500.0, 0.0, 0.0), (0.0, 1e-6, 0.0), (0.0, 0.0, 1e-6))


def scan(scan_id: str = "scan-1", n: int = 3) -> RadarPlots:
    """``n`` plots of one scan of a Korean radar, 10 s after the epoch."""
    return RadarPlots(scan_id, EPOCH, 10.0, "kor-radar-1", 37.5, 127.0, 120.0,
                      tuple(Plot(400e3 + 1e3 * k, 0.1 * k, 0.2, COV) for k in range(n)))


def subscribe(net, party: str) -> dict[str, list]:
    """Record what each of ``party``'s subscribers gets (on_warning: net.got)."""
    seen: dict[str, list] = {"item": [], "plots": []}
    node = net.nodes[party]
    node.on_item = seen["item"].append
    node.on_plots = lambda plots, item: seen["plots"].append((plots, item))
    return seen


def test_plots_go_to_on_plots_and_on_item_never_to_on_warning(net):
    kor = net.nodes["KOR"]
    seen = subscribe(net, "JPN")
    net.clock.advance_to(10.0)
    plot_releases = publish_plots(kor, scan())
    warning_releases = kor.publish_warning(warning())
    assert {r.to: r.status for r in plot_releases} == {"JPN": "queued", "USA": "queued"}
    assert {r.to: r.status for r in warning_releases} == {"JPN": "queued", "USA": "queued"}
    net.clock.advance_to(10.0 + DELAY_S)

    # on_warning: the warning only
    [(_, w, w_item)] = net.got["JPN"]
    assert isinstance(w, MissileWarning) and w.track_id == "T1"
    assert w_item.kind == "missile_warning" and w_item.is_warning and not w_item.is_plots
    # on_plots: the scan, read back whole
    [(plots, p_item)] = seen["plots"]
    assert plots == scan()
    assert p_item.kind == "radar_plots" and p_item.is_plots and not p_item.is_warning
    assert p_item.label.topic == WARNING_TOPIC and p_item.label.elements == PLOT_ELEMENTS
    assert p_item.marking["text"] in ("大韓民国 極秘", "大韓民国 特定秘密")
    # on_item: both, in arrival order
    assert [(i.kind, i.item_id) for i in seen["item"]] == [
        ("radar_plots", plot_releases[0].item_id), ("missile_warning", w_item.item_id)]
    assert [i.kind for i in net.nodes["JPN"].items()] == ["radar_plots", "missile_warning"]
    delivered = [r.body["payload_kind"] for r in net.nodes["JPN"].audit.records()
                 if r.kind == "deliver"]
    assert delivered == ["radar_plots", "missile_warning"]
    # the US node, with no plot subscriber, still delivers both and warns once
    assert [i.kind for i in net.nodes["USA"].items()] == ["radar_plots", "missile_warning"]
    assert [x[1].track_id for x in net.got["USA"]] == ["T1"]


def test_a_plot_item_does_not_break_a_node_with_only_on_warning(net):
    net.clock.advance_to(10.0)
    publish_plots(net.nodes["KOR"], scan(n=1))
    net.clock.advance_to(10.0 + DELAY_S)  # used to raise InputError in on_warning's reading
    assert net.got["JPN"] == []
    [item] = net.nodes["JPN"].items()
    assert item.kind == "radar_plots"
    assert RadarPlots.from_dict(item.payload).plots[0].range_m == 400e3


def test_other_kinds_and_unreadable_warnings_reach_on_item_only(net):
    kor = net.nodes["KOR"]
    seen = subscribe(net, "JPN")
    net.clock.advance_to(10.0)
    future = kor.create_item({"kind": "fused_track", "x": 1}, classification="군사II급비밀",
                             releasable_to=["JPN"], topic=WARNING_TOPIC,
                             elements=("trajectory",))
    broken = kor.create_item({"track_id": "T9"}, classification="군사II급비밀",
                             releasable_to=["JPN"], topic=WARNING_TOPIC,
                             elements=("impact_point",))
    for label in (future, broken):
        kor.release(label.item_id, "JPN", "direct")
    net.clock.advance_to(10.0 + DELAY_S)
    assert net.got["JPN"] == [] and seen["plots"] == []
    assert {i.item_id: i.kind for i in seen["item"]} == {
        future.item_id: "other", broken.item_id: "missile_warning"}
    [unreadable] = [r.body for r in net.nodes["JPN"].audit.records()
                    if r.kind == "deliver.unreadable"]
    assert unreadable["item_id"] == broken.item_id
    assert unreadable["payload_kind"] == "missile_warning"
    assert "warning.epoch" in unreadable["reason"]


@pytest.mark.parametrize(("topic", "elements", "payload", "kind"), [
    (WARNING_TOPIC, ("trajectory",), {"track_id": "T1"}, "missile_warning"),
    (WARNING_TOPIC, (), {"track_id": "T1"}, "other"),                  # no elements
    ("chinese-navy", ("trajectory",), {"track_id": "T1"}, "other"),    # another topic
    (WARNING_TOPIC, PLOT_ELEMENTS, {"kind": "radar_plots"}, "radar_plots"),
    (WARNING_TOPIC, ("impact_point",), {"kind": "area_warning"}, "area_warning"),
    (WARNING_TOPIC, ("trajectory",), {"kind": "missile"}, "other"),    # a future kind
    (WARNING_TOPIC, ("trajectory",), ["not", "an", "object"], "other"),
], ids=["warning", "no-elements", "other-topic", "plots", "area-warning", "future-kind",
        "not-object"])
def test_item_kind_from_label_and_payload(net, topic, elements, payload, kind):
    label = net.nodes["KOR"].create_item({}, classification="군사II급비밀",
                                         releasable_to=["JPN"], topic=topic,
                                         elements=elements)
    assert item_kind(label, payload) == kind


def area_warning() -> AreaWarning:
    """Korea's warning that a launch may fall in its EEZ, 10 s after the epoch."""
    entry = WarningEntry("KOR", "L1", 10.0, "issue", ("KOR", "eez"), 0.4,
                         "may fall in KOR EEZ (p=0.40)")
    return AreaWarning("alert-L1-10000", EPOCH, entry)


def test_an_area_warning_is_its_own_kind_released_by_the_rules(net):
    """A public warning travels under the warning topic with the element ``impact_point``,
    reaches ``on_item`` as ``area_warning`` (never ``on_warning``) and reads back whole; a
    release to a third party (not in the item's Releasable To) is denied and audited, not
    sent."""
    kor = net.nodes["KOR"]
    seen = subscribe(net, "JPN")
    net.clock.advance_to(10.0)
    releases = kor.publish(area_warning())
    assert {r.to: r.status for r in releases} == {"JPN": "queued", "USA": "queued"}
    net.clock.advance_to(10.0 + DELAY_S)
    [item] = seen["item"]
    assert item.kind == AREA_WARNING_KIND and not item.is_warning and not item.is_plots
    assert item.label.topic == WARNING_TOPIC and item.label.elements == ("impact_point",)
    assert AreaWarning.from_dict(item.payload, item.originator) == area_warning()
    assert net.got["JPN"] == [] and seen["plots"] == []
    label = kor.create_item(area_warning().to_dict(), classification="군사II급비밀",
                            releasable_to=["JPN"], topic=WARNING_TOPIC,
                            elements=("impact_point",))
    with pytest.raises(ReleaseDenied):
        kor.release(label.item_id, "USA", "direct")
    [denied] = [r.body for r in kor.audit.records() if r.kind == "release.denied"]
    assert denied["to"] == "USA" and denied["item_id"] == label.item_id
    net.clock.advance_to(20.0)
    assert [i.kind for i in net.nodes["USA"].items()] == [AREA_WARNING_KIND]
