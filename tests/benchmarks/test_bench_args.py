"""The benchmark scripts' command lines: ``--help`` prints help (and runs nothing), a bad or
unknown argument exits 2 with a message naming the argument and its value, before any case
runs."""

from __future__ import annotations

import pytest

from bench_support import load_benchmark


@pytest.fixture(scope="module")
def decisions():
    return load_benchmark("bench_decisions")


@pytest.fixture(scope="module")
def tracker(bench_tracker_script):
    return bench_tracker_script


def _exit_message(parse, argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        parse(argv)
    return info.value.code, capsys.readouterr()


def test_decisions_help_prints_usage_and_runs_nothing(decisions, capsys) -> None:
    code, out = _exit_message(decisions.main, ["--help"], capsys)
    assert code == 0
    assert "--repeat" in out.out and "requests" not in out.out.splitlines()[0]


def test_decisions_defaults_and_values(decisions) -> None:
    a = decisions.parse_args([])
    assert (a.n, a.consents, a.repeat, a.json) == (5000, 10_000, 5, False)
    a = decisions.parse_args(["12", "--repeat", "1", "--consents", "3", "--json"])
    assert (a.n, a.consents, a.repeat, a.json) == (12, 3, 1, True)


@pytest.mark.parametrize(("argv", "needle"), [
    (["-5"], "argument n: must be ≥ 1, got -5"),
    (["0"], "argument n: must be ≥ 1, got 0"),
    (["--repeat", "0"], "argument --repeat: must be ≥ 1, got 0"),
    (["--repeat", "x"], "argument --repeat: not an integer: 'x'"),
    (["--consents", "-1"], "argument --consents: must be ≥ 1, got -1"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_decisions_bad_arguments_exit_2_naming_them(decisions, capsys, argv, needle) -> None:
    code, out = _exit_message(decisions.main, argv, capsys)
    assert code == 2
    assert needle in out.err


def test_tracker_defaults_and_scenario_loaded_up_front(tracker) -> None:
    a = tracker.parse_args([])
    assert (a.targets, a.scans, a.peer_budget, a.ss_q, a.scenarios) == (
        [10, 20, 50, 100], 150, 200.0, 3000.0, {})
    a = tracker.parse_args(["--targets", "", "--scenario", "2017-03-06"])
    assert a.targets == [] and len(a.scenarios["2017-03-06"].launches) == 4


@pytest.mark.parametrize(("argv", "needle"), [
    (["--peer-budget", "-1"], "argument --peer-budget: must be > 0, got -1"),
    (["--peer-budget", "nan"], "argument --peer-budget: must be finite, got nan"),
    (["--scans", "0"], "argument --scans: must be ≥ 1, got 0"),
    (["--ss-q", "0"], "argument --ss-q: must be > 0, got 0"),
    (["--targets", "5,0"], "argument --targets: each N must be ≥ 1, got '5,0'"),
    (["--targets", "x"], "argument --targets: not comma-separated integers: 'x'"),
    (["--targets", ""], "argument --targets: no case to run"),
    (["--peer-associator", "nope"], "argument --peer-associator: invalid choice: 'nope'"),
    (["--scenario", "/nonexistent.toml"],
     "argument --scenario: SCENARIO='/nonexistent.toml': neither a file nor a packaged"),
])
def test_tracker_bad_arguments_exit_2_naming_them(tracker, capsys, argv, needle) -> None:
    code, out = _exit_message(tracker.parse_args, argv, capsys)
    assert code == 2
    assert needle in out.err


@pytest.mark.parametrize(("name", "argv", "needle"), [
    ("bench_live", ["--objects", "0"], "argument --objects: must be ≥ 1, got 0"),
    ("bench_live", ["--repeat", "0"], "argument --repeat: must be ≥ 1, got 0"),
    ("bench_live", ["--e2e", "-1"], "argument --e2e: must be ≥ 0, got -1"),
    ("bench_run_delivery", ["--repeat", "0"], "argument --repeat: must be ≥ 1, got 0"),
    ("bench_run_delivery", ["nosuch"], "argument scenario: SCENARIO='nosuch'"),
    ("bench_areas", ["--repeats", "0"], "argument --repeats: must be ≥ 1, got 0"),
    ("bench_areas", ["--scenario", "nosuch"], "argument --scenario: SCENARIO='nosuch'"),
])
def test_other_benchmarks_bad_arguments_exit_2_naming_them(name, argv, needle, capsys) -> None:
    module = load_benchmark(name)
    code, out = _exit_message(module.main, argv, capsys)
    assert code == 2
    assert needle in out.err


def test_bench_args_bounds() -> None:
    bench_args = load_benchmark("bench_args")
    assert bench_args.int_at_least(0)("0") == 0
    assert bench_args.float_above(0.0)("0.5") == 0.5
    for parse, text in ((bench_args.int_at_least(1), "1.5"), (bench_args.float_above(0.0), "0"),
                        (bench_args.float_above(0.0), "inf"), (bench_args.int_at_least(1), "")):
        with pytest.raises(bench_args.argparse.ArgumentTypeError):
            parse(text)


def test_tracker_cases_are_the_salvos_then_the_loaded_scenarios(tracker, tmp_path) -> None:
    a = tracker.parse_args(["--targets", "2", "--scenario", "2017-03-06"])
    cases = list(tracker._cases(a.targets, a.scenarios, a.seed, tmp_path))
    assert [name for name, _ in cases] == ["salvo-2", "2017-03-06"]
    assert [len(sc.launches) for _, sc in cases] == [2, 4]
