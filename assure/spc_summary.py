"""A result's series -> its Making Data Count icons, through spc.analyse."""

from __future__ import annotations

from .model import MetricDef, Rule
from .periods import Period
from .results import SpcSummary

IMPROVEMENT = {"higher_is_better": "increase", "lower_is_better": "decrease", "neutral": "neutral"}


def summarise(rule: Rule, metric: MetricDef, series, geography: str = "", baseline=None) -> SpcSummary:
    try:
        from . import spc
    except ImportError:  # the SPC module arrives with its own issue
        return SpcSummary(warning="SPC not available")
    values = [v for _, v in series]
    if not any(v is not None for v in values):
        return SpcSummary(warning="no values to chart")
    # The assurance icon asks whether the process can meet this geography's target.
    wanted = rule.target_for(Period.parse(series[-1][0]), geography, baseline) if series else ()
    target = wanted[0] if rule.comparator != "between" and wanted else None
    if rule.comparator == "eliminate":
        target = 0.0
    result = spc.analyse(values, improvement=IMPROVEMENT[metric.polarity], target=target)
    last = next((p for p in reversed(result.points) if p.value is not None), None)
    return SpcSummary(
        variation=result.variation_icon or "none", assurance=result.assurance_icon or "none",
        points=sum(v is not None for v in values),
        mean=_r(last.mean if last else None), lpl=_r(last.lpl if last else None), upl=_r(last.upl if last else None),
        rules=tuple(last.rules) if last else (), warning="; ".join(result.warnings),
    )


def _r(value):
    return None if value is None else round(value, 6)
