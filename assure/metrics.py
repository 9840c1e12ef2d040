"""Metric SQL: one aggregate pass per dataset and period, then the roll-up from
organisation to Place to ICB by adding numerators and denominators (never by
averaging percentages)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from .db import quote
from .errors import ProjectError
from .diagnostics import Diagnostic, Location
from .model import MetricDef, Project
from .periods import Period


@dataclass(frozen=True)
class Contribution:
    org: str
    numerator: Optional[float]
    denominator: Optional[float]


@dataclass(frozen=True)
class Measure:
    """A metric's value for one geography and period, with what it was made of."""

    metric: str
    level: str
    code: str
    numerator: Optional[float]
    denominator: Optional[float]
    value: Optional[float]
    contributors: tuple[Contribution, ...]


def aggregate_sql(metrics: list[MetricDef], source: str, org_column: str, by_period: bool = False) -> str:
    """The one query that measures every metric of a dataset, grouped by organisation
    (and by period, when `source` carries a `_period` column for several periods).
    A metric that counts a subset says so in its own SQL (`count(*) FILTER (WHERE ...)`)."""
    parts = (["_period"] if by_period else []) + [f"{quote(org_column)} AS org"]
    for i, m in enumerate(metrics):
        numerator = m.value or m.numerator
        denominator = m.denominator if m.denominator and not m.value else "NULL"
        parts.append(f"CAST(({numerator}) AS DOUBLE) AS m{i}_num")
        parts.append(f"CAST(({denominator}) AS DOUBLE) AS m{i}_den")
    order = "_period, org" if by_period else "org"
    return f"SELECT {', '.join(parts)} FROM {source} GROUP BY ALL ORDER BY {order}"


def measure_periods(con, project: Project, dataset: str, views: dict) -> dict:
    """{period: {(metric, org): (numerator, denominator)}} for every metric of a dataset, over
    the clean rows of every period at once: one query per dataset rather than one per
    dataset and month, because planning a few hundred FILTER aggregates costs more than
    running them over a year of aggregate returns."""
    metrics = sorted((m for m in project.metrics.values() if m.dataset == dataset), key=lambda m: m.id)
    selects = [f"SELECT '{period}' AS _period, * FROM {v}" for period, vs in sorted(views.items()) for v in vs]
    if not metrics or not selects:
        return {}
    contract = project.contracts[dataset]
    source = "(" + " UNION ALL BY NAME ".join(selects) + ")"
    if contract.grain == "aggregate":
        # A long return read by a hundred FILTERed metrics plans each FILTER over the
        # whole union of typed views: twenty times slower than over one small table.
        # A record-level extract stays a stream, never copied.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _measured AS SELECT * FROM {source}")
        source = "_measured"
    sql = aggregate_sql(metrics, source, contract.org_column, by_period=True)
    try:
        rows = con.execute(sql).fetchall()
    except Exception as exc:  # duckdb's error types: the metric SQL is wrong
        raise ProjectError([Diagnostic("PJ08", f"metric SQL for dataset `{dataset}` failed: {str(exc).splitlines()[0]}",
                                       Location(metrics[0].path), hint="run `assure lint` to find which expression")])
    finally:
        con.execute("DROP TABLE IF EXISTS _measured")
    by_label = {str(p): p for p in views}
    out: dict = {}
    for row in rows:
        found = out.setdefault(by_label[row[0]], {})
        for i, m in enumerate(metrics):
            found[(m.id, row[1])] = (row[2 + 2 * i], row[3 + 2 * i])
    return out


def roll_up(project: Project, metric: MetricDef, by_org: dict, period: Period) -> list[Measure]:
    """Provider -> Place -> ICB. Places and the ICB add their members' numerators and
    denominators; population rates take the population of the geography itself."""
    register = project.organisations
    # An organisation that sent rows but nothing this metric counts (a long return's other
    # measures) does not contribute: it would make every geography it sits in look empty.
    orgs = sorted(org for (mid, org), (num, den) in by_org.items()
                  if mid == metric.id and (num is not None or den is not None))
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for org in orgs:
        record = register.get(org)
        if record is None:
            continue
        if record.level == "provider":
            members[("provider", org)].append(org)
        place = register.place_of(org)
        if place:
            members[("place", place)].append(org)
        members[("icb", project.icb)].append(org)
    measures = []
    for (level, code), contributors in sorted(members.items()):
        if metric.rollup == "none" and len(contributors) > 1:
            continue
        parts = tuple(Contribution(o, *by_org[(metric.id, o)]) for o in contributors)
        measures.append(_measure(project, metric, level, code, parts, period))
    return measures


def _measure(project, metric: MetricDef, level: str, code: str, parts, period: Period) -> Measure:
    numerator = _sum(p.numerator for p in parts)
    if metric.value:
        return Measure(metric.id, level, code, None, None, numerator, parts)
    if metric.population:
        denominator = _population(project, level, code, period, metric.population)
    else:
        denominator = _sum(p.denominator for p in parts)
    value = None
    if numerator is not None and denominator:
        value = numerator / denominator * metric.scale
    return Measure(metric.id, level, code, numerator, denominator, value, parts)


def _population(project, level: str, code: str, period: Period, band: str) -> Optional[float]:
    population = project.population
    if level == "place":
        found = population.of(code, period, band)
        return float(found) if found is not None else None
    if level == "icb":
        values = [population.of(p.code, period, band) for p in project.organisations.places]
        return float(sum(values)) if values and None not in values else None
    return None


def _sum(values) -> Optional[float]:
    values = [v for v in values if v is not None]
    return float(sum(values)) if values else None
