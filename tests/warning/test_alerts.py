"""The warning policy (gsomia.warning.alerts): issue, update, withdraw, and the score."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.warning.alerts import Assessment, WarningLog, WarningPolicy, score_log

POLICY = WarningPolicy()
LAND = ("JPN", "land")
EEZ = ("JPN", "eez")


def _log(*assessments: Assessment | float) -> WarningLog:
    """A log fed with assessments; a bare float is a time without a track."""
    log = WarningLog("JPN", "L1", POLICY)
    for a in assessments:
        if isinstance(a, Assessment):
            log.assess(a)
        else:
            log.no_track(a)
    return log


def test_overflight_announced_then_retracted_when_the_missile_fails() -> None:
    # 3 Nov 2022 in miniature: an overflight of land is likely, then the missile is seen
    # falling short over the Sea of Japan (no own area at risk any more)
    # (the withdrawal once three assessments, hold_s = 20 s, have called for it)
    log = _log(Assessment(60.0, {}, {LAND: 0.7}), Assessment(70.0, {}, {LAND: 0.8}),
               Assessment(150.0, {}, {}), Assessment(160.0, {}, {}),
               Assessment(170.0, {}, {}))
    assert [(e.action, e.area, e.t_s) for e in log.entries] == [
        ("issue", LAND, 60.0), ("withdraw", LAND, 170.0)]
    assert "fly over JPN land below 1000 km" in log.entries[0].reason
    assert log.entries[1].reason.startswith("predicted area no longer at risk")
    s = score_log(log.entries, 0.0, 400.0, true_areas=())
    assert s["false_warnings"] == 1 and s["false_duration_s"] == pytest.approx(110.0)
    assert s["withdrawals"] == 1 and s["withdraw_lead_s"] == [230.0]
    assert s["first_correct_s"] is None and not s["missed"]


def test_a_lost_track_is_withdrawn_after_the_policy_time() -> None:
    # 13 Apr 2023 in miniature: a land impact predicted, then no track
    log = _log(Assessment(100.0, {LAND: 0.6}), 110.0, 120.0, 130.0, 140.0)
    assert [e.action for e in log.entries] == ["issue", "withdraw"]
    assert log.entries[1].t_s == 130.0           # 30 s after the last assessment
    assert log.entries[1].reason.startswith("track lost for 30 s")


def test_a_move_to_a_more_severe_area_is_an_update_and_hysteresis_holds() -> None:
    log = _log(Assessment(10.0, {EEZ: 0.5}), Assessment(20.0, {EEZ: 0.5, LAND: 0.35}),
               Assessment(30.0, {EEZ: 0.2, LAND: 0.15}),   # between p_withdraw and p_issue
               Assessment(40.0, {EEZ: 0.05}), Assessment(50.0, {EEZ: 0.05}),
               Assessment(60.0, {EEZ: 0.05}))
    assert [(e.action, e.area, e.t_s) for e in log.entries] == [
        ("issue", EEZ, 10.0), ("update", LAND, 20.0), ("withdraw", LAND, 60.0)]
    # scored against a true impact in the EEZ: the issue is correct, the update false
    s = score_log(log.entries, 0.0, 500.0, true_areas={EEZ})
    assert s["first_correct_s"] == 10.0 and s["false_warnings"] == 1
    assert s["false_duration_s"] == pytest.approx(40.0)


def test_a_choice_that_flickers_between_two_areas_is_not_announced() -> None:
    """Land and EEZ alternate from one assessment to the next (as the 2017-03-06 logs did):
    the escalation to land is announced at once, the move back to the EEZ never (it never
    persists for hold_s); once the EEZ persists, it is announced."""
    flicker = [Assessment(10.0 * i, {EEZ: 0.5} if i % 2 else {LAND: 0.4})
               for i in range(1, 8)]
    log = _log(*flicker, Assessment(80.0, {EEZ: 0.5}), Assessment(90.0, {EEZ: 0.5}))
    assert [(e.action, e.area, e.t_s) for e in log.entries] == [
        ("issue", EEZ, 10.0), ("update", LAND, 20.0), ("update", EEZ, 90.0)]


def test_a_less_severe_area_announced_for_the_first_time_is_not_held() -> None:
    """2017-03-06 in miniature: an overflight of land is issued, then the impact is seen in
    the EEZ (the true area): the move to the EEZ, its first announcement, is made at once;
    a move back to land, announced hold_s before, is an escalation made at once too; the
    EEZ again (already announced) waits until it has persisted for hold_s."""
    log = _log(Assessment(60.0, {}, {LAND: 0.4}), Assessment(70.0, {EEZ: 0.9}),
               Assessment(80.0, {EEZ: 0.5}, {LAND: 0.35}), Assessment(90.0, {EEZ: 0.9}),
               Assessment(100.0, {EEZ: 0.9}), Assessment(110.0, {EEZ: 0.9}))
    assert [(e.action, e.area, e.t_s) for e in log.entries] == [
        ("issue", LAND, 60.0), ("update", EEZ, 70.0), ("update", LAND, 80.0),
        ("update", EEZ, 110.0)]
    assert score_log(log.entries, 0.0, 400.0, true_areas={EEZ})["first_correct_s"] == 70.0


def test_a_probability_change_below_the_step_is_not_announced() -> None:
    log = _log(Assessment(10.0, {EEZ: 0.5}), Assessment(20.0, {EEZ: 0.6}),
               Assessment(30.0, {EEZ: 0.8}))
    assert [(e.action, e.p) for e in log.entries] == [("issue", 0.5), ("update", 0.8)]


def test_a_true_area_never_warned_is_missed() -> None:
    s = score_log([], 0.0, 300.0, true_areas={EEZ})
    assert s["missed"] and s["first_correct_s"] is None and s["entries"] == 0


@pytest.mark.parametrize(("field", "kwargs"), [
    ("warning_policy.p_issue", {"p_issue": 1.5}),
    ("warning_policy.p_withdraw", {"p_issue": 0.2, "p_withdraw": 0.3}),
    ("warning_policy.lost_after_s", {"lost_after_s": 0.0}),
], ids=["p-issue", "withdraw-above-issue", "lost-zero"])
def test_a_bad_policy_names_the_field(field: str, kwargs: dict) -> None:
    with pytest.raises(InputError) as exc:
        WarningPolicy(**kwargs)
    assert exc.value.field == field


CELLS = st.sampled_from([LAND, EEZ, ("JPN", "territorial_sea")])
STEPS = st.lists(st.one_of(
    st.none(), st.dictionaries(CELLS, st.floats(0.0, 1.0), max_size=3)), max_size=30)


def _fed(steps: list, policy: WarningPolicy = POLICY) -> WarningLog:
    """A log fed one step every 10 s: an assessment's probabilities, or None (no track)."""
    log = WarningLog("JPN", "L1", policy)
    for i, probs in enumerate(steps):
        t = 10.0 * i
        if probs is None:
            log.no_track(t)
        else:
            log.assess(Assessment(t, probs))
    return log


@settings(max_examples=200, deadline=None)
@given(STEPS)
def test_any_sequence_gives_a_well_formed_log(steps: list) -> None:
    log = _fed(steps)
    active = False
    for e in log.entries:
        # issue only when none is in force, update and withdraw only when one is
        assert (e.action == "issue") == (not active)
        active = e.action != "withdraw"
        assert 0.0 <= e.p <= 1.0 and e.party == "JPN" and e.reason
        if e.action != "withdraw":
            assert e.p >= POLICY.p_issue


@settings(max_examples=300, deadline=None)
@given(STEPS, st.sampled_from([0.0, 10.0, 20.0, 45.0]))
def test_no_area_is_announced_or_withdrawn_twice_within_the_hold_time(steps: list,
                                                                      hold_s: float) -> None:
    log = _fed(steps, WarningPolicy(hold_s=hold_s))
    for kind in ("announced", "withdrawn"):
        times: dict[tuple[str, str], list[float]] = {}
        for e in log.entries:
            if (e.action == "withdraw") == (kind == "withdrawn"):
                times.setdefault(e.area, []).append(e.t_s)
        for area, ts in times.items():
            gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
            assert all(g >= hold_s - 1e-9 for g in gaps), (kind, area, ts)


ZONES = ("land", "territorial_sea", "eez")   # most severe first (gsomia.warning.alerts)
PROBS = st.dictionaries(CELLS, st.floats(0.0, 1.0), max_size=3)


def _called_for(a: Assessment, policy: WarningPolicy) -> tuple[str, str] | None:
    """The area the thresholds call for (module notes): the most severe own area whose
    impact probability, or overflight probability over land or territorial sea, is at
    least p_issue."""
    over = {c: p for c, p in a.overflight.items() if c[1] != "eez"}
    areas = [c for probs in (a.impact, over) for c, p in probs.items() if p >= policy.p_issue]
    return min(areas, key=lambda c: ZONES.index(c[1])) if areas else None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.tuples(PROBS, PROBS)), max_size=30),
       st.sampled_from([0.0, 10.0, 20.0, 45.0]))
def test_the_first_warning_of_an_area_is_never_held(steps: list, hold_s: float) -> None:
    """For any assessment sequence and hold time, each area is first announced (issued or
    updated to) at the first assessment that calls for it, never later, never before."""
    policy = WarningPolicy(hold_s=hold_s)
    log = WarningLog("JPN", "L1", policy)
    first_called: dict[tuple[str, str], float] = {}
    for i, step in enumerate(steps):
        t = 10.0 * i
        if step is None:
            log.no_track(t)
            continue
        a = Assessment(t, step[0], step[1])
        log.assess(a)
        area = _called_for(a, policy)
        if area is not None:
            first_called.setdefault(area, t)
    first_announced: dict[tuple[str, str], float] = {}
    for e in log.entries:
        if e.action != "withdraw":
            first_announced.setdefault(e.area, e.t_s)
    assert first_announced == first_called
