"""Statistical process control (XmR charts) the NHS "Making Data Count" way.

Given a metric's values in time order, `analyse` works out the process mean and
limits, marks the points that show special-cause variation, and chooses the
variation and assurance icons a Making Data Count (MDC) summary shows. The
method follows NHS England's MDC guidance as the NHS-R NHSRplotthedots package
implements it; docs/spc.md explains the method and every edge case, and says
where (and why) this module departs from that package.

Plain Python on purpose: it is imported by the command line tool and must load
in milliseconds, and it rounds nothing, so callers round for display.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Improvement = Literal["increase", "decrease", "neutral"]
Rule = Literal["outside_limits", "shift", "trend", "two_in_three"]
Variation = Literal[
    "common_cause",
    "special_cause_improving",
    "special_cause_concerning",
    "special_cause_high",
    "special_cause_low",
    "missing",
]
VariationIcon = Literal[
    "common_cause",
    "improving_high",
    "improving_low",
    "concerning_high",
    "concerning_low",
    "neither_high",
    "neither_low",
    "none",
]
AssuranceIcon = Literal["consistently_pass", "consistently_fail", "hit_and_miss", "none"]

IMPROVEMENTS: tuple[Improvement, ...] = ("increase", "decrease", "neutral")
RULES: tuple[Rule, ...] = ("outside_limits", "shift", "trend", "two_in_three")
VARIATIONS: tuple[Variation, ...] = (
    "common_cause",
    "special_cause_improving",
    "special_cause_concerning",
    "special_cause_high",
    "special_cause_low",
    "missing",
)
VARIATION_ICONS: tuple[VariationIcon, ...] = (
    "common_cause",
    "improving_high",
    "improving_low",
    "concerning_high",
    "concerning_low",
    "neither_high",
    "neither_low",
    "none",
)
ASSURANCE_ICONS: tuple[AssuranceIcon, ...] = (
    "consistently_pass",
    "consistently_fail",
    "hit_and_miss",
    "none",
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _is_real(number: object) -> bool:
    # numbers.Real admits numpy scalars too; bool is an int but never a measurement.
    return isinstance(number, numbers.Real) and not isinstance(number, bool)


def _positive(number: object) -> bool:
    return _is_real(number) and math.isfinite(number) and number > 0


def _int_at_least(number: object, low: int) -> bool:
    return isinstance(number, numbers.Integral) and not isinstance(number, bool) and number >= low


@dataclass(frozen=True)
class SpcParams:
    """Every tunable of the method; the defaults are the MDC ones."""

    limit_multiplier: float = 2.66  # 3 sigma, as 3 / 1.128 (d2 for n = 2)
    screen_multiplier: float = 3.267  # D4 for n = 2: the upper limit of a moving range
    screen: bool = True
    run_length: int = 7
    trend_length: int = 7
    near_sigmas: float = 2.0
    near_count: int = 2
    near_window: int = 3
    min_points: int = 12
    fix_after: int | None = None

    def __post_init__(self) -> None:
        _require(_positive(self.limit_multiplier), "limit_multiplier must be a positive number")
        _require(_positive(self.screen_multiplier), "screen_multiplier must be a positive number")
        _require(isinstance(self.screen, bool), "screen must be True or False")
        _require(_int_at_least(self.run_length, 2), "run_length must be an integer of at least 2")
        _require(_int_at_least(self.trend_length, 2), "trend_length must be an integer of at least 2")
        _require(
            _positive(self.near_sigmas) and self.near_sigmas < 3,
            "near_sigmas must be above 0 and below 3 (the process limits are 3 sigma)",
        )
        _require(_int_at_least(self.near_window, 1), "near_window must be an integer of at least 1")
        _require(
            _int_at_least(self.near_count, 1) and self.near_count <= self.near_window,
            "near_count must be an integer from 1 to near_window",
        )
        _require(_int_at_least(self.min_points, 0), "min_points must be a non-negative integer")
        _require(
            self.fix_after is None or _int_at_least(self.fix_after, max(2, self.min_points)),
            f"fix_after must be None or an integer of at least {max(2, self.min_points)} "
            "(limits fixed on fewer points than min_points are not reliable)",
        )


@dataclass(frozen=True)
class SpcPoint:
    """One period: its value and the lines of the period it belongs to.

    Lines are None where the data cannot give them (no value yet, or no moving
    range); `rules` lists the special-cause rules that flagged the point.
    """

    index: int
    value: float | None
    mean: float | None
    lpl: float | None
    upl: float | None
    lower_2sigma: float | None
    upper_2sigma: float | None
    rules: tuple[Rule, ...]
    variation: Variation


@dataclass(frozen=True)
class SpcResult:
    """A whole series: every point, the two MDC icons, and why anything was left out."""

    points: tuple[SpcPoint, ...]
    variation_icon: VariationIcon
    assurance_icon: AssuranceIcon
    warnings: tuple[str, ...]
    params: SpcParams
    improvement: Improvement
    target: float | None


@dataclass(frozen=True)
class _Lines:
    """The horizontal lines of one period's chart; None where the data cannot give one."""

    mean: float | None = None
    lpl: float | None = None
    upl: float | None = None
    lower_near: float | None = None
    upper_near: float | None = None


@dataclass(frozen=True)
class _Period:
    start: int
    values: tuple[float | None, ...]
    lines: _Lines
    observed: int


def analyse(
    values: Sequence[float | None],
    *,
    improvement: Improvement = "increase",
    target: float | None = None,
    rebase_at: Sequence[int] = (),
    params: SpcParams = SpcParams(),
) -> SpcResult:
    """Run the MDC XmR analysis over `values`, one per period, oldest first.

    None (or NaN) marks a missing period. `improvement` says which way is better;
    `target` feeds the assurance icon; each index in `rebase_at` starts a new
    period with its own limits. Raises ValueError on arguments that make no sense.
    """
    clean = _clean_values(values)
    _check_arguments(len(clean), improvement, target, rebase_at, params)
    warnings: list[str] = []
    periods = [_build_period(start, chunk, params, warnings) for start, chunk in _split(clean, rebase_at)]
    points = tuple(point for period in periods for point in _period_points(period, improvement, params))
    variation_icon, assurance_icon = _icons(points, periods, improvement, target, params, warnings)
    if not any(value is not None for value in clean):
        warnings.insert(0, "no values: there is nothing to analyse")
    return SpcResult(
        points=points,
        variation_icon=variation_icon,
        assurance_icon=assurance_icon,
        warnings=tuple(warnings),
        params=params,
        improvement=improvement,
        target=None if target is None else float(target),
    )


# --- validation -----------------------------------------------------------


def _clean_values(values: Sequence[float | None]) -> tuple[float | None, ...]:
    # NaN is how pandas spells "missing", so it is read as a missing period;
    # an infinity, though, is a broken number and must not become a limit.
    cleaned: list[float | None] = []
    for position, value in enumerate(values):
        if value is None or (_is_real(value) and math.isnan(value)):
            cleaned.append(None)
            continue
        _require(
            _is_real(value) and math.isfinite(value),
            f"value at index {position} must be a finite number or None, not {value!r}",
        )
        cleaned.append(float(value))
    return tuple(cleaned)


def _check_arguments(
    length: int,
    improvement: str,
    target: float | None,
    rebase_at: Sequence[int],
    params: SpcParams,
) -> None:
    _require(improvement in IMPROVEMENTS, f"improvement must be one of {IMPROVEMENTS}, not {improvement!r}")
    _require(
        target is None or (_is_real(target) and math.isfinite(target)),
        f"target must be a finite number or None, not {target!r}",
    )
    _require(isinstance(params, SpcParams), "params must be an SpcParams")
    for index in rebase_at:
        _require(
            _int_at_least(index, 0) and index < length,
            f"rebase index {index!r} must be an integer index into the {length} values",
        )


# --- limits ---------------------------------------------------------------


def _split(
    values: tuple[float | None, ...], rebase_at: Sequence[int]
) -> list[tuple[int, tuple[float | None, ...]]]:
    starts = sorted({0, *(int(index) for index in rebase_at)}) if values else []
    ends = [*starts[1:], len(values)]
    return [(start, values[start:end]) for start, end in zip(starts, ends)]


def _build_period(
    start: int, values: tuple[float | None, ...], params: SpcParams, warnings: list[str]
) -> _Period:
    observed = sum(value is not None for value in values)
    if observed and observed < params.min_points:
        warnings.append(
            f"period starting at index {start} has {observed} value(s); "
            f"MDC advises at least {params.min_points} before limits are trusted"
        )
    lines = _lines(start, values, params, warnings)
    return _Period(start=start, values=values, lines=lines, observed=observed)


def _lines(
    start: int, values: tuple[float | None, ...], params: SpcParams, warnings: list[str]
) -> _Lines:
    # With fix_after the baseline is the first N periods (missing ones count),
    # as NHSRplotthedots counts rows; later points are judged against it.
    baseline = values if params.fix_after is None else values[: params.fix_after]
    observed = [value for value in baseline if value is not None]
    if not observed:
        return _Lines()
    mean = math.fsum(observed) / len(observed)
    ranges = _moving_ranges(baseline)
    if not ranges:
        warnings.append(
            f"period starting at index {start} has no two consecutive values, "
            "so no moving range and no process limits"
        )
        return _Lines(mean=mean)
    mean_range = _mean_moving_range(ranges, params)
    if mean_range == 0:
        warnings.append(
            f"period starting at index {start} has a mean moving range of zero"
            f"{' after screening' if max(ranges) > 0 else ''}, so its process limits sit on the mean"
        )
    return _lines_from(mean, mean_range, params)


def _moving_ranges(values: Sequence[float | None]) -> list[float]:
    # A range across a missing period would span two intervals, not one, so it
    # is left out, exactly as NHSRplotthedots' NA arithmetic leaves it out.
    return [abs(b - a) for a, b in zip(values, values[1:]) if a is not None and b is not None]


def _mean_moving_range(ranges: list[float], params: SpcParams) -> float:
    mean_range = math.fsum(ranges) / len(ranges)
    # With no spread there is nothing to screen; screening would discard every
    # zero range and leave no estimate at all (NHSRplotthedots gives NaN there).
    if not params.screen or mean_range == 0:
        return mean_range
    kept = [r for r in ranges if r < params.screen_multiplier * mean_range]
    return math.fsum(kept) / len(kept)


def _lines_from(mean: float, mean_range: float, params: SpcParams) -> _Lines:
    spread = params.limit_multiplier * mean_range
    near = (params.near_sigmas * (params.limit_multiplier / 3)) * mean_range
    return _Lines(mean=mean, lpl=mean - spread, upl=mean + spread, lower_near=mean - near, upper_near=mean + near)


# --- rules ----------------------------------------------------------------


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def _sides(ys: list[float], mean: float | None) -> list[int]:
    if mean is None:
        return [0] * len(ys)
    return [_sign(y - mean) for y in ys]


def _outside(ys: list[float], lines: _Lines) -> list[bool]:
    if lines.upl is None or lines.lpl is None:
        return [False] * len(ys)
    return [y > lines.upl or y < lines.lpl for y in ys]


def _near(ys: list[float], lines: _Lines, outside: list[bool]) -> list[bool]:
    if lines.upper_near is None or lines.lower_near is None:
        return [False] * len(ys)
    return [not out and (y > lines.upper_near or y < lines.lower_near) for y, out in zip(ys, outside)]


def _runs(keys: list[int], min_length: int) -> list[tuple[int, int, int]]:
    """Maximal runs of one non-zero key at least min_length long, as (first, last, key)."""
    runs: list[tuple[int, int, int]] = []
    first = 0
    for position in range(1, len(keys) + 1):
        if position == len(keys) or keys[position] != keys[first]:
            if keys[first] != 0 and position - first >= min_length:
                runs.append((first, position - 1, keys[first]))
            first = position
    return runs


def _shift(sides: list[int], params: SpcParams) -> list[bool]:
    flags = [False] * len(sides)
    for first, last, _ in _runs(sides, params.run_length):
        flags[first : last + 1] = [True] * (last + 1 - first)
    return flags


def _trend(ys: list[float], params: SpcParams) -> list[int]:
    """Each point's trend direction (+1 up, -1 down), 0 when it is in no trend."""
    steps = [_sign(b - a) for a, b in zip(ys, ys[1:])]
    directions = [0] * len(ys)
    # Runs come oldest first, so a turning point shared by a rise and a fall
    # takes the later trend's direction, as NHSRplotthedots does.
    for first, last, direction in _runs(steps, params.trend_length - 1):
        directions[first : last + 2] = [direction] * (last + 2 - first)
    return directions


def _two_in_three(sides: list[int], near: list[bool], params: SpcParams) -> list[bool]:
    flags = [False] * len(sides)
    width = params.near_window
    for first in range(len(sides) - width + 1):
        window = range(first, first + width)
        # NHSRplotthedots asks for the whole window on one side of the mean,
        # not just the near points, so a window straddling the mean never fires.
        same_side = abs(sum(sides[i] for i in window)) == width
        if same_side and sum(near[i] for i in window) >= params.near_count:
            for i in window:
                flags[i] = flags[i] or near[i]
    return flags


def _direction(side: int, outside: bool, trend: int, two_in_three: bool, shift: bool) -> int:
    # NHSRplotthedots' precedence: an outlier is high or low by its side of the
    # mean, a trend point by the way the trend runs (so a rising trend below the
    # mean is still "high"), then two-in-three and shift points by their side.
    if outside:
        return side
    if trend:
        return trend
    if two_in_three or shift:
        return side
    return 0


def _variation(direction: int, improvement: Improvement) -> Variation:
    if direction == 0:
        return "common_cause"
    if improvement == "neutral":
        return "special_cause_high" if direction > 0 else "special_cause_low"
    better = 1 if improvement == "increase" else -1
    return "special_cause_improving" if direction == better else "special_cause_concerning"


def _period_points(period: _Period, improvement: Improvement, params: SpcParams) -> list[SpcPoint]:
    positions = [i for i, value in enumerate(period.values) if value is not None]
    ys = [period.values[i] for i in positions]
    lines = period.lines
    sides = _sides(ys, lines.mean)
    outside = _outside(ys, lines)
    shift = _shift(sides, params)
    trend = _trend(ys, params)
    two = _two_in_three(sides, _near(ys, lines, outside), params)
    findings: dict[int, tuple[tuple[Rule, ...], Variation]] = {}
    for k, position in enumerate(positions):
        fired = (outside[k], shift[k], trend[k] != 0, two[k])
        rules = tuple(rule for rule, hit in zip(RULES, fired) if hit)
        direction = _direction(sides[k], outside[k], trend[k], two[k], shift[k])
        findings[position] = (rules, _variation(direction, improvement))
    return [_point(period, offset, findings.get(offset, ((), "missing"))) for offset in range(len(period.values))]


def _point(period: _Period, offset: int, finding: tuple[tuple[Rule, ...], Variation]) -> SpcPoint:
    lines = period.lines
    return SpcPoint(
        index=period.start + offset,
        value=period.values[offset],
        mean=lines.mean,
        lpl=lines.lpl,
        upl=lines.upl,
        lower_2sigma=lines.lower_near,
        upper_2sigma=lines.upper_near,
        rules=finding[0],
        variation=finding[1],
    )


# --- icons ----------------------------------------------------------------


def _icons(
    points: tuple[SpcPoint, ...],
    periods: list[_Period],
    improvement: Improvement,
    target: float | None,
    params: SpcParams,
    warnings: list[str],
) -> tuple[VariationIcon, AssuranceIcon]:
    latest = next((point for point in reversed(points) if point.value is not None), None)
    if latest is None:
        return "none", "none"
    period = next(p for p in reversed(periods) if p.start <= latest.index)
    if period.observed < params.min_points:
        warnings.append(
            f"no icons: the latest period (from index {period.start}) has {period.observed} value(s), "
            f"fewer than the {params.min_points} MDC needs"
        )
        return "none", "none"
    if period.lines.upl is None:
        warnings.append("no icons: the latest period has no process limits")
        return "none", "none"
    return _variation_icon(latest.variation, improvement), _assurance_icon(target, improvement, period.lines)


_ICON_FOR: dict[tuple[Variation, Improvement], VariationIcon] = {
    ("special_cause_improving", "increase"): "improving_high",
    ("special_cause_improving", "decrease"): "improving_low",
    ("special_cause_concerning", "increase"): "concerning_low",
    ("special_cause_concerning", "decrease"): "concerning_high",
    ("special_cause_high", "neutral"): "neither_high",
    ("special_cause_low", "neutral"): "neither_low",
}


def _variation_icon(variation: Variation, improvement: Improvement) -> VariationIcon:
    return _ICON_FOR.get((variation, improvement), "common_cause")


def _assurance_icon(target: float | None, improvement: Improvement, lines: _Lines) -> AssuranceIcon:
    if target is None or improvement == "neutral" or lines.upl is None or lines.lpl is None:
        return "none"
    # Strict comparisons, as in NHSRplotthedots: a target exactly on a limit is
    # still within the process's reach, so it is hit and miss.
    if target > lines.upl:
        return "consistently_fail" if improvement == "increase" else "consistently_pass"
    if target < lines.lpl:
        return "consistently_pass" if improvement == "increase" else "consistently_fail"
    return "hit_and_miss"
