"""What a run produces, as frozen values that renderers only read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional


class Verdict(str, Enum):
    """The one judgement of a rule for a geography and period."""

    MET = "met"
    """The value meets the target (or, before the deadline, the planned trajectory)."""
    AT_RISK = "at_risk"
    """The value misses the target but lies inside the warn band."""
    MISSED = "missed"
    """The deadline has come and the value does not meet the target."""
    OFF_TRAJECTORY = "off_trajectory"
    """Before the deadline, the value is behind the planned trajectory for the period."""
    NOT_DUE = "not_due"
    """Before the start or deadline, with no trajectory to judge against."""
    NO_DATA = "no_data"
    """Nothing was submitted that this result depends on."""
    INVALID_DATA = "invalid_data"
    """Data was submitted but is not fit to judge: a data problem, not a missed commitment."""


# Worst first: the order results are shown in.
VERDICT_ORDER = (
    Verdict.INVALID_DATA, Verdict.MISSED, Verdict.OFF_TRAJECTORY, Verdict.AT_RISK,
    Verdict.NO_DATA, Verdict.NOT_DUE, Verdict.MET,
)
SEVERITY = {v: i for i, v in enumerate(VERDICT_ORDER)}


@dataclass(frozen=True)
class Failure:
    """One data-quality finding, located as a person would find it in the file."""

    file: str
    row: int            # row as counted in the file or sheet (header = 1); 0 for the whole file
    column: str
    value: str
    code: str
    message: str
    severity: str = "error"
    org: str = ""


@dataclass(frozen=True)
class Submission:
    """One file read as one return, and what validation found in it."""

    file: str
    dataset: str
    period: str
    sha256: str
    rows: int
    failures: tuple[Failure, ...]
    failure_count: int              # may exceed len(failures): failures are capped per check
    sheet: str = ""

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.failures)


@dataclass(frozen=True)
class Geography:
    level: str          # icb | place | provider
    code: str
    name: str


@dataclass(frozen=True)
class Escalation:
    level: str = "none"                 # none | watch | escalate
    reasons: tuple[tuple[str, str], ...] = ()   # (code, sentence)


@dataclass(frozen=True)
class SpcSummary:
    variation: str = "none"
    assurance: str = "none"
    points: int = 0
    mean: Optional[float] = None
    lpl: Optional[float] = None
    upl: Optional[float] = None
    rules: tuple[str, ...] = ()
    warning: str = ""


@dataclass(frozen=True)
class Result:
    rule: str
    metric: str
    geography: Geography
    period: str
    value: Optional[float]
    numerator: Optional[float]
    denominator: Optional[float]
    target: Optional[float]
    target_kind: str                    # target | trajectory | none
    verdict: Verdict
    reason: str
    caveats: tuple[str, ...] = ()
    escalation: Escalation = field(default_factory=Escalation)
    spc: SpcSummary = field(default_factory=SpcSummary)
    series: tuple[tuple[str, Optional[float]], ...] = ()
    contributions: tuple[tuple[str, Optional[float], Optional[float]], ...] = ()  # (org, numerator, denominator)
    verdicts: tuple[tuple[str, "Verdict"], ...] = ()  # this rule and geography's verdict in each period so far
    rule_path: str = ""                 # the rule's file, relative to the project root
    rule_line: int = 0


@dataclass(frozen=True)
class Provenance:
    engine_version: str
    rules_version: str
    project: str
    period: str
    inputs: tuple[tuple[str, str], ...]   # (file, sha256)
    run_id: str


@dataclass(frozen=True)
class Run:
    provenance: Provenance
    submissions: tuple[Submission, ...]
    results: tuple[Result, ...]
    unmatched: tuple[Failure, ...] = ()   # files that matched no contract, and missing returns
    notes: tuple[str, ...] = ()

    @property
    def unmatched_errors(self) -> bool:
        return any(f.severity == "error" for f in self.unmatched)
