"""DT codes: start before deadline, trajectories inside the window and reaching the
target, and the dates a rule's words name agreeing with its deadline."""

from __future__ import annotations

import re

from ..periods import Period
from .context import Context, diagnostic

MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}
_MONTH_YEAR = re.compile(r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
                         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(20\d\d)\b", re.I)
_FY_LONG = re.compile(r"(?<![\d/-])(20\d\d)\s?[/-]\s?((?:20)?\d\d)(?![\d/-])")
_FY_SHORT = re.compile(r"(?<![\d/.-])(\d\d)/(\d\d)(?![\d/.])")


def check(ctx: Context):
    for rule in ctx.rules():
        yield from _window(ctx, rule)
        yield from _reaches(ctx, rule)
        yield from _labels(ctx, rule)


def _window(ctx: Context, rule):
    if rule.start and rule.deadline and rule.deadline < rule.start:
        yield diagnostic("DT01", f"deadline {rule.deadline} is before start {rule.start}",
                         ctx.rule_at(rule, "deadline", value=True),
                         "swap them, or correct the year of one")
        return
    if rule.trajectory and rule.deadline is None:
        yield diagnostic("DT03", "the rule has a trajectory but no deadline, so the trajectory is never used",
                         ctx.rule_at(rule, "trajectory"), "add the deadline the trajectory leads to")
        return
    for when, value in rule.trajectory:
        if when == rule.deadline and _meets(rule, value):
            continue  # restates the target at the deadline: harmless
        if rule.start and when < rule.start:
            why = f"before the rule starts ({rule.start})"
        elif rule.deadline and when >= rule.deadline:
            why = (f"at the deadline ({rule.deadline}), where the target applies instead" if when == rule.deadline
                   else f"after the deadline ({rule.deadline})")
        else:
            continue
        yield diagnostic("DT03", f"trajectory point {when} is {why}, so it is never used",
                         ctx.rule_at(rule, "trajectory", str(when)),
                         f"trajectory periods run from {rule.start or 'the start'} to the month before "
                         f"{rule.deadline}")


def _reaches(ctx: Context, rule):
    if not rule.deadline or rule.comparator == "between":
        return
    points = [(p, v) for p, v in rule.trajectory if (not rule.start or p >= rule.start) and p < rule.deadline]
    if len(points) < 2:
        return  # one point is a milestone, not a pace
    (first, v0), (last, v1) = points[0], points[-1]
    months = last.months_since(first)
    pace = (v1 - v0) / months if months else 0.0
    projected = v1 + pace * rule.deadline.months_since(last)
    if _meets(rule, projected):
        return
    wanted = "zero" if rule.comparator == "eliminate" else f"{rule.comparator} {rule.target[0]:g}"
    yield diagnostic("DT02", f"the trajectory ends at {v1:g} in {last} and, at its own pace ({pace:+.3g} a month), "
                     f"reaches {projected:.3g} by the deadline {rule.deadline}; the target is {wanted}",
                     ctx.rule_at(rule, "trajectory", str(last), value=True),
                     "plan a trajectory that reaches the target by the deadline, or correct the target")


def _meets(rule, value: float) -> bool:
    target = (0.0,) if rule.comparator == "eliminate" else rule.target
    comparator = "<=" if rule.comparator == "eliminate" else rule.comparator
    close = abs(value - target[0]) <= 1e-9 * max(1.0, abs(target[0]))  # 68.75 + 6.25 is 75, give or take a bit
    return _passes(comparator, value, target) or (close and comparator != "between")


def _passes(comparator: str, value: float, target) -> bool:
    # judge.passes, without importing the judging machinery into an on-save check
    if comparator == "between":
        return target[0] <= value <= target[1]
    return {">=": value >= target[0], ">": value > target[0], "<=": value <= target[0],
            "<": value < target[0]}[comparator]


def labels(text: str) -> list[tuple[str, Period]]:
    """Every month and financial year the text names, as (the words, the period they mean).
    A financial year means its last month: 2023/24 and 23/24 are March 2024."""
    found = []
    for match in _MONTH_YEAR.finditer(text):
        found.append((match.group(0), Period(int(match.group(2)), MONTHS[match.group(1)[:3].lower()])))
    for match in _FY_LONG.finditer(text):
        start, end = int(match.group(1)), int(match.group(2)) % 100
        if (start + 1) % 100 == end:
            found.append((match.group(0), Period(start + 1, 3)))
    for match in _FY_SHORT.finditer(text):
        start, end = int(match.group(1)), int(match.group(2))
        if (start + 1) % 100 == end:
            found.append((match.group(0), Period(2000 + start + 1, 3)))
    return found


def _labels(ctx: Context, rule):
    in_title = labels(rule.title)
    named = in_title + labels(rule.source.quote)
    if rule.deadline is None:
        if in_title:
            words = in_title[0][0]
            yield diagnostic("DT04", f"the title names \"{words}\" but the rule has no deadline",
                             ctx.rule_at(rule, "title", value=True), f'add deadline = "{in_title[0][1]}"')
        return
    periods = {p for _, p in named}
    if not named or rule.deadline in periods:
        return
    said = ", ".join(dict.fromkeys(f'"{words}" ({p})' for words, p in named))
    best = min(periods, key=lambda p: abs(p.months_since(rule.deadline)))
    yield diagnostic("DT04", f"deadline {rule.deadline} matches none of the dates the title and quote name: {said}",
                     ctx.rule_at(rule, "deadline", value=True), f'did you mean deadline = "{best}"?')
