"""``gsomia run``: dates, option conflicts, output places, and the impact area named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.run import _date, _sweep

runner = CliRunner()


@pytest.fixture()
def cns(shared_data: Path) -> str:
    return str(shared_data / "cns")


@pytest.mark.parametrize(("text", "partial", "day"), [
    ("2017-03-05", False, dt.date(2017, 3, 5)), ("2026-04", True, dt.date(2026, 4, 1)),
    ("2016", True, dt.date(2016, 1, 1)),
])
def test_date_forms(text, partial, day):
    assert _date("--since", text, partial=partial) == day


@pytest.mark.parametrize(("args", "message"), [
    (["--record", "2017"], "--record='2017': expected YYYY-MM-DD"),
    (["--record", "1990-02-30"], "no such date"),
    (["--since", "2022-13-01"], "no such date"),
    (["--since", "2099"], "no record on or after that date"),
    (["--since", "2016", "--delivery", "planned"], "--delivery not used there"),
    (["--since", "2016", "--plots", "p", "--live"], "--plots, --live not used there"),
    (["--since", "2016", "--sweep", "rain=1,2"],
     "expected tisa_delay, hub_delay, link_delay=S,S,..."),
    (["--since", "2016", "--sweep", "link_delay=-1"], "expected 1 or more delays of 0-86400 s"),
    # the CNS date of the Hokkaido over-flight is UTC: 2017-08-29 is the local date
    (["--record", "2017-08-29"], "ask for 2017-08-28"),
])
def test_record_and_batch_options_are_checked(cns, args, message):
    res = runner.invoke(app, ["run", *args, "--records", cns])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())


def test_sweeps_parsed_and_the_batch_default():
    """The batch sweeps the TISA approval delay 0-600 s by 60 s unless told; a single run
    only when asked; the other assumptions by name, radar outages on request."""
    assert _sweep(None, True) == {"sweep_approval_s": tuple(float(d) for d in
                                                            range(0, 601, 60)),
                                  "sweeps": (), "radar_outages": False}
    assert _sweep(None, False)["sweep_approval_s"] == ()
    got = _sweep(["tisa_delay=0,300", "link_delay=1,5", "hub_delay=60", "radar_down"], True)
    assert got == {"sweep_approval_s": (0.0, 300.0),
                   "sweeps": (("link_delay_s", (1.0, 5.0)), ("hub_delay_s", (60.0,))),
                   "radar_outages": True}


@pytest.mark.parametrize("target", ["/dev/null", "."])
def test_json_out_must_be_a_regular_file(target):
    res = runner.invoke(app, ["run", "2017-08-29", "--json-out", target])
    assert res.exit_code == 2
    assert "--json-out" in res.output
    assert Path("/dev/null").is_char_device()


def test_coarse_pip_grid_is_refused():
    res = runner.invoke(app, ["run", "2017-08-29", "--pip-interval-s", "600"])
    assert res.exit_code == 2 and "at most 60" in res.output


@pytest.mark.slow
def test_header_and_json_name_share_and_impact_area(tmp_path: Path):
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["run", "2017-08-29", "--routes", "direct", "--delivery",
                              "planned", "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "share tracks" in text and "routes as in force on the date" in text
    # Japan MoD: fell about 1,180 km east of Cape Erimo, outside Japan's EEZ
    assert "high seas" in text
    launch = json.loads(out.read_text(encoding="utf-8"))["launches"][0]
    assert launch["impact_area"] == {"party": "", "zone": "high_seas"}


@pytest.mark.slow
def test_route_not_in_force_for_a_pair_is_marked():
    # 2017: the 2023 automated hub does not carry Japan <-> Korea; its row for them is
    # marked, since what it gains there comes from the US's own reports only
    res = runner.invoke(app, ["run", "2017-08-29", "--routes", "auto_hub", "--delivery",
                              "planned"])
    assert res.exit_code == 0, res.output
    assert "auto_hub*" in res.output and "does not reach this party" in res.output


@pytest.mark.parametrize(("args", "message"), [
    # a sweep is re-scored by the attribution: asking for both off and on is refused
    (["--no-attribution", "--sweep", "link_delay=1,5"], "not with --no-attribution"),
    (["--seeds", "3", "--sweep", "radar_down"], "or --seeds > 1"),
    (["--sweep", "link_delay=1", "--sweep", "link_delay=5"], "link_delay swept twice"),
    (["--sweep", "tisa_delay=300,300.0"], "a delay given twice"),
    # 1.0000001 and 1.0000002 would share the JSON key "1"
    (["--sweep", "hub_delay=1.0000001,1.0000002"], "a delay given twice"),
    (["--routes", "direct", "--sweep", "tisa_delay=0,300"], "add it to --routes"),
])
def test_contradictory_sweeps_are_refused(cns, args, message):
    res = runner.invoke(app, ["run", "--record", "2017-03-05", "--records", cns, *args])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())
    assert "Traceback" not in res.output


def test_sweep_of_every_key_once_is_kept():
    got = _sweep(["hub_delay=0,60", "link_delay=5", "tisa_delay=0"], False,
                 routes=("none", "direct", "tisa_hub"))
    assert got["sweeps"] == (("hub_delay_s", (0.0, 60.0)), ("link_delay_s", (5.0,)))
    assert got["sweep_approval_s"] == (0.0,)


@pytest.mark.parametrize(("args", "message"), [
    (["--live", "--delivery", "planned"], "--live is its own delivery (real servers on the "
                                          "wall clock): leave out --delivery planned"),
    (["--live", "--delivery", "node"], "leave out --delivery node"),
    (["--live", "--share", "measurements"], "--live shares tracks only: leave out --share "
                                            "measurements"),
    (["--speed", "5"], "--speed=5 paces --live only: add --live or leave out --speed"),
    (["--routes", "none"], "--routes='none': expected a comma-separated list of tisa_hub, "
                           "auto_hub, direct (none, the baseline, is always run)"),
], ids=["live-planned", "live-node", "live-measurements", "speed-without-live",
        "routes-none"])
def test_live_options_that_would_be_dropped_are_refused(args, message):
    """Options --live would override or that only --live reads: exit 2 before any work."""
    res = runner.invoke(app, ["run", "2017-03-06", *args])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.stderr.split())


def test_live_printout_explains_the_parts(capsys):
    """The printed live block: every link's delivered/lost/p50/p99, and that the part columns
    are medians of their own (the JSON has each part's p50/p99/max)."""
    from gsomia.cli.run_live import print_live

    st = {"origin": "KOR", "at": "JPN", "from": "detection", "n": 3, "p50_ms": 60.0,
          "p99_ms": 90.0, "max_ms": 91.0, "stale": 0, "state_mismatches": 0, "missing": 0,
          "extra": 0, "parts_p50_ms": {"tracker_step": 2.0, "publish_to_arrival": 40.0,
                                       "fuse_pip": 9.0},
          "handover_lag_ms": {"p50_ms": 5.0, "max_ms": 7.0},
          "machine": {"load_1m_start": 1.5, "load_1m_end": 2.0, "cores": 2}}
    print_live({"links": {"direct": {"delivered": 10, "lost": 0, "p50_ms": 50.5,
                                     "p99_ms": 99.0}},
                "warning_latency": {"direct": st}})
    out = " ".join(capsys.readouterr().out.split())
    assert "live direct: 10 delivered, 0 lost, p50 50.5 ms, p99 99.0 ms (every message" in out
    assert "need not add up to the total's p50" in out
    assert "live.warning_latency.<route>.parts_ms" in out
    assert "direct 5.0/7.0 ms, load (1 min) 1.5/2.0 on 2 cores" in out
