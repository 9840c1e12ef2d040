"""Verdicts from judge(): a table of hand-worked cases, and properties every rule obeys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assure.judge import judge
from assure.model import Rule, Source
from assure.periods import Period
from assure.results import Verdict

M, AR, MI, OT, ND, NO, INV = (Verdict.MET, Verdict.AT_RISK, Verdict.MISSED, Verdict.OFF_TRAJECTORY,
                              Verdict.NOT_DUE, Verdict.NO_DATA, Verdict.INVALID_DATA)


def rule(comparator=">=", target=(76.0,), warn=None, start="2023-04", deadline="2024-03", trajectory=()):
    return Rule(id="r", title="t", metric="m", kind="threshold", comparator=comparator, target=target, warn=warn,
                start=Period.parse(start) if start else None, deadline=Period.parse(deadline) if deadline else None,
                trajectory=tuple((Period.parse(p), v) for p, v in trajectory), levels=("icb",), orgs=(), owner="",
                committee="", programme="", tags=(), register=(), source=Source("f", 1, "q"), not_followed=(),
                rationale="", path="rules/x.toml")


CASES = [
    # rule, value, period, expected
    (rule(), 76.0, "2024-03", M),
    (rule(), 75.99, "2024-03", MI),
    (rule(warn=74.0), 74.0, "2024-03", AR),
    (rule(warn=74.0), 73.9, "2024-03", MI),
    (rule(), 80.0, "2024-06", M),                       # after the deadline the target still applies
    (rule(), 80.0, "2023-10", ND),                      # before the deadline, no trajectory
    (rule(), 80.0, "2023-01", ND),                      # before the start
    (rule(trajectory=[("2023-10", 74.0)]), 74.5, "2023-11", M),
    (rule(trajectory=[("2023-10", 74.0)]), 73.0, "2023-11", OT),
    (rule("<=", (92.0,), warn=93.0), 92.5, "2024-03", AR),
    (rule("<=", (92.0,)), 94.3, "2024-03", MI),
    (rule("<", (30.0,)), 30.0, "2024-03", MI),
    (rule(">", (30.0,)), 30.0, "2024-03", MI),
    (rule("between", (12.0, 14.0)), 14.0, "2024-03", M),
    (rule("between", (12.0, 14.0)), 14.1, "2024-03", MI),
    (rule("eliminate", (0.0,)), 0.0, "2024-03", M),
    (rule("eliminate", (0.0,), warn=5.0), 3.0, "2024-03", AR),
    (rule("eliminate", (0.0,)), 3.0, "2024-03", MI),
    (rule("<=", (33.0,), trajectory=[("2023-04", 40.0)]), 35.0, "2023-08", M),
    (rule("<=", (33.0,), trajectory=[("2023-04", 34.0)]), 35.0, "2023-08", OT),
    (rule(deadline=None), 70.0, "2023-05", MI),
]


@pytest.mark.parametrize("the_rule, value, period, expected", CASES)
def test_hand_worked_verdicts(the_rule, value, period, expected):
    assert judge(the_rule, value, Period.parse(period)).verdict is expected


def test_invalid_data_outranks_any_value():
    assert judge(rule(), 99.0, Period(2024, 3), invalid="rejected rows").verdict is INV


def test_no_value_is_no_data():
    outcome = judge(rule(), None, Period(2024, 3), missing="RJN sent nothing")
    assert (outcome.verdict, outcome.reason) == (NO, "RJN sent nothing")


periods = st.builds(Period, st.integers(2020, 2027), st.integers(1, 12))
values = st.floats(0, 200, allow_nan=False)


@given(values, values, periods)
def test_higher_never_judges_worse_when_higher_is_better(a, b, period):
    order = {M: 0, AR: 1, OT: 2, MI: 2, ND: 0}
    low, high = sorted((a, b))
    r = rule(warn=70.0, trajectory=[("2023-09", 60.0)])
    assert order[judge(r, high, period).verdict] <= order[judge(r, low, period).verdict]


@given(values, periods, st.sampled_from([">=", "<=", ">", "<", "eliminate"]))
def test_exactly_one_verdict_with_a_reason(value, period, comparator):
    outcome = judge(rule(comparator, (50.0,)), value, period)
    assert isinstance(outcome.verdict, Verdict) and outcome.reason


# -- direction, gap, milestone and per-geography targets -------------------------------

from dataclasses import replace  # noqa: E402
from datetime import date  # noqa: E402

from assure.judge import judge_milestone  # noqa: E402


def direction(way="reduce", by=25.0, per_year=False, baseline=("2020-03", 100.0), deadline="2024-03", comparator=None):
    implied = comparator or ({"reduce": "<=", "increase": ">="}[way] if by else {"reduce": "<", "increase": ">"}[way])
    return replace(rule(implied, (0.0,), deadline=deadline), kind="direction", direction=way, by=by, per_year=per_year,
                   baseline=(Period.parse(baseline[0]), baseline[1]))


DIRECTION_CASES = [
    (direction(), 75.0, "2024-03", M),                 # 100 reduced by 25% is 75
    (direction(), 75.1, "2024-03", MI),
    (direction(), 60.0, "2023-10", ND),                # before the deadline, no trajectory
    (direction(by=None), 99.9, "2024-03", M),          # any reduction
    (direction(by=None), 100.0, "2024-03", MI),
    (direction("increase", 5.0, True, ("2022-04", 100.0)), 105.0, "2023-04", M),    # one year: 105
    (direction("increase", 5.0, True, ("2022-03", 100.0)), 110.0, "2024-03", MI),   # two years: 110.25
    (direction("increase", 5.0, True, ("2022-03", 100.0)), 110.25, "2024-03", M),
]


@pytest.mark.parametrize("the_rule, value, period, expected", DIRECTION_CASES)
def test_direction_rules(the_rule, value, period, expected):
    assert judge(the_rule, value, Period.parse(period)).verdict is expected


def test_yearly_increase_compounds_between_years():
    r = direction("increase", 5.0, True, ("2022-03", 100.0))
    assert r.target_for(Period(2023, 9))[0] == pytest.approx(100 * 1.05 ** 1.5)
    assert judge(r, 107.0, Period(2023, 9)).verdict is MI
    assert judge(r, 107.6, Period(2023, 9)).verdict is M


def test_gap_must_narrow_from_its_baseline():
    gap = replace(rule("<=", (0.0,)), kind="gap", by=20.0, direction="reduce",
                  baseline=(Period(2023, 3), 10.0), versus="other")
    assert gap.target_for(Period(2024, 3)) == (8.0,)
    assert judge(gap, 7.9, Period(2024, 3)).verdict is M
    assert judge(gap, 9.0, Period(2024, 3)).verdict is MI


def test_a_geography_can_have_its_own_target():
    r = replace(rule("between", (12.0, 14.0)), targets=(("E06000049", (12.0, 13.0)),))
    assert judge(r, 13.5, Period(2024, 3), geography="E08000012").verdict is M
    assert judge(r, 13.5, Period(2024, 3), geography="E06000049").verdict is MI


MILESTONE = replace(rule(), kind="milestone", milestone="WF-PLAN", dataset="milestones", metric="")


@pytest.mark.parametrize("row, period, expected, words", [
    (("delivered", date(2024, 2, 14), "board paper"), "2024-03", M, "delivered on 2024-02-14"),
    (("delivered", date(2024, 3, 31), ""), "2024-03", M, "by the deadline"),
    (("delivered", date(2024, 4, 2), ""), "2024-04", MI, "delivered late"),
    (("in_progress", None, ""), "2024-03", MI, "overdue"),
    (("in_progress", None, ""), "2023-11", ND, "due by 2024-03"),
    (None, "2023-11", NO, "no row"),
    (("delivered", None, ""), "2024-03", INV, "no delivery date"),
])
def test_milestone_verdicts(row, period, expected, words):
    outcome = judge_milestone(MILESTONE, row, Period.parse(period))
    assert outcome.verdict is expected and words in outcome.reason


# -- a baseline measured from the data -----------------------------------------------------

def measured(way="reduce", by=None, baseline="2023-04", deadline=None):
    return replace(direction(way, by, deadline=deadline), baseline=(Period.parse(baseline), None), start=None)


def test_a_measured_baseline_is_the_geographys_own_value():
    r = measured(by=10.0)
    outcome = judge(r, 89.0, Period(2024, 3), baseline=100.0)
    assert outcome.verdict is M and outcome.target == 90.0
    assert "from 100 in 2023-04, as measured" in outcome.reason
    assert judge(r, 91.0, Period(2024, 3), baseline=100.0).verdict is MI
    # Each geography moves from its own starting point.
    assert judge(r, 91.0, Period(2024, 3), baseline=120.0).verdict is M


def test_any_move_in_the_direction_meets_a_measured_baseline_without_by():
    r = measured("increase")
    assert judge(r, 100.1, Period(2024, 3), baseline=100.0).verdict is M
    assert judge(r, 100.0, Period(2024, 3), baseline=100.0).verdict is MI


def test_the_baseline_period_itself_is_not_judged():
    r = measured()
    outcome = judge(r, 100.0, Period(2023, 4), baseline=100.0)
    assert outcome.verdict is ND and "baseline period" in outcome.reason
    assert judge(r, 90.0, Period(2023, 3), baseline=100.0).verdict is ND


def test_no_baseline_value_is_no_data_not_a_guess():
    outcome = judge(measured(), 90.0, Period(2024, 3), baseline=None)
    assert outcome.verdict is NO and "no baseline" in outcome.reason and "2023-04" in outcome.reason


@given(st.floats(1, 1e6), st.floats(0.5, 2.0), st.floats(1, 50))
def test_measured_reduction_is_met_exactly_when_the_value_reaches_the_moved_baseline(base, ratio, by):
    value = base * ratio
    expected = M if value <= round(base * (1 - by / 100), 9) else MI
    assert judge(measured(by=by), value, Period(2024, 3), baseline=base).verdict is expected


# -- a range is met from its better side -----------------------------------------------------

@pytest.mark.parametrize("polarity, value, expected", [
    ("lower_is_better", 11.0, M),    # fewer delayed discharges than the 12-14% range
    ("lower_is_better", 15.0, MI),
    ("higher_is_better", 15.0, M),   # above the range, where more is better (virtual ward beds)
    ("higher_is_better", 11.0, MI),
    ("neutral", 11.0, MI),           # a range with no better side stays strict
    ("neutral", 13.0, M),
])
def test_a_range_is_met_from_its_better_side(polarity, value, expected):
    outcome = judge(rule("between", (12.0, 14.0)), value, Period(2024, 3), polarity=polarity)
    assert outcome.verdict is expected
    if expected is M and not 12.0 <= value <= 14.0:
        assert "better than the target range" in outcome.reason
