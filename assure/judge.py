"""Where a verdict is decided: pure functions from a rule, a value and a period to
exactly one Verdict, with the reason in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .model import Rule
from .periods import Period
from .results import Verdict


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str
    target: Optional[float]      # the number the value was compared with
    target_kind: str             # target | trajectory | none


def passes(comparator: str, value: float, target: tuple[float, ...]) -> bool:
    if comparator == "between":
        return target[0] <= value <= target[1]
    if comparator == "eliminate":
        return value == 0
    return {
        ">=": value >= target[0], ">": value > target[0],
        "<=": value <= target[0], "<": value < target[0],
    }[comparator]


def in_warn_band(rule: Rule, value: float) -> bool:
    if rule.warn is None:
        return False
    if rule.comparator in (">=", ">"):
        return value >= rule.warn
    return value <= rule.warn  # <=, < and eliminate: a small residue is at risk, not missed


def describe_target(rule: Rule, target: Optional[tuple[float, ...]] = None, own: bool = False,
                    measured: Optional[float] = None) -> str:
    target = target or rule.target
    if rule.kind == "milestone":
        return f"delivered by the end of {rule.deadline}"
    if rule.comparator == "eliminate":
        return "zero"
    if rule.comparator == "between":
        return f"between {target[0]:g} and {target[1]:g}" + (" (this geography's own target)" if own else "")
    if own:
        return f"{rule.comparator} {target[0]:,.4g} (this geography's own target)"
    if rule.kind in ("direction", "gap") and rule.baseline is not None:
        since, base = rule.baseline
        if base is None:
            if measured is None or not target:
                return f"{rule.direction or 'narrow'} from this geography's own value in {since}"
            base, since = measured, f"{since}, as measured"
        change = f"{rule.direction or 'reduce'} by {rule.by:g}%" if rule.by else (rule.direction or "narrow")
        yearly = " a year" if rule.per_year else ""
        return f"{rule.comparator} {target[0]:,.4g} ({change}{yearly} from {base:,.4g} in {since})"
    return f"{rule.comparator} {target[0]:g}"


def judge(rule: Rule, value: Optional[float], period: Period, *, geography: str = "", invalid: str = "",
          missing: str = "", baseline: Optional[float] = None, polarity: str = "neutral") -> Judgement:
    """The verdict for one geography and period. `invalid` and `missing` say why the
    data cannot be judged; they win over any number, because a number drawn from
    unfit data is not one to act on. `baseline` is the geography's own value in the
    baseline period, for rules whose baseline is measured rather than stated."""
    target = rule.target_for(period, geography, baseline)
    own = geography in dict(rule.targets)
    headline = None if rule.comparator == "between" or not target else (
        0.0 if rule.comparator == "eliminate" else target[0])
    if invalid:
        return Judgement(Verdict.INVALID_DATA, invalid, headline, "target")
    if value is None:
        return Judgement(Verdict.NO_DATA, missing or "no value could be measured", headline, "target")
    if rule.start and period < rule.start:
        return Judgement(Verdict.NOT_DUE, f"the commitment starts in {rule.start}", headline, "target")
    if rule.measured_baseline and not own:
        since = rule.baseline[0]
        if period <= since:
            return Judgement(Verdict.NOT_DUE, f"{period} is not after the baseline period {since}; change is "
                             "judged from the next period", headline, "target")
        if not target:
            return Judgement(Verdict.NO_DATA, f"no baseline: nothing was measured for this geography in {since}",
                             None, "target")
    # A target that compounds each year is itself the trajectory: it is judged every period.
    if rule.deadline and period < rule.deadline and not rule.per_year:
        return _before_deadline(rule, value, period, headline, target, describe_target(rule, target, own, baseline))
    if _better_than_range(rule, value, target, polarity):
        return Judgement(Verdict.MET, f"{_fmt(value)} is better than the target range "
                         f"({describe_target(rule, target, own)})", headline, "target")
    return _against_target(rule, value, headline, target, describe_target(rule, target, own, baseline))


def _better_than_range(rule: Rule, value: float, target, polarity: str) -> bool:
    """A range ("12% to 14%", "40 to 50 beds per 100,000") is met from its better side too:
    fewer delayed discharges than the range, or more virtual ward beds, is not a miss.
    A metric with neutral polarity keeps the range strict."""
    if rule.comparator != "between":
        return False
    return (polarity == "lower_is_better" and value < target[0]) or \
        (polarity == "higher_is_better" and value > target[1])


def judge_milestone(rule: Rule, row, period: Period, *, invalid: str = "") -> Judgement:
    """Delivered on time (met), delivered late or overdue (missed), not yet due, or no return.
    `row` is (status, delivered_on date or None, evidence) from the milestone return."""
    if invalid:
        return Judgement(Verdict.INVALID_DATA, invalid, None, "none")
    if rule.start and period < rule.start:
        return Judgement(Verdict.NOT_DUE, f"the milestone starts in {rule.start}", None, "none")
    if row is None:
        return Judgement(Verdict.NO_DATA, f"the milestone return has no row for {rule.milestone} in {period}",
                         None, "none")
    status, delivered_on, evidence = row
    due = rule.deadline.last_day
    cited = f" (evidence: {evidence})" if evidence else ""
    if status == "delivered" and delivered_on is not None:
        if delivered_on <= due:
            return Judgement(Verdict.MET, f"delivered on {delivered_on.isoformat()}, by the deadline of "
                             f"{rule.deadline}{cited}", None, "none")
        return Judgement(Verdict.MISSED, f"delivered late, on {delivered_on.isoformat()}, after the deadline of "
                         f"{rule.deadline}{cited}", None, "none")
    if status == "delivered":
        return Judgement(Verdict.INVALID_DATA, f"{rule.milestone} is marked delivered with no delivery date",
                         None, "none")
    if period >= rule.deadline:
        return Judgement(Verdict.MISSED, f"overdue: due by {rule.deadline}, status {status.replace('_', ' ')}",
                         None, "none")
    return Judgement(Verdict.NOT_DUE, f"due by {rule.deadline}; status {status.replace('_', ' ')}", None, "none")


def _before_deadline(rule: Rule, value: float, period: Period, headline, target, wanted: str) -> Judgement:
    planned = rule.trajectory_at(period)
    if planned is None:
        ahead = " (it already meets the target)" if passes(rule.comparator, value, target) else ""
        return Judgement(Verdict.NOT_DUE, f"due by {rule.deadline}, with no trajectory for {period}{ahead}",
                         headline, "target")
    comparator = ">=" if rule.comparator in (">=", ">") else "<="
    if passes(comparator, value, (planned,)):
        return Judgement(Verdict.MET, f"{_fmt(value)} is on the planned trajectory ({comparator} {planned:g} "
                         f"in {period}, on the way to {wanted} by {rule.deadline})", planned,
                         "trajectory")
    return Judgement(Verdict.OFF_TRAJECTORY, f"{_fmt(value)} is behind the planned trajectory of {planned:g} for "
                     f"{period} (target {wanted} by {rule.deadline})", planned, "trajectory")


def _against_target(rule: Rule, value: float, headline, target, wanted: str) -> Judgement:
    if passes(rule.comparator, value, target):
        return Judgement(Verdict.MET, f"{_fmt(value)} meets the target ({wanted})", headline, "target")
    if in_warn_band(rule, value):
        return Judgement(Verdict.AT_RISK, f"{_fmt(value)} misses the target ({wanted}) but is inside the warn "
                         f"band (to {rule.warn:g})", headline, "target")
    when = f", due {rule.deadline}" if rule.deadline else ""
    return Judgement(Verdict.MISSED, f"{_fmt(value)} misses the target ({wanted}{when})", headline, "target")


def _fmt(value: float) -> str:
    return f"{value:,.1f}" if abs(value) >= 0.05 or value == 0 else f"{value:.3g}"
