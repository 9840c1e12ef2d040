"""CF codes: where rules, or the plan itself, give two targets for one commitment, a
rule says which source it follows (`not_followed` records the other)."""

from __future__ import annotations

from itertools import combinations

from .context import Context, diagnostic
from .trace import normalise
from .units import unit_suspect


def check(ctx: Context):
    yield from _between_rules(ctx)
    yield from _in_the_plan(ctx)


# -- CF01: two rules, one metric, one scope, one deadline, two targets -------------------------

def _between_rules(ctx: Context):
    by_metric: dict = {}
    for rule in ctx.rules():
        if not unit_suspect(rule, ctx.project.metrics.get(rule.metric)):  # reported as UN already
            by_metric.setdefault(rule.metric, []).append(rule)
    for rules in by_metric.values():
        for first, second in combinations(rules, 2):
            if first.deadline != second.deadline or not _overlap(first, second):
                continue
            if not _contradict(first, second) or _records(first, second) or _records(second, first):
                continue
            where = f"{first.path}:{first.line}"
            yield diagnostic("CF01", f"rule `{second.id}` sets {_target(second)} for `{second.metric}`, but "
                             f"`{first.id}` ({where}) sets {_target(first)} for the same scope and deadline "
                             f"{second.deadline or '(none)'}", _target_at(ctx, second),
                             f"if the plan gives both, keep the rule the ICB follows and record the other's source "
                             f"in its not_followed: {{ file = \"{first.source.file}\", line = {first.source.line}, "
                             "quote = \"...\", note = \"why\" }")


def _overlap(a, b) -> bool:
    if not set(a.levels) & set(b.levels):
        return False
    return not a.orgs or not b.orgs or bool(set(a.orgs) & set(b.orgs))


def _bounds(rule) -> tuple[float, float]:
    """The values that meet the rule, as (low, high)."""
    inf = float("inf")
    if rule.comparator == "eliminate":
        return (-inf, 0.0)
    if rule.comparator == "between":
        return rule.target
    if rule.comparator in (">=", ">"):
        return (rule.target[0], inf)
    return (-inf, rule.target[0])


def _contradict(a, b) -> bool:
    """Same direction with different numbers, or no value could meet both."""
    if (a.comparator, a.target) == (b.comparator, b.target):
        return False
    (low_a, high_a), (low_b, high_b) = _bounds(a), _bounds(b)
    same_side = (low_a == low_b == float("-inf")) or (high_a == high_b == float("inf"))
    if same_side or "between" in (a.comparator, b.comparator):
        return (low_a, high_a) != (low_b, high_b)
    return max(low_a, low_b) > min(high_a, high_b)


def _records(rule, other) -> bool:
    """`rule` records `other`'s source as the one it does not follow."""
    quote = normalise(other.source.quote)
    for source in rule.not_followed:
        if source.file != other.source.file:
            continue
        theirs = normalise(source.quote)
        if source.line == other.source.line or quote in theirs or theirs in quote:
            return True
    return False


def _target(rule) -> str:
    if rule.comparator == "eliminate":
        return "zero (eliminate)"
    if rule.comparator == "between":
        return f"between {rule.target[0]:g} and {rule.target[1]:g}"
    return f"{rule.comparator} {rule.target[0]:g}"


def _target_at(ctx: Context, rule):
    key = "comparator" if rule.comparator == "eliminate" else "target"
    return ctx.rule_at(rule, key, value=True)


# -- CF02: the register notes the plan disagrees with itself -----------------------------------

def _in_the_plan(ctx: Context):
    named: dict = {}
    for entry in ctx.register.entries.values():
        for rule_id in entry.rules:
            named.setdefault(rule_id, []).append(entry.id)
    for rule in ctx.rules():
        if rule.not_followed:
            continue
        cited = list(dict.fromkeys(list(rule.register) + named.get(rule.id, [])))
        entries = [ctx.register.entries[i] for i in cited if i in ctx.register.entries]
        disputed = [e for e in entries if e.conflicts]
        if not disputed:
            continue
        entry = disputed[0]
        file, line, says = entry.conflicts[0]
        others = sum(len(e.conflicts) for e in disputed) - 1
        more = f" (and {others} more)" if others else ""
        ids = ", ".join(e.id for e in disputed)
        has = ctx.has_key(rule.path, ("rules", rule.id, "register"))
        yield diagnostic("CF02", f"the register records that the plan words {ids} differently elsewhere "
                         f"({file}:{line}: \"{says}\"{more}), and rule `{rule.id}` does not say which it follows",
                         ctx.rule_at(rule, "register", value=True) if has else ctx.rule_at(rule),
                         f"record the source it does not follow: not_followed = [{{ file = \"{file}\", line = {line}, "
                         "quote = \"...\", note = \"why this rule follows the other\" }]")
