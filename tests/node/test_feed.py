"""A node's feed of released items (gsomia.node.feed): exactly the items released to a
party, by keyset, without TISA-hub releases awaiting approval nor recalled items."""

from __future__ import annotations

from gsomia.node.feed import Feed
from gsomia.node.stix import item_stix_id


def _items(node, n, releasable_to=("JPN", "USA")):
    return [node.create_item({"note": i}, classification="군사II급비밀",
                             releasable_to=set(releasable_to), topic="dprk-missile-threat")
            .item_id for i in range(n)]


def _all(feed, to, limit):
    out, pos = [], None
    while True:
        rows = feed.page(to, after=pos, limit=limit)
        out += [r.item_id for r in rows]
        if len(rows) < limit:
            return out
        pos = (rows[-1].at_s, rows[-1].envelope_id)


def test_pages_by_keyset_hold_exactly_the_releases_to_each_party(net):
    kor = net.nodes["KOR"]
    to_jpn = _items(kor, 5, ("JPN",))
    to_both = _items(kor, 3)
    for i in to_jpn + to_both:
        kor.release(i, "JPN", send=False)
        net.clock.advance_to(net.clock.now_s() + 0.25)  # release times in this order
    for i in to_both:
        kor.release(i, "USA", send=False)
        net.clock.advance_to(net.clock.now_s() + 0.25)
    feed = Feed(kor.store, "KOR")
    assert _all(feed, "JPN", 2) == to_jpn + to_both
    assert _all(feed, "USA", 2) == to_both
    assert _all(feed, "KOR", 2) == []
    rows = feed.page("JPN", limit=100)
    assert feed.page("JPN", added_after_s=rows[4].at_s, limit=100) == [
        r for r in rows if r.at_s > rows[4].at_s]
    assert [r.payload for r in rows[:2]] == [{"note": 0}, {"note": 1}]


def test_a_recalled_item_leaves_the_feed(net):
    kor = net.nodes["KOR"]
    kept, recalled = _items(kor, 2, ("JPN",))
    for i in (kept, recalled):
        kor.release(i, "JPN", send=False)
    kor.act(recalled, "recall", send=False)
    assert [r.item_id for r in Feed(kor.store, "KOR").page("JPN")] == [kept]


def test_a_tisa_hub_release_awaiting_approval_is_not_in_the_feed(net):
    kor = net.nodes["KOR"]
    (item,) = _items(kor, 1, ("JPN", "USA"))
    release = kor.release(item, "JPN", "tisa_hub", send=False)
    assert release.status == "awaiting_approval"
    assert Feed(kor.store, "KOR").page("JPN") == []


def test_stix_ids_map_back_to_item_ids(net):
    kor = net.nodes["KOR"]
    items = _items(kor, 3, ("JPN",))
    for i in items:
        kor.release(i, "JPN", send=False)
    feed = Feed(kor.store, "KOR")
    wanted = [item_stix_id(items[2], "other"), "report--00000000-0000-5000-8000-000000000000"]
    assert feed.item_ids(wanted) == [items[2]]
    assert [r.item_id for r in feed.page("JPN", item_ids=feed.item_ids(wanted))] == [items[2]]
