"""Builders and fixed instants shared by the sharing tests (imported as a plain module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gsomia.sharing import Label, Person

#: Fixed instants (never now()).
AFTER_2023 = dt.datetime(2024, 1, 14, 3, 0, tzinfo=dt.UTC)  # first reported use, §4
DURING_SUSPENSION = dt.datetime(2019, 12, 1, tzinfo=dt.UTC)


def make_label(**over: Any) -> Label:
    data: dict[str, Any] = {
        "item_id": "item-1",
        "originator": "JPN",
        "classification": "極秘",
        "releasable_to": ["JPN", "KOR", "USA"],
        "topic": "dprk-missile-threat",
        "holder": "JPN",
    }
    data.update(over)
    return Label.from_dict(data)


def make_person(**over: Any) -> Person:
    data: dict[str, Any] = {
        "party": "KOR",
        "clearance": "군사II급비밀",
        "need_to_know": ["dprk-missile-threat"],
        "contractor": False,
    }
    data.update(over)
    return Person.from_dict(data)
