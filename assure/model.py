"""What users write, as frozen values: dataset contracts, metric definitions, rules.

Only project.py builds these (from TOML it has already checked against the JSON
Schemas), so everything downstream can trust their shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .periods import Period

COLUMN_TYPES = (
    "string", "integer", "count", "number", "boolean", "date", "timestamp",
    "period", "ods_code", "nhs_number", "postcode",
)
LEVELS = ("icb", "place", "provider")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = True
    nullable: bool = False
    aliases: tuple[str, ...] = ()
    min: Optional[float] = None
    max: Optional[float] = None
    allowed: tuple = ()
    pattern: Optional[str] = None
    not_above: Optional[str] = None   # this column never exceeds that one (part <= whole)
    not_before: Optional[str] = None  # this column never precedes that one (departure >= arrival)
    severity: str = "error"
    description: str = ""


@dataclass(frozen=True)
class Contract:
    id: str
    title: str
    grain: str                       # "aggregate" (one row per org and period) or "record"
    frequency: str                   # monthly | quarterly | annual
    keys: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    file_patterns: tuple[str, ...]
    header_match: tuple[str, ...]    # columns whose presence identifies the return
    sheet: Optional[str]
    period_column: str
    org_column: str
    source: str
    path: str
    allow_extra_columns: bool = False

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def columns_named(self) -> set[str]:
        return {c.name for c in self.columns}


@dataclass(frozen=True)
class MetricDef:
    id: str
    title: str
    description: str
    dataset: str
    unit: str
    polarity: str                    # higher_is_better | lower_is_better | neutral
    numerator: Optional[str]
    denominator: Optional[str]
    value: Optional[str]
    population: Optional[str]        # age band of the population table used as denominator
    rollup: str                      # sum | none
    scale: float
    source: str
    path: str

    @property
    def is_ratio(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Source:
    file: str
    line: int
    quote: str
    section: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    metric: str
    kind: str                        # threshold (more kinds arrive with the plan register)
    comparator: str                  # >= <= > < between eliminate
    target: tuple[float, ...]        # one value, or (low, high) for between
    warn: Optional[float]
    start: Optional[Period]
    deadline: Optional[Period]
    trajectory: tuple[tuple[Period, float], ...]
    levels: tuple[str, ...]
    orgs: tuple[str, ...]
    owner: str
    committee: str
    programme: str
    tags: tuple[str, ...]
    register: tuple[str, ...]
    source: Source
    not_followed: tuple[Source, ...]
    rationale: str
    path: str
    line: int = 0
    direction: str = ""                     # direction and gap rules: reduce | increase
    by: Optional[float] = None              # percent change required against the baseline
    per_year: bool = False                  # `by` compounds each year from the baseline period
    # (period, value); value None means "as measured": each geography's own value in that period.
    baseline: Optional[tuple[Period, Optional[float]]] = None
    versus: str = ""                        # gap rules: the metric the gap is measured against
    milestone: str = ""                     # milestone rules: the milestone id in the return
    dataset: str = ""                       # milestone rules: the milestone return
    targets: tuple[tuple[str, tuple[float, ...]], ...] = ()  # per-geography targets

    def trajectory_at(self, period: Period) -> Optional[float]:
        """The planned value for a period: the latest trajectory point at or before it."""
        planned = [value for when, value in self.trajectory if when <= period]
        return planned[-1] if planned else None

    @property
    def measured_baseline(self) -> bool:
        """The baseline is each geography's own value in the baseline period, not a stated figure."""
        return self.kind in ("direction", "gap") and self.baseline is not None and self.baseline[1] is None

    def target_for(self, period: Period, geography: str = "", measured: Optional[float] = None) -> tuple[float, ...]:
        """The target in force: a geography's own where the rule gives one; for direction
        rules the baseline moved by `by` percent (compounded per year when per_year).
        `measured` is the geography's own baseline value when the rule states none; with
        neither, there is no target ()."""
        own = dict(self.targets).get(geography)
        if own is not None:
            return own
        if self.kind not in ("direction", "gap") or self.baseline is None:
            return self.target
        since, value = self.baseline
        value = measured if value is None else value
        if value is None:
            return ()
        if self.by is None:
            return (value,)
        step = 1 + self.by / 100 * (1 if self.direction == "increase" else -1)
        years = max(period.months_since(since), 0) / 12 if self.per_year else 1
        # Rounded so a target reached exactly (100 × 1.05 = 105) is met, not missed by a float bit.
        return (round(value * step ** years, 9),)


@dataclass(frozen=True)
class Project:
    root: str
    name: str
    icb: str
    version: str
    contracts: dict = field(default_factory=dict)   # id -> Contract
    metrics: dict = field(default_factory=dict)     # id -> MetricDef
    rules: dict = field(default_factory=dict)       # id -> Rule
    organisations: object = None                    # orgs.Register
    population: object = None                       # population.Population
    policy: object = None                           # escalation.Policy
    history_path: str = ".assure/history.duckdb"
    sources_dir: str = "sources"
    register_dir: str = "register"
    submissions_dir: str = "submissions"
    file_hashes: tuple[tuple[str, str], ...] = ()

    @property
    def rules_version(self) -> str:
        import hashlib

        digest = hashlib.sha256()
        for path, sha in self.file_hashes:
            digest.update(f"{path}:{sha}\n".encode())
        return f"{self.version}+{digest.hexdigest()[:12]}"
