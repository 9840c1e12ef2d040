"""Tests for assure.spc: hand-worked XmR series, one per rule and icon, and properties.

Limits below are worked by hand with the MDC constants: limit = mean +/- 2.66 x mMR,
the "2 sigma" line = mean +/- (2/3 x 2.66) x mMR = mean +/- 1.773333.. x mMR, and a
moving range is screened out when it is at least 3.267 x the first mMR.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assure.spc import (
    ASSURANCE_ICONS,
    RULES,
    VARIATION_ICONS,
    VARIATIONS,
    SpcParams,
    SpcResult,
    analyse,
)

NEAR = 2 * (2.66 / 3)  # the 2-sigma multiple of the mean moving range


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def flagged(result: SpcResult, rule: str) -> list[int]:
    return [p.index for p in result.points if rule in p.rules]


def special(result: SpcResult) -> list[int]:
    return [p.index for p in result.points if p.variation not in ("common_cause", "missing")]


def assert_lines(result: SpcResult, mean: float, mmr: float, indices=None) -> None:
    points = result.points if indices is None else [result.points[i] for i in indices]
    for p in points:
        assert close(p.mean, mean), (p.index, p.mean, mean)
        assert close(p.upl, mean + 2.66 * mmr), (p.index, p.upl)
        assert close(p.lpl, mean - 2.66 * mmr), (p.index, p.lpl)
        assert close(p.upper_2sigma, mean + NEAR * mmr), (p.index, p.upper_2sigma)
        assert close(p.lower_2sigma, mean - NEAR * mmr), (p.index, p.lower_2sigma)


# Twelve points alternating 10, 12 -- a stable process used as a baseline.
# mean = (6 x 10 + 6 x 12) / 12 = 132 / 12 = 11
# moving ranges: eleven of 2, mMR = 2 (3.267 x 2 = 6.534, nothing screened)
# UPL = 11 + 2.66 x 2 = 16.32, LPL = 11 - 5.32 = 5.68
# 2-sigma lines = 11 +/- 1.77333 x 2 = 14.54667 / 7.45333
BASE = [10, 12] * 6


# --- limits ----------------------------------------------------------------


def test_stable_baseline_limits_and_common_cause():
    result = analyse(BASE)
    assert_lines(result, mean=11, mmr=2)
    assert close(result.points[0].upl, 16.32) and close(result.points[0].lpl, 5.68)
    assert special(result) == []
    assert all(p.rules == () for p in result.points)
    assert result.variation_icon == "common_cause"
    assert result.assurance_icon == "none"
    assert result.warnings == ()
    assert [p.index for p in result.points] == list(range(12))


def test_screening_changes_the_limits_for_one_huge_jump():
    # BASE + [24]: mean = (132 + 24) / 13 = 156 / 13 = 12
    # moving ranges: eleven of 2 and |24 - 12| = 12; first mMR = 34 / 12 = 2.8333
    # screen: 12 >= 3.267 x 2.8333 = 9.2565, so it goes; mMR = 22 / 11 = 2
    #   UPL = 12 + 5.32 = 17.32, LPL = 6.68
    # no screening: mMR = 34 / 12, UPL = 12 + 2.66 x 2.8333 = 19.53667
    values = BASE + [24]
    screened = analyse(values)
    unscreened = analyse(values, params=SpcParams(screen=False))
    assert_lines(screened, mean=12, mmr=2)
    assert_lines(unscreened, mean=12, mmr=34 / 12)
    assert close(screened.points[0].upl, 17.32)
    assert close(unscreened.points[0].upl, 19.536666666666667)
    # 24 is above both, so only the limits move, not the verdict
    assert flagged(screened, "outside_limits") == flagged(unscreened, "outside_limits") == [12]


def test_screening_keeps_ranges_just_below_the_threshold():
    # BASE + [18]: mean = 150 / 13; ranges eleven 2s and 6; first mMR = 28 / 12 = 2.3333
    # 3.267 x 2.3333 = 7.623 > 6, so nothing is screened and mMR stays 28 / 12
    assert_lines(analyse(BASE + [18]), mean=150 / 13, mmr=28 / 12)


# --- the four rules ----------------------------------------------------------


def test_outside_limits_on_both_sides():
    # BASE + [24] has UPL 17.32 (above); BASE + [-2]: mean = 130 / 13 = 10,
    # ranges eleven 2s and 14; first mMR = 36 / 12 = 3, 14 >= 9.801 screened, mMR = 2
    # so LPL = 10 - 5.32 = 4.68 and -2 is below it.
    high = analyse(BASE + [24])
    low = analyse(BASE + [-2])
    assert_lines(low, mean=10, mmr=2)
    assert flagged(high, "outside_limits") == [12]
    assert flagged(low, "outside_limits") == [12]
    assert high.points[12].variation == "special_cause_improving"
    assert low.points[12].variation == "special_cause_concerning"
    assert special(high) == special(low) == [12]


def test_a_point_exactly_on_a_limit_is_not_outside():
    # [0, 10] x 6: mean 5, mMR 10, UPL = 5 + 26.6 = 31.6. Fixing the limits on those
    # 12 points lets a 13th point sit exactly on the UPL it is judged against.
    first = analyse([0, 10] * 6)
    upl = first.points[0].upl
    assert close(upl, 5 + 2.66 * 10)
    # A point equal to the limit it is judged against is inside (strict >).
    params = SpcParams(fix_after=12)
    on_limit = analyse([0, 10] * 6 + [upl], params=params)
    assert on_limit.points[12].upl == upl
    assert "outside_limits" not in on_limit.points[12].rules
    just_over = analyse([0, 10] * 6 + [math.nextafter(upl, math.inf)], params=params)
    assert "outside_limits" in just_over.points[12].rules


SHIFT_OF_7 = [13, 7, 13, 7, 13, 7, 13, 7, 11, 12, 11, 12, 11, 12, 11]


def test_shift_of_seven_flags_every_point_in_the_run():
    # sum = 80 + 80 = 160, mean = 160 / 15 = 10.6667
    # ranges: seven 6s, |11 - 7| = 4, six 1s -> 52 / 14 = 3.7143 (threshold 12.13)
    # UPL = 20.5467, LPL = 0.7867, 2-sigma 17.2533 / 4.08: nothing near or outside.
    # 13s are above and 7s below, so the run above starts at index 8: 8..14 = 7 points.
    result = analyse(SHIFT_OF_7)
    assert_lines(result, mean=160 / 15, mmr=52 / 14)
    assert flagged(result, "shift") == list(range(8, 15))
    assert special(result) == list(range(8, 15))
    assert {result.points[i].variation for i in range(8, 15)} == {"special_cause_improving"}


def test_a_run_of_six_does_not_fire():
    # Drop the last point: mean = 149 / 14 = 10.643, 11 and 12 still above,
    # but the run is only indices 8..13 = 6 points.
    result = analyse(SHIFT_OF_7[:-1])
    assert flagged(result, "shift") == []
    assert special(result) == []


ON_MEAN = [14, 4, 14, 4, 14, 4, 14, 1, 11, 12, 11, 12, 10, 12, 11, 12]


def test_a_point_on_the_mean_breaks_a_run():
    # sum = 69 + 46 + 10 + 35 = 160, mean = 160 / 16 = 10 exactly, so index 12 (10) is
    # on the mean; the 7 points above it (8..11 and 13..15) are split 4 + 3.
    # ranges: six 10s, 13, 10, 1, 1, 1, 2, 2, 1, 1 -> 92 / 15 = 6.1333 (threshold 20.04)
    # UPL = 26.3147, LPL = -6.3147, 2-sigma 20.8764 / -0.8764: nothing else fires.
    result = analyse(ON_MEAN)
    assert_lines(result, mean=10, mmr=92 / 15)
    assert result.points[12].value == result.points[12].mean
    assert flagged(result, "shift") == []
    assert special(result) == []


def test_the_same_run_without_the_point_on_the_mean_fires():
    # 10.5 instead of 10: mean = 160.5 / 16 = 10.03125 and 10.5 is above it,
    # so indices 8..15 are 8 points above the mean.
    values = ON_MEAN[:12] + [10.5] + ON_MEAN[13:]
    result = analyse(values)
    assert close(result.points[0].mean, 10.03125)
    assert flagged(result, "shift") == list(range(8, 16))


TREND_UP = [10, 12, 10, 12, 10, 12, 8, 9, 10, 11, 12, 13, 14]


def test_trend_of_seven_flags_every_point_even_across_the_mean():
    # sum = 66 + 77 = 143, mean = 11
    # ranges: five 2s, |8 - 12| = 4, six 1s -> 20 / 12 = 1.6667 (threshold 5.445)
    # UPL = 15.4333, LPL = 6.5667, 2-sigma 13.9556 / 8.0444
    # 8..14 rise strictly for 7 points (indices 6..12); 14 and 8 are beyond 2 sigma but
    # each is the only such point in its window, so two-in-three does not fire.
    result = analyse(TREND_UP)
    assert_lines(result, mean=11, mmr=20 / 12)
    assert flagged(result, "trend") == list(range(6, 13))
    assert flagged(result, "two_in_three") == []
    # A rising trend is an improvement when higher is better, even the points
    # below the mean (8, 9, 10) and the one on it (11).
    assert {result.points[i].variation for i in range(6, 13)} == {"special_cause_improving"}
    decrease = analyse(TREND_UP, improvement="decrease")
    assert {decrease.points[i].variation for i in range(6, 13)} == {"special_cause_concerning"}


def test_a_tie_breaks_a_trend():
    # 8, 9, 10, 10, 11, 12, 13: the repeated 10 splits it into rises of 3 and 4.
    result = analyse([10, 12, 10, 12, 10, 12, 8, 9, 10, 10, 11, 12, 13])
    assert flagged(result, "trend") == []
    assert special(result) == []


def test_a_trend_of_six_does_not_fire():
    # 9..14 rises for only 6 points (12 -> 9 falls first).
    result = analyse([10, 12, 10, 12, 10, 12, 9, 10, 11, 12, 13, 14])
    assert flagged(result, "trend") == []


def test_the_turning_point_of_two_trends_takes_the_later_direction():
    # 0, 10 x 6, then 1..7 up and 7..1 down, sharing the peak at index 18.
    # mean = (60 + 49) / 25 = 4.36; ranges: eleven 10s, 9, twelve 1s -> 131 / 24
    # UPL = 4.36 + 2.66 x 5.4583 = 18.879, so nothing is outside.
    result = analyse([0, 10] * 6 + [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
    assert_lines(result, mean=4.36, mmr=131 / 24)
    assert flagged(result, "trend") == list(range(12, 25))
    assert {result.points[i].variation for i in range(12, 18)} == {"special_cause_improving"}
    assert {result.points[i].variation for i in range(18, 25)} == {"special_cause_concerning"}


def test_a_trend_point_keeps_its_own_trend_direction_at_a_plateau():
    # 1..7 rises (indices 12..18), a repeated 7 then 7..1 falls (19..25). Index 18
    # belongs only to the rise. NHSRplotthedots reads the step to its right (0, a
    # tie) and calls it decreasing; we keep the direction of the trend it is in.
    result = analyse([0, 10] * 6 + [1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1])
    assert flagged(result, "trend") == list(range(12, 26))
    assert result.points[18].variation == "special_cause_improving"
    assert result.points[19].variation == "special_cause_concerning"


TWO_IN_THREE = [8, 12] * 10 + [19, 13, 19]


def test_two_in_three_beyond_two_sigma():
    # sum = 200 + 51 = 251, mean = 251 / 23 = 10.9130
    # ranges: nineteen 4s, 7, 6, 6 -> 95 / 22 = 4.3182 (threshold 14.107)
    # UPL = 10.9130 + 11.4864 = 22.3994; upper 2-sigma = 10.9130 + 7.6576 = 18.5706
    # 19, 13, 19 are all above the mean; the two 19s are beyond 2 sigma but inside UPL.
    result = analyse(TWO_IN_THREE)
    assert_lines(result, mean=251 / 23, mmr=95 / 22)
    assert flagged(result, "two_in_three") == [20, 22]
    assert special(result) == [20, 22]
    assert result.points[22].variation == "special_cause_improving"
    assert result.variation_icon == "improving_high"


def test_two_in_three_needs_the_whole_window_on_one_side():
    # 20, 9, 20: mean = 249 / 23 = 10.826, ranges nineteen 4s, 8, 11, 11 -> 106 / 22
    # upper 2-sigma = 10.826 + 1.77333 x 4.8182 = 19.370 < 20 < UPL 23.642,
    # but 9 is below the mean, so NHSRplotthedots' rule does not fire.
    result = analyse([8, 12] * 10 + [20, 9, 20])
    assert_lines(result, mean=249 / 23, mmr=106 / 22)
    assert flagged(result, "two_in_three") == []
    assert special(result) == []


def test_one_point_beyond_two_sigma_is_not_enough():
    result = analyse([8, 12] * 10 + [19, 13, 12])
    assert flagged(result, "two_in_three") == []


# --- variation icons -------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "improvement", "icon"),
    [
        (24, "increase", "improving_high"),
        (24, "decrease", "concerning_high"),
        (24, "neutral", "neither_high"),
        (-2, "increase", "concerning_low"),
        (-2, "decrease", "improving_low"),
        (-2, "neutral", "neither_low"),
        (11, "increase", "common_cause"),
    ],
)
def test_variation_icon_follows_the_latest_point(last, improvement, icon):
    result = analyse(BASE + [last], improvement=improvement)
    assert result.variation_icon == icon
    expected = {
        "improving": "special_cause_improving",
        "concerning": "special_cause_concerning",
        "neither": "special_cause_high" if last > 11 else "special_cause_low",
        "common": "common_cause",
    }[icon.split("_")[0]]
    assert result.points[-1].variation == expected


def test_a_falling_trend_gives_concern_low_when_higher_is_better():
    # mean 11 (sum 143), ranges six 2s and six 1s -> mMR 1.5; 14..8 falls for 7 points.
    result = analyse([10, 12, 10, 12, 10, 12, 14, 13, 12, 11, 10, 9, 8])
    assert flagged(result, "trend") == list(range(6, 13))
    assert result.variation_icon == "concerning_low"


def test_only_the_latest_point_sets_the_icon():
    # An early outlier does not make the icon special cause.
    result = analyse([24] + BASE)
    assert special(result) == [0]
    assert result.variation_icon == "common_cause"


# --- assurance icons ---------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "improvement", "icon"),
    [
        (20, "increase", "consistently_fail"),  # target above UPL 16.32
        (5, "increase", "consistently_pass"),  # target below LPL 5.68
        (11, "increase", "hit_and_miss"),
        (20, "decrease", "consistently_pass"),
        (5, "decrease", "consistently_fail"),
        (11, "decrease", "hit_and_miss"),
        (20, "neutral", "none"),
        (None, "increase", "none"),
    ],
)
def test_assurance_icon(target, improvement, icon):
    assert analyse(BASE, improvement=improvement, target=target).assurance_icon == icon


def test_a_target_exactly_on_a_limit_is_hit_and_miss():
    upl = analyse(BASE).points[0].upl
    lpl = analyse(BASE).points[0].lpl
    for improvement in ("increase", "decrease"):
        assert analyse(BASE, improvement=improvement, target=upl).assurance_icon == "hit_and_miss"
        assert analyse(BASE, improvement=improvement, target=lpl).assurance_icon == "hit_and_miss"
    above = math.nextafter(upl, math.inf)
    assert analyse(BASE, target=above).assurance_icon == "consistently_fail"


def test_assurance_uses_the_latest_period_only():
    # Period 1 (10, 12): UPL 16.32; period 2 (20, 22): mean 21, LPL 15.68.
    values = BASE + [20, 22] * 6
    result = analyse(values, target=15, rebase_at=[12])
    assert result.assurance_icon == "consistently_pass"


# --- rebase and fix_after ----------------------------------------------------


def test_rebase_gives_each_period_its_own_limits():
    # Without rebase: mean = (132 + 252) / 24 = 16 and every point is in a run of 12.
    # With a rebase at 12: period 1 is BASE (mean 11, mMR 2) and period 2 is 20/22
    # (mean 21, mMR 2); the jump 12 -> 20 belongs to neither period.
    values = BASE + [20, 22] * 6
    plain = analyse(values)
    assert flagged(plain, "shift") == list(range(24))
    rebased = analyse(values, rebase_at=[12])
    assert_lines(rebased, mean=11, mmr=2, indices=range(12))
    assert_lines(rebased, mean=21, mmr=2, indices=range(12, 24))
    assert special(rebased) == []
    assert rebased.warnings == ()


def test_runs_do_not_cross_a_rebase():
    # Six points above the mean at the end of period 1 and six more at the start
    # of period 2 would be a run of 12 without the rebase.
    # Each period sums to 54 + 69 = 123 (mean 10.25), so 11s and 12s are above it.
    first = [14, 4, 14, 4, 14, 4] + [11, 12, 11, 12, 11, 12]
    second = [12, 11, 12, 11, 12, 11] + [4, 14, 4, 14, 4, 14]
    result = analyse(first + second, rebase_at=[12])
    assert flagged(result, "shift") == []
    assert flagged(analyse(first + second), "shift") == list(range(6, 18))


def test_rebase_at_zero_changes_nothing():
    assert analyse(BASE, rebase_at=[0]) == analyse(BASE)


def test_fix_after_judges_later_points_against_the_baseline():
    # Limits from the first 12 points only: mean 11, mMR 2, UPL 16.32, whatever follows.
    tail = [11, 13, 11, 13, 18]
    fixed = analyse(BASE + tail, params=SpcParams(fix_after=12))
    assert_lines(fixed, mean=11, mmr=2)
    assert flagged(fixed, "outside_limits") == [16]
    wilder = analyse(BASE + [11, 13, 11, 13, 100], params=SpcParams(fix_after=12))
    assert [p.upl for p in wilder.points] == [p.upl for p in fixed.points]
    # Unfixed, the tail moves the limits: mean = (132 + 66) / 17, mMR = (22 + 1 + 6 + 5) / 16.
    assert_lines(analyse(BASE + tail), mean=198 / 17, mmr=34 / 16)


def test_fix_after_applies_within_each_rebased_period():
    values = BASE + [50] + [20, 22] * 6 + [60]
    result = analyse(values, rebase_at=[13], params=SpcParams(fix_after=12))
    assert_lines(result, mean=11, mmr=2, indices=range(13))
    assert_lines(result, mean=21, mmr=2, indices=range(13, 26))
    assert flagged(result, "outside_limits") == [12, 25]


def test_fix_after_below_twelve_is_refused():
    with pytest.raises(ValueError, match="fix_after"):
        SpcParams(fix_after=11)


# --- short, empty, constant, pinned and gappy series -------------------------


def test_short_series_warns_and_gives_no_icons_but_keeps_limits():
    # 10, 12, 10, 12, 10: mean 54 / 5 = 10.8, mMR 2
    result = analyse([10, 12, 10, 12, 10], target=100)
    assert_lines(result, mean=10.8, mmr=2)
    assert result.variation_icon == "none"
    assert result.assurance_icon == "none"
    assert any("5 value(s)" in w for w in result.warnings)
    assert any(w.startswith("no icons") for w in result.warnings)


def test_eleven_points_is_short_and_twelve_is_enough():
    assert analyse(BASE[:11]).variation_icon == "none"
    assert analyse(BASE).variation_icon == "common_cause"


def test_empty_series():
    result = analyse([], target=3)
    assert result.points == ()
    assert result.variation_icon == result.assurance_icon == "none"
    assert result.warnings[0].startswith("no values")


def test_one_point_has_a_mean_but_no_limits():
    result = analyse([7.5])
    (point,) = result.points
    assert point.mean == 7.5
    assert point.upl is point.lpl is point.upper_2sigma is point.lower_2sigma is None
    assert point.variation == "common_cause"
    assert result.variation_icon == "none"
    assert any("no process limits" in w for w in result.warnings)


def test_all_missing():
    result = analyse([None, None, None])
    assert [p.variation for p in result.points] == ["missing"] * 3
    assert all(p.mean is None for p in result.points)
    assert result.variation_icon == "none"


def test_constant_series_has_limits_on_the_mean_and_no_special_cause():
    result = analyse([5] * 15, target=5)
    for p in result.points:
        assert p.mean == p.lpl == p.upl == p.lower_2sigma == p.upper_2sigma == 5
    assert special(result) == []
    assert result.variation_icon == "common_cause"
    assert result.assurance_icon == "hit_and_miss"  # target on the (collapsed) limits
    assert analyse([5] * 15, target=4).assurance_icon == "consistently_pass"
    assert analyse([5] * 15, target=6).assurance_icon == "consistently_fail"
    assert any("mean moving range of zero" in w for w in result.warnings)


def test_series_pinned_at_100_percent():
    result = analyse([100.0] * 15, target=95)
    assert result.points[0].upl == result.points[0].lpl == 100
    assert special(result) == []
    assert result.assurance_icon == "consistently_pass"


def test_pinned_series_with_one_dip_collapses_under_screening():
    # 100 x 6, 97, 100 x 8: mean = 1497 / 15 = 99.8; ranges: twelve 0s and two 3s.
    # First mMR = 6 / 14 = 0.4286; both 3s are >= 1.4001 and are screened, leaving
    # mMR = 0: the limits sit on the mean and every point is outside them.
    values = [100] * 6 + [97] + [100] * 8
    screened = analyse(values)
    assert_lines(screened, mean=99.8, mmr=0)
    assert flagged(screened, "outside_limits") == list(range(15))
    assert any("zero after screening" in w for w in screened.warnings)
    # Unscreened: UPL = 99.8 + 2.66 x 0.4286 = 100.94, LPL = 98.66; the dip is
    # outside and the 8 points at 100 after it are a shift above the mean.
    unscreened = analyse(values, params=SpcParams(screen=False))
    assert_lines(unscreened, mean=99.8, mmr=6 / 14)
    assert flagged(unscreened, "outside_limits") == [6]
    assert flagged(unscreened, "shift") == list(range(7, 15))


def test_missing_values_keep_their_index_and_break_no_moving_range_bridge():
    # Observed: 10, 12 | 12, 10, 12, ... -> mean 132 / 12 = 11.
    # Ranges only between neighbours that both have values: ten 2s, mMR = 2
    # (bridging the gap would add |12 - 12| = 0 and give 20 / 11).
    values = [10, 12, None, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10]
    result = analyse(values)
    assert_lines(result, mean=11, mmr=2)
    gap = result.points[2]
    assert (gap.index, gap.value, gap.rules, gap.variation) == (2, None, (), "missing")
    assert result.variation_icon == "common_cause"


def test_a_gap_neither_breaks_nor_extends_a_run():
    # SHIFT_OF_7 with a missing month inside the run: still 7 observed points above.
    values = SHIFT_OF_7[:11] + [None] + SHIFT_OF_7[11:]
    result = analyse(values)
    assert flagged(result, "shift") == [8, 9, 10, 12, 13, 14, 15]
    # ranges: seven 6s, 4, then 1, 1 | 1, 1, 1 (none across the gap) -> 51 / 13
    assert_lines(result, mean=160 / 15, mmr=51 / 13)


def test_icons_come_from_the_latest_observed_point():
    result = analyse(BASE + [24, None])
    assert result.variation_icon == "improving_high"
    assert result.points[-1].variation == "missing"


def test_nan_is_read_as_missing():
    assert analyse(BASE + [float("nan")]).points[-1].value is None


# --- argument checks ---------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"improvement": "up"},
        {"target": float("inf")},
        {"rebase_at": [12]},
        {"rebase_at": [-1]},
    ],
)
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        analyse(BASE, **kwargs)


def test_infinite_values_are_refused():
    with pytest.raises(ValueError, match="index 1"):
        analyse([1, math.inf, 2])


def test_results_are_deterministic_and_immutable():
    first = analyse(TWO_IN_THREE, target=15)
    assert first == analyse(TWO_IN_THREE, target=15)
    with pytest.raises(AttributeError):
        first.points[0].value = 3  # type: ignore[misc]


# --- properties --------------------------------------------------------------

integers = st.integers(min_value=-1000, max_value=1000)
series = st.lists(st.one_of(integers, integers, integers, st.none()), max_size=40)
improvements = st.sampled_from(["increase", "decrease", "neutral"])
targets = st.one_of(st.none(), integers)

TOL = 1e-9  # far below the 1/40 granularity of integer data, far above rounding noise


def _clear_of_boundaries(values, result: SpcResult, target) -> bool:
    """No value or target sits within TOL of a line it is compared with.

    Equality with the mean is allowed: integer data keeps it exact under the
    transformations tested. Equality with any other line, or with the outlier
    screening threshold, could flip by one rounding, so such draws are skipped.
    """
    scale = 1 + max((abs(v) for v in values if v is not None), default=0)
    for p in result.points:
        if p.value is None or p.upl is None:
            continue
        for line in (p.lpl, p.upl, p.lower_2sigma, p.upper_2sigma):
            if abs(p.value - line) <= TOL * scale:
                return False
    last = result.points[-1] if result.points else None
    if target is not None and last is not None and last.upl is not None:
        if min(abs(target - last.upl), abs(target - last.lpl)) <= TOL * scale:
            return False
    ranges = [abs(b - a) for a, b in zip(values, values[1:]) if a is not None and b is not None]
    if ranges:
        threshold = 3.267 * sum(ranges) / len(ranges)
        if any(abs(r - threshold) <= TOL * scale for r in ranges):
            return False
    return True


def _verdicts(result: SpcResult):
    return [(p.rules, p.variation) for p in result.points]


@settings(max_examples=75, deadline=None, database=None)
@given(series, integers, improvements, targets)
def test_adding_a_constant_shifts_lines_and_keeps_every_flag(values, shift, improvement, target):
    before = analyse(values, improvement=improvement, target=target)
    assume(_clear_of_boundaries(values, before, target))
    moved = [None if v is None else v + shift for v in values]
    after = analyse(moved, improvement=improvement, target=None if target is None else target + shift)
    scale = 1 + abs(shift) + max((abs(v) for v in values if v is not None), default=0)
    for p, q in zip(before.points, after.points):
        for name in ("mean", "lpl", "upl", "lower_2sigma", "upper_2sigma"):
            a, b = getattr(p, name), getattr(q, name)
            assert (a is None) == (b is None)
            if a is not None:
                assert math.isclose(a + shift, b, rel_tol=0, abs_tol=1e-12 * scale)
    assert _verdicts(before) == _verdicts(after)
    assert (before.variation_icon, before.assurance_icon) == (after.variation_icon, after.assurance_icon)


# Multipliers j / 2**p keep integer data exact where it matters (a point equal to the
# mean stays equal to it), while still ranging from about 0.001 to 1000.
multipliers = st.builds(lambda j, p: j / 2**p, st.integers(1, 1000), st.integers(0, 10))


@settings(max_examples=75, deadline=None, database=None)
@given(series, multipliers, improvements, targets)
def test_scaling_by_a_positive_constant_scales_lines_and_keeps_every_flag(values, k, improvement, target):
    before = analyse(values, improvement=improvement, target=target)
    assume(_clear_of_boundaries(values, before, target))
    scaled = [None if v is None else v * k for v in values]
    scale = 1 + max((abs(v) for v in values if v is not None), default=0)
    after = analyse(scaled, improvement=improvement, target=None if target is None else target * k)
    for p, q in zip(before.points, after.points):
        for name in ("mean", "lpl", "upl", "lower_2sigma", "upper_2sigma"):
            a, b = getattr(p, name), getattr(q, name)
            assert (a is None) == (b is None)
            if a is not None:
                assert math.isclose(a * k, b, rel_tol=1e-12, abs_tol=1e-12 * k * scale)
    assert _verdicts(before) == _verdicts(after)
    assert (before.variation_icon, before.assurance_icon) == (after.variation_icon, after.assurance_icon)


SWAP = {
    "special_cause_improving": "special_cause_concerning",
    "special_cause_concerning": "special_cause_improving",
    "consistently_pass": "consistently_fail",
    "consistently_fail": "consistently_pass",
    "improving_high": "concerning_high",
    "improving_low": "concerning_low",
    "concerning_high": "improving_high",
    "concerning_low": "improving_low",
}


@settings(max_examples=75, deadline=None, database=None)
@given(series, st.sampled_from(["increase", "decrease"]), targets)
def test_reversing_the_direction_swaps_improving_and_concerning(values, improvement, target):
    other = "decrease" if improvement == "increase" else "increase"
    a = analyse(values, improvement=improvement, target=target)
    b = analyse(values, improvement=other, target=target)
    assert [p.rules for p in a.points] == [p.rules for p in b.points]
    assert [SWAP.get(p.variation, p.variation) for p in a.points] == [p.variation for p in b.points]
    assert SWAP.get(a.variation_icon, a.variation_icon) == b.variation_icon
    assert SWAP.get(a.assurance_icon, a.assurance_icon) == b.assurance_icon


MIRROR = {
    "improving_high": "improving_low",
    "improving_low": "improving_high",
    "concerning_high": "concerning_low",
    "concerning_low": "concerning_high",
    "neither_high": "neither_low",
    "neither_low": "neither_high",
    "special_cause_high": "special_cause_low",
    "special_cause_low": "special_cause_high",
}


@settings(max_examples=75, deadline=None, database=None)
@given(series, improvements, targets)
def test_mirroring_values_target_and_direction_keeps_the_verdict(values, improvement, target):
    # Negation is exact in floating point, so this holds with no tolerance at all.
    other = {"increase": "decrease", "decrease": "increase", "neutral": "neutral"}[improvement]
    a = analyse(values, improvement=improvement, target=target)
    b = analyse(
        [None if v is None else -v for v in values],
        improvement=other,
        target=None if target is None else -target,
    )
    for p, q in zip(a.points, b.points):
        assert (q.mean, q.lpl, q.upl) == (
            None if p.mean is None else -p.mean,
            None if p.upl is None else -p.upl,
            None if p.lpl is None else -p.lpl,
        )
        assert p.rules == q.rules
        assert MIRROR.get(p.variation, p.variation) == q.variation
    assert MIRROR.get(a.variation_icon, a.variation_icon) == b.variation_icon
    assert a.assurance_icon == b.assurance_icon


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None, database=None)
@given(
    st.lists(st.one_of(finite, finite, st.none()), max_size=40),
    improvements,
    st.one_of(st.none(), finite),
    st.booleans(),
    st.lists(st.integers(0, 39), max_size=3),
)
def test_results_are_always_well_formed(values, improvement, target, screen, rebase_at):
    rebase_at = [i for i in rebase_at if i < len(values)]
    params = SpcParams(screen=screen)
    result = analyse(values, improvement=improvement, target=target, rebase_at=rebase_at, params=params)
    assert [p.index for p in result.points] == list(range(len(values)))
    for p in result.points:
        if p.upl is not None:
            assert p.lpl <= p.lower_2sigma <= p.mean <= p.upper_2sigma <= p.upl
        assert set(p.rules) <= set(RULES)
        assert p.variation in VARIATIONS
        assert (p.variation == "missing") == (p.value is None)
        assert (p.variation == "common_cause") == (p.value is not None and p.rules == ())
        if improvement != "neutral":
            assert p.variation not in ("special_cause_high", "special_cause_low")
        else:
            assert p.variation not in ("special_cause_improving", "special_cause_concerning")
    assert result.variation_icon in VARIATION_ICONS
    assert result.assurance_icon in ASSURANCE_ICONS
