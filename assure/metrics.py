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


def aggregate_sql(metrics: list[MetricDef], source: str, org_column: str) -> str:
    """The one query that measures every metric of a dataset, grouped by organisation.
    A metric that counts a subset says so in its own SQL (`count(*) FILTER (WHERE ...)`)."""
    parts = [f"{quote(org_column)} AS org"]
    for i, m in enumerate(metrics):
        numerator = m.value or m.numerator
        denominator = m.denominator if m.denominator and not m.value else "NULL"
        parts.append(f"CAST(({numerator}) AS DOUBLE) AS m{i}_num")
        parts.append(f"CAST(({denominator}) AS DOUBLE) AS m{i}_den")
    return f"SELECT {', '.join(parts)} FROM {source} GROUP BY ALL ORDER BY org"


def measure_dataset(con, project: Project, dataset: str, views: list[str], period: Period) -> dict:
    """{(metric, org): (numerator, denominator)} for every metric over a dataset's clean rows."""
    metrics = sorted((m for m in project.metrics.values() if m.dataset == dataset), key=lambda m: m.id)
    if not metrics or not views:
        return {}
    contract = project.contracts[dataset]
    source = "(" + " UNION ALL BY NAME ".join(f"SELECT * FROM {v}" for v in views) + ")"
    sql = aggregate_sql(metrics, source, contract.org_column)
    try:
        rows = con.execute(sql).fetchall()
    except Exception as exc:  # duckdb's error types: the metric SQL is wrong
        raise ProjectError([Diagnostic("PJ08", f"metric SQL for dataset `{dataset}` failed: {str(exc).splitlines()[0]}",
                                       Location(metrics[0].path), hint="run `assure lint` to find which expression")])
    out = {}
    for row in rows:
        org = row[0]
        for i, m in enumerate(metrics):
            out[(m.id, org)] = (row[1 + 2 * i], row[2 + 2 * i])
    return out


def roll_up(project: Project, metric: MetricDef, by_org: dict, period: Period) -> list[Measure]:
    """Provider -> Place -> ICB. Places and the ICB add their members' numerators and
    denominators; population rates take the population of the geography itself."""
    register = project.organisations
    orgs = sorted(org for (mid, org) in by_org if mid == metric.id)
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
