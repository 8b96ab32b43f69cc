"""A label's bad values are refused by name: a Releasable To code that is no party of the
catalog (it was carried silently before, and the release permitted), and a ``created``
that is no ISO 8601 date or date-time (the message says what is read, with an example).
The command line exits 2 and prints the key and the value, without a traceback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sharing_support import make_label
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.sharing import Catalog, ReleaseRequest, decide
from gsomia.sharing.compiled import decision_tables
from gsomia.sharing.decision import reference_decide

runner = CliRunner()
AT = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
LABEL = {"originator": "KOR", "classification": "군사II급비밀", "releasable_to": ["JPN"],
         "topic": "dprk-missile-threat", "holder": "KOR", "created": "2024-01-02T03:00:00Z"}


@pytest.mark.parametrize("decider", [decide, reference_decide])
def test_a_releasable_to_nation_outside_the_catalog_is_decided(catalog: Catalog,
                                                               decider) -> None:
    # a node's labels carry the audience of its routes, which may name a nation the
    # catalog has no marking scheme for (a partner being added): the release to a party
    # of the catalog is decided as ever
    label = make_label(releasable_to=["KOR", "GBR", "USA"])
    assert decider(ReleaseRequest(label, "KOR", AT), catalog).permit
    assert decision_tables(catalog).decide(ReleaseRequest(label, "KOR", AT), ())[0]


def decide_cli(tmp_path: Path, **over: object) -> tuple[int, str]:
    path = tmp_path / "label.json"
    path.write_text(json.dumps(LABEL | over, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["decide", "--label", str(path), "--to", "JPN",
                                 "--at", "2024-06-01"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_cli_permits_the_well_formed_label(tmp_path: Path) -> None:
    assert decide_cli(tmp_path)[0] == 0


def test_cli_decides_a_label_releasable_to_a_nation_outside_the_catalog(
        tmp_path: Path) -> None:
    assert decide_cli(tmp_path, releasable_to=["JPN", "GBR"])[0] == 0


@pytest.mark.parametrize(("created", "detail"), [
    ("2024-13-45", "month value is outside expected range of 1-12"),
    ("2023-02-29", "day value is outside expected range"),
    ("2024/01/02", "invalid date separator"),
    ("yesterday", "input is too short"),
    (True, None),
    (20240102, None),
    ("2024", None),
])
def test_cli_names_a_bad_created_and_what_is_read(tmp_path: Path, created: object,
                                                  detail: str | None) -> None:
    code, out = decide_cli(tmp_path, created=created)
    text = " ".join(out.split())
    assert code == 2
    assert f"label.created={created!r}: expected an ISO 8601 date or date-time, e.g. " \
           "2024-01-02 or 2024-01-02T03:00:00Z" in text
    assert "Input should be" not in text
    if detail is not None:
        assert detail in text
