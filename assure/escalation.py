"""Escalation: when a result becomes `watch` or `escalate`, and why, from a declarative
policy (policy/escalation.toml; the format is in docs/escalation.md).

A verdict judges one period. Escalation judges the story so far: a commitment missed
three months running, special-cause concerning variation, a process that cannot reach
its target, a deadline gone by, or data that could not be used month after month. Each
trigger that fires gives one reason: a stable machine-readable code and a sentence a
committee member understands. A data problem has its own code, never one of the
performance codes, because unfit data is not a missed commitment.

`escalate` is a pure function of a rule, its verdicts for consecutive periods, its SPC
summary and the policy; `load_policy` is the only part that reads a file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence, Union

from .periods import Period
from .results import Escalation, SpcSummary, Verdict

LEVELS = ("none", "watch", "escalate")
RANK = {level: i for i, level in enumerate(LEVELS)}

# Triggers on a run of consecutive periods ending with the current one.
RUN_TRIGGERS = ("missed_consecutive", "off_trajectory_consecutive", "data_issue_consecutive")
# Triggers on the current period's signal.
SIGNAL_TRIGGERS = ("special_cause_concerning", "consistently_fail", "deadline_passed_missed")
TRIGGERS = RUN_TRIGGERS + SIGNAL_TRIGGERS

# Reason codes are the trigger names. This one is about the data, not performance.
DATA_CODES = frozenset({"data_issue_consecutive"})
PERFORMANCE_CODES = frozenset(TRIGGERS) - DATA_CODES

# The verdicts each run trigger counts. Any other verdict breaks the run.
RUN_VERDICTS = {
    "missed_consecutive": frozenset({Verdict.MISSED}),
    "off_trajectory_consecutive": frozenset({Verdict.OFF_TRAJECTORY}),
    "data_issue_consecutive": frozenset({Verdict.INVALID_DATA, Verdict.NO_DATA}),
}

DEFAULT_PATH = "policy/escalation.toml"


# --- the policy ---------------------------------------------------------------


@dataclass(frozen=True)
class Steps:
    """A run trigger's thresholds: from how many consecutive periods (counting the
    current one) the result is `watch`, and from how many it is `escalate`. None means
    that level is never reached; Steps() is the trigger turned off ("none")."""

    watch: Optional[int] = None
    escalate: Optional[int] = None

    def level(self, run: int) -> str:
        if self.escalate is not None and run >= self.escalate:
            return "escalate"
        if self.watch is not None and run >= self.watch:
            return "watch"
        return "none"

    @property
    def off(self) -> bool:
        return self.watch is None and self.escalate is None

    def __str__(self) -> str:
        if self.off:
            return "none"
        parts = [f"{name} = {value}" for name, value in (("watch", self.watch), ("escalate", self.escalate))
                 if value is not None]
        return "{ " + ", ".join(parts) + " }"


OFF = Steps()


@dataclass(frozen=True)
class Triggers:
    """One table of a policy. None means "not set here": the value comes from a table
    applied earlier. A resolved table (see `policy_for`) has every trigger set."""

    missed_consecutive: Optional[Steps] = None
    off_trajectory_consecutive: Optional[Steps] = None
    data_issue_consecutive: Optional[Steps] = None
    special_cause_concerning: Optional[str] = None
    consistently_fail: Optional[str] = None
    deadline_passed_missed: Optional[str] = None

    def over(self, base: "Triggers") -> "Triggers":
        """This table applied on top of `base`: every trigger set here wins, whole."""
        return replace(base, **{f.name: getattr(self, f.name) for f in fields(self)
                                if getattr(self, f.name) is not None})

    @property
    def complete(self) -> bool:
        return all(getattr(self, name) is not None for name in TRIGGERS)


BUILTIN = Triggers(
    missed_consecutive=Steps(watch=1, escalate=3),
    off_trajectory_consecutive=Steps(watch=2, escalate=3),
    data_issue_consecutive=Steps(watch=2, escalate=3),
    special_cause_concerning="watch",
    consistently_fail="escalate",
    deadline_passed_missed="escalate",
)
"""The documented defaults: what applies to every trigger a policy file does not set."""


@dataclass(frozen=True)
class Policy:
    defaults: Triggers = BUILTIN                         # resolved: every trigger set
    tags: tuple[tuple[str, Triggers], ...] = ()          # (tag, overrides), sorted by tag
    rules: tuple[tuple[str, Triggers], ...] = ()         # (rule id, overrides), sorted by id
    path: str = field(default="", compare=False)         # where it was read from, if anywhere

    def tag(self, name: str) -> Optional[Triggers]:
        return dict(self.tags).get(name)

    def rule(self, rule_id: str) -> Optional[Triggers]:
        return dict(self.rules).get(rule_id)


DEFAULT_POLICY = Policy()
"""The policy of a project with no policy file; policy/escalation.toml says the same."""


def policy_for(rule, policy: Policy) -> Triggers:
    """The triggers that apply to one rule: the policy's defaults, then each of the
    rule's tags that has a table, in alphabetical order of tag, then the rule's own
    table. A later table replaces a trigger whole; triggers it does not name are kept."""
    resolved = (policy.defaults or Triggers()).over(BUILTIN)
    tags = dict(policy.tags)
    for tag in sorted(set(getattr(rule, "tags", ()))):
        if tag in tags:
            resolved = tags[tag].over(resolved)
    own = policy.rule(rule.id)
    return own.over(resolved) if own is not None else resolved


# --- reasons ------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str          # the trigger's name, e.g. "missed_consecutive"
    level: str         # watch | escalate
    sentence: str      # for a committee member

    @property
    def is_data_issue(self) -> bool:
        return self.code in DATA_CODES


VerdictLike = Union[Verdict, str]


def escalate(rule, history: Sequence[tuple[str, VerdictLike]], spc: SpcSummary, policy: Policy,
             deadline_passed: Optional[bool] = None) -> Escalation:
    """The escalation of one result.

    `history` holds this rule and geography's verdicts for consecutive reporting
    periods, oldest first, ending with the period being reported; a period with no
    return is there as `no_data`, and a period in which the geography was not expected
    to report is left out (a gap ends every run). `deadline_passed` says whether the rule's deadline
    has come (the current period is the deadline month or later); None works it out
    from `rule.deadline`. The level is the highest level of any reason; reasons are
    ordered escalate before watch, then by code."""
    found = reasons(rule, history, spc, policy, deadline_passed)
    level = max((r.level for r in found), key=RANK.__getitem__, default="none")
    return Escalation(level=level, reasons=tuple((r.code, r.sentence) for r in found))


def reasons(rule, history: Sequence[tuple[str, VerdictLike]], spc: SpcSummary, policy: Policy,
            deadline_passed: Optional[bool] = None) -> tuple[Reason, ...]:
    """Every trigger that fires for one result, each with its level (see `escalate`)."""
    triggers = policy_for(rule, policy)
    runs = _history(history)
    current = runs[-1] if runs else None
    if deadline_passed is None:
        deadline_passed = bool(rule.deadline is not None and current is not None and current[0] >= rule.deadline)
    found: list[Reason] = []

    for code in RUN_TRIGGERS:
        steps: Steps = getattr(triggers, code)
        run = _trailing_run(runs, RUN_VERDICTS[code])
        level = steps.level(len(run))
        if run and level != "none":
            found.append(Reason(code, level, _RUN_SENTENCES[code](rule, run, runs)))

    data_now = current is not None and current[1] in RUN_VERDICTS["data_issue_consecutive"]
    stale = (" The current period's data could not be used, so this is from the latest usable figure."
             if data_now else "")

    level = triggers.special_cause_concerning
    if level != "none" and spc.variation in ("concerning_high", "concerning_low"):
        found.append(Reason("special_cause_concerning", level, _special_cause(spc) + "." + stale))

    # Not in a met period either, whatever limits drawn from earlier periods say: a
    # target reached at last, or a measure that accumulates over the year, would
    # otherwise be escalated in the month it is met.
    level = triggers.consistently_fail
    if (level != "none" and spc.assurance == "consistently_fail" and _target_in_force(rule, current, deadline_passed)
            and (current is None or current[1] is not Verdict.MET)):
        found.append(Reason("consistently_fail", level, _consistently_fail(rule, spc) + "." + stale))

    level = triggers.deadline_passed_missed
    if level != "none" and deadline_passed and current is not None and current[1] is Verdict.MISSED:
        when = f"of {_month(rule.deadline)} " if rule.deadline is not None else ""
        found.append(Reason("deadline_passed_missed", level,
                            f"The deadline {when}has passed and the target ({target_words(rule)}) is not met."))

    return tuple(sorted(found, key=lambda r: (-RANK[r.level], r.code)))


def _history(history: Sequence[tuple[str, VerdictLike]]) -> list[tuple[Period, Verdict]]:
    parsed = [(Period.parse(str(p)), Verdict(v)) for p, v in history]
    for (before, _), (after, _) in zip(parsed, parsed[1:]):
        if not before < after:
            raise ValueError(f"history must be in period order, oldest first: {before} is followed by {after}")
    return parsed


def _trailing_run(history: list[tuple[Period, Verdict]], counted: frozenset) -> list[tuple[Period, Verdict]]:
    """The longest run of counted verdicts ending with the current period. Periods are
    consecutive when they are one reporting step apart (the smallest step in the
    history: a month, or a quarter for quarterly returns); a gap breaks a run."""
    steps = [b.months_since(a) for (a, _), (b, _) in zip(history, history[1:])]
    step = min(steps) if steps else 1
    run: list = []
    for i in range(len(history) - 1, -1, -1):
        if history[i][1] not in counted:
            break
        if run and run[0][0].months_since(history[i][0]) > step:
            break
        run.insert(0, history[i])
    return run


def _target_in_force(rule, current, deadline_passed: bool) -> bool:
    """Whether the rule's target applies now. Before a deadline the trajectory judges
    progress, and a process that cannot yet reach the final target is expected."""
    if rule.deadline is not None:
        return deadline_passed
    start = getattr(rule, "start", None)
    return start is None or current is None or current[0] >= start


# --- sentences ----------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_UNITS = {1: "month", 3: "quarter", 12: "year"}


def _month(period: Period) -> str:
    return f"{_MONTHS[period.month - 1]} {period.year}"


def _span(run, history) -> str:
    """'in March 2024', or 'for 3 consecutive months (January 2024 to March 2024)'."""
    if len(run) == 1:
        return f"in {_month(run[0][0])}"
    step = min(b.months_since(a) for (a, _), (b, _) in zip(history, history[1:]))
    unit = _UNITS.get(step, "period")
    return f"for {len(run)} consecutive {unit}s ({_month(run[0][0])} to {_month(run[-1][0])})"


def target_words(rule) -> str:
    """The rule's target in words: 'at least 76', 'at most 18', 'zero', 'between 1 and 3'."""
    t = rule.target
    return {
        ">=": lambda: f"at least {t[0]:g}", ">": lambda: f"above {t[0]:g}",
        "<=": lambda: f"at most {t[0]:g}", "<": lambda: f"below {t[0]:g}",
        "eliminate": lambda: "zero", "between": lambda: f"between {t[0]:g} and {t[1]:g}",
    }[rule.comparator]()


def _missed(rule, run, history) -> str:
    return f"Missed the target ({target_words(rule)}) {_span(run, history)}."


def _off_trajectory(rule, run, history) -> str:
    by = f" by {_month(rule.deadline)}" if rule.deadline is not None else ""
    return (f"Behind the planned trajectory {_span(run, history)}, "
            f"on the way to {target_words(rule)}{by}.")


def _data_issue(rule, run, history) -> str:
    kinds = {v for _, v in run}
    what = ("invalid or missing" if len(kinds) > 1
            else "invalid" if Verdict.INVALID_DATA in kinds else "missing")
    if len(run) == 1:
        return (f"Data issue, not performance: the return for {_month(run[0][0])} was {what}, "
                "so the commitment could not be judged.")
    return (f"Data issue, not performance: the return was {what} {_span(run, history)}, "
            "so the commitment could not be judged.")


_RUN_SENTENCES = {
    "missed_consecutive": _missed,
    "off_trajectory_consecutive": _off_trajectory,
    "data_issue_consecutive": _data_issue,
}

_SPC_RULES = {
    "outside_limits": "the latest value is outside the process limits",
    "shift": "a long run of values on one side of the average",
    "trend": "a run of values moving steadily {direction}",
    "two_in_three": "two of the last three values close to a process limit",
}


def _special_cause(spc: SpcSummary) -> str:
    high = spc.variation == "concerning_high"
    side = "high" if high else "low"
    direction = "upwards" if high else "downwards"
    signals = [_SPC_RULES[r].format(direction=direction) for r in spc.rules if r in _SPC_RULES]
    why = f" ({'; '.join(signals)})" if signals else ""
    return (f"Special cause concerning variation: recent values are unusually {side}, "
            f"the wrong direction for this measure{why}")


def _consistently_fail(rule, spc: SpcSummary) -> str:
    side = "below" if rule.comparator in (">=", ">") else "above"
    limits = ""
    if spc.lpl is not None and spc.upl is not None:
        limits = f": the process limits ({_num(spc.lpl)} to {_num(spc.upl)}) lie wholly {side} it"
    return (f"At the current level of variation the target ({target_words(rule)}) will not be met "
            f"without change{limits} (assurance: consistently fail)")


def _num(value: float) -> str:
    return f"{value:,.1f}"


# --- reading a policy file ----------------------------------------------------


def load_policy(path: Union[str, Path], *, root: Union[str, Path, None] = None,
                rules: Union[Mapping, Iterable, None] = None) -> Policy:
    """Read and check a policy file. Raise ProjectError carrying every problem found,
    each located at its line: PJ01 for TOML syntax, PJ02 for unknown keys and wrong
    values, PJ06 for a missing file, PJ07 for a watch threshold above the escalate
    one, and (when `rules` are given: a mapping of id to Rule, or Rules) PJ03 for a
    [rules.<id>] or [tags.<tag>] table that matches no rule. Diagnostics name the file
    relative to `root` when it is given."""
    from . import project as project_mod
    from .errors import ProjectError

    loader = project_mod.Loader(Path(root) if root is not None else Path("."))
    policy = read_policy(loader, Path(path), rules)
    if policy is None:
        raise ProjectError(_in_order(loader.diagnostics))
    return policy


def read_policy(loader, path: Path, rules: Union[Mapping, Iterable, None] = None) -> Optional[Policy]:
    """`load_policy` for a project.Loader already at work: the file's hash and any
    diagnostics go to the loader, so one pass over a project reports everything.
    None if the file has errors."""
    before = len(loader.diagnostics)
    doc = loader.read(path)
    if doc is None or not _check_schema(loader, doc):
        return None
    data = doc.data
    defaults = _triggers(loader, doc, ("defaults",), data.get("defaults", {}))
    tags = tuple(sorted((t, _triggers(loader, doc, ("tags", t), raw)) for t, raw in data.get("tags", {}).items()))
    own = tuple(sorted((r, _triggers(loader, doc, ("rules", r), raw)) for r, raw in data.get("rules", {}).items()))
    if rules is not None:
        _check_references(loader, doc, rules)
    if len(loader.diagnostics) > before:
        return None
    return Policy(defaults=defaults.over(BUILTIN), tags=tags, rules=own, path=doc.path)


def policy_path(root: Union[str, Path], setting: Optional[str]) -> Optional[Path]:
    """The policy file of a project: the one `[project] policy` names (which must
    exist), else policy/escalation.toml if there is one; None means DEFAULT_POLICY."""
    path = Path(root) / (setting or DEFAULT_PATH)
    return path if setting or path.is_file() else None


def _in_order(diagnostics) -> list:
    return sorted(diagnostics, key=lambda d: (d.location.path, d.location.line, d.location.col, d.code))


def project_policy(project) -> Policy:
    """The policy of a loaded project (see `policy_path`), checked against its rules.
    Raises ProjectError for a broken policy file."""
    import tomllib

    root = Path(project.root)
    try:
        setting = tomllib.loads((root / "assure.toml").read_text("utf-8")).get("project", {}).get("policy")
    except (OSError, tomllib.TOMLDecodeError):
        setting = None
    path = policy_path(root, setting)
    return DEFAULT_POLICY if path is None else load_policy(path, root=root, rules=project.rules)


def _check_schema(loader, doc) -> bool:
    from jsonschema import Draft202012Validator

    from . import project as project_mod

    errors = sorted(Draft202012Validator(project_mod.schema("policy")).iter_errors(doc.data),
                    key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        path = tuple(err.absolute_path)
        if path and path[-1] in RUN_TRIGGERS and err.validator in ("enum", "type"):
            dotted = ".".join(str(p) for p in path)
            loader.error("PJ02", f"{dotted} takes run lengths or \"none\", not {_toml(err.instance)}",
                         doc.at(*path), f"write e.g. {path[-1]} = {{ watch = 1, escalate = 3 }}, "
                         f"or {path[-1]} = \"none\" to turn it off")
        elif path and path[-1] in SIGNAL_TRIGGERS and err.validator == "enum":
            dotted = ".".join(str(p) for p in path)
            close = difflib.get_close_matches(str(err.instance), LEVELS, n=1)
            loader.error("PJ02", f"{dotted} must be \"none\", \"watch\" or \"escalate\", not {_toml(err.instance)}",
                         doc.at(*path), f"did you mean \"{close[0]}\"?" if close else "")
        else:
            loader._schema_error(doc, err, ())
    return not errors


def _toml(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if not isinstance(value, dict) else "a table"


def _triggers(loader, doc, at: tuple, raw: dict) -> Triggers:
    values = {}
    for name in RUN_TRIGGERS:
        if name in raw:
            value = raw[name]
            steps = OFF if value == "none" else Steps(watch=value.get("watch"), escalate=value.get("escalate"))
            if steps.watch is not None and steps.escalate is not None and steps.watch > steps.escalate:
                loader.error("PJ07", f"{'.'.join(at + (name,))}: watch from {steps.watch} periods comes after "
                             f"escalate from {steps.escalate}, so watch would never show",
                             doc.at(*at, name, "watch"), "make watch no more than escalate, or leave watch out")
            values[name] = steps
    for name in SIGNAL_TRIGGERS:
        if name in raw:
            values[name] = raw[name]
    return Triggers(**values)


def _check_references(loader, doc, rules) -> None:
    known = dict(rules) if isinstance(rules, Mapping) else {r.id: r for r in rules}
    tags = sorted({t for r in known.values() for t in getattr(r, "tags", ())})
    for rule_id in doc.data.get("rules", {}):
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, sorted(known), n=1)
            loader.error("PJ03", f"policy for rule `{rule_id}`, which the project does not define",
                         doc.at("rules", rule_id), f"did you mean `{close[0]}`?" if close else "")
    for tag in doc.data.get("tags", {}):
        if tag not in tags:
            close = difflib.get_close_matches(tag, tags, n=1)
            loader.error("PJ03", f"policy for tag `{tag}`, which no rule carries",
                         doc.at("tags", tag), f"did you mean `{close[0]}`?" if close else
                         (f"tags in use: {', '.join(tags)}" if tags else ""))


__all__ = [
    "BUILTIN", "DATA_CODES", "DEFAULT_PATH", "DEFAULT_POLICY", "LEVELS", "OFF", "PERFORMANCE_CODES",
    "Policy", "Reason", "Steps", "TRIGGERS", "Triggers", "escalate", "load_policy", "policy_for",
    "policy_path", "project_policy", "read_policy", "reasons", "target_words",
]
