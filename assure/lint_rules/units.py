"""UN codes: targets in the metric's unit, and comparators that agree with its polarity."""

from __future__ import annotations

import math
import re

from .context import Context, diagnostic

UP = (">=", ">")
DOWN = ("<=", "<", "eliminate")

# Seconds in each time unit; `minutes` etc. are the metric units of the schema.
SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
_WORDS = {
    "seconds": ("second", "seconds", "sec", "secs"),
    "minutes": ("minute", "minutes", "min", "mins"),
    "hours": ("hour", "hours", "hr", "hrs"),
    "days": ("day", "days"),
    "weeks": ("week", "weeks", "wk", "wks"),
}
WORD_UNIT = {w: unit for unit, words in _WORDS.items() for w in words}
# In column names, `min` and `hr` too often mean minimum or a threshold (breaches_4hr).
COLUMN_UNIT = {w: u for w, u in WORD_UNIT.items() if w not in ("min", "hr", "sec", "second", "minute", "hour",
                                                                  "day", "week")}
_MENTION = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*-?\s*(" + "|".join(sorted(WORD_UNIT, key=len, reverse=True))
                      + r")\b", re.IGNORECASE)
_CLOCK = re.compile(r"\b(\d{1,2}):([0-5]\d):([0-5]\d)\b")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?)(?![\w.])")


def check(ctx: Context):
    for rule in ctx.rules():
        metric = ctx.project.metrics.get(rule.metric)
        if metric is None:
            continue
        yield from _percent(ctx, rule, metric)
        yield from _polarity(ctx, rule, metric)
        yield from _time_text(ctx, rule, metric)
    for metric in ctx.metrics():
        yield from _time_sql(ctx, metric)


def _values(rule):
    """(keys, value) for the target (both ends of a `between`) and the warn band."""
    if rule.comparator != "eliminate":
        for value in rule.target:
            yield ("target",), value
    if rule.warn is not None:
        yield ("warn",), rule.warn


def _percent(ctx: Context, rule, metric):
    if metric.unit != "percent":
        return
    for keys, value in _values(rule):
        if 0 < value <= 1:
            yield diagnostic("UN01", f"{keys[0]} {value:g} looks like a fraction but the metric's unit is percent",
                             ctx.rule_at(rule, *keys, value=True),
                             f"write it as a percentage: {keys[0]} = {value * 100:g}")
        elif value < 0 or value > 100:
            yield diagnostic("UN04", f"{keys[0]} {value:g} is outside 0-100, but `{metric.id}` is a percentage",
                             ctx.rule_at(rule, *keys, value=True), "a share lies between 0 and 100")
    trajectory = [v for _, v in rule.trajectory]
    for when, value in rule.trajectory:
        if value < 0 or value > 100:
            yield diagnostic("UN04", f"trajectory value {value:g} for {when} is outside 0-100, but "
                             f"`{metric.id}` is a percentage", ctx.rule_at(rule, "trajectory", str(when), value=True))
    big_target = any(v > 1 for _, v in _values(rule))
    if trajectory and all(0 < v <= 1 for v in trajectory) and big_target:
        when, value = rule.trajectory[0]
        yield diagnostic("UN01", f"the trajectory is written in fractions ({value:g} for {when}) but the metric's "
                         "unit is percent", ctx.rule_at(rule, "trajectory", str(when), value=True),
                         f"write each value as a percentage: {value * 100:g}")


def _polarity(ctx: Context, rule, metric):
    wrong = {"lower_is_better": UP, "higher_is_better": DOWN}.get(metric.polarity, ())
    if rule.comparator not in wrong:
        return
    better = "lower" if metric.polarity == "lower_is_better" else "higher"
    asks = "a high value" if rule.comparator in UP else ("zero" if rule.comparator == "eliminate" else "a low value")
    use = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "eliminate": ">="}[rule.comparator]
    yield diagnostic("UN02", f"comparator `{rule.comparator}` asks for {asks}, but `{metric.id}` is {better}_is_better",
                     ctx.rule_at(rule, "comparator", value=True),
                     f"use `{use}`; if the rule is meant this way, add `# assure: ignore[UN02] <why>` to this line")


# -- UN03: durations --------------------------------------------------------------------------

def _mentions(text: str):
    """(number, unit) for every duration written in the text: `33 minutes`, `4-hour`, `00:30:00`."""
    for match in _MENTION.finditer(text):
        yield float(match.group(1)), WORD_UNIT[match.group(2).lower()], match.group(0)
    for match in _CLOCK.finditer(text):
        h, m, s = (int(g) for g in match.groups())
        yield float(h * 3600 + m * 60 + s), "seconds", match.group(0)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _time_text(ctx: Context, rule, metric):
    found = time_mismatch(rule, metric)
    if found:
        written, other, right = found
        yield diagnostic("UN03", f"target {rule.target[0]:g} is \"{written}\" in {other}, but `{metric.id}` is "
                         f"measured in {metric.unit}", ctx.rule_at(rule, "target", value=True),
                         f"in {metric.unit}: target = {right:g}")


def time_mismatch(rule, metric):
    """(the words, the unit the target is in, the target in the metric's unit) when the
    target is a duration its title or quote states in another unit, else None."""
    if metric.unit not in SECONDS or rule.comparator in ("between", "eliminate"):
        return None
    target = rule.target[0]
    mentions = list(_mentions(f"{rule.title}\n{rule.source.quote}"))
    if any(_close(target, n * SECONDS[u] / SECONDS[metric.unit]) for n, u, _ in mentions):
        return None  # the text and the target agree
    for n, u, written in mentions:
        for other in SECONDS:
            if other != metric.unit and _close(target, n * SECONDS[u] / SECONDS[other]):
                return written, other, n * SECONDS[u] / SECONDS[metric.unit]
    return None


def unit_suspect(rule, metric) -> bool:
    """Whether a rule's target is in the wrong unit (UN01, UN03, UN04): comparing it with
    another rule's would only repeat that finding."""
    if metric is None:
        return False
    if metric.unit == "percent" and rule.comparator != "eliminate":
        if any(v <= 1 or v > 100 for v in rule.target if v != 0):
            return True
    return time_mismatch(rule, metric) is not None


def _time_sql(ctx: Context, metric):
    if metric.unit not in SECONDS:
        return
    key = "value" if metric.value else "numerator"
    expression = metric.value or metric.numerator or ""
    units = {u for u in map(_column_unit, re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression)) if u}
    below = {u for u in map(_column_unit, re.findall(r"[A-Za-z_][A-Za-z0-9_]*", metric.denominator or "")) if u}
    if len(units) != 1 or below:
        return  # no duration column, several, or a ratio of two durations (no unit)
    unit = units.pop()
    if unit == metric.unit:
        return
    factor = SECONDS[unit] / SECONDS[metric.unit]
    numbers = [float(n) for n in _NUMBER.findall(expression)]
    if any(_close(n, factor) or _close(n, 1 / factor) for n in numbers) or "epoch" in expression.lower():
        return  # converted in the SQL
    yield diagnostic("UN03", f"{key} reads a column in {unit}, but `{metric.id}` is measured in {metric.unit} "
                     "and the SQL does not convert it", ctx.metric_at(metric, key, value=True),
                     f"divide by {1 / factor:g}" if factor < 1 else f"multiply by {factor:g}")


def _column_unit(name: str):
    for part in reversed(name.lower().split("_")):
        if part in COLUMN_UNIT:
            return COLUMN_UNIT[part]
    return None
