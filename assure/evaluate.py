"""From validated, measured periods to one Result per rule, geography and period:
which geographies a rule covers, whether their data can be judged, and the series
each result carries for SPC."""

from __future__ import annotations

from typing import Optional

from . import metrics as metrics_mod
from .judge import judge, judge_milestone
from .model import Project, Rule
from .periods import Period, reports_in
from .results import SEVERITY, Geography, Result, SpcSummary, Verdict


def measure_periods(con, project: Project, data: dict) -> None:
    """Every metric of every period: one query per dataset across all the periods."""
    datasets = sorted({dataset for period_data in data.values() for dataset in period_data.validations})
    for dataset in datasets:
        views = {p: [v.view for v in period_data.validations.get(dataset, []) if v.view]
                 for p, period_data in data.items()}
        measured = metrics_mod.measure_periods(con, project, dataset, views)
        for p, period_data in data.items():
            if dataset in period_data.validations:
                _roll_up(project, dataset, measured.get(p, {}), period_data)
    for period_data in data.values():
        _read_milestones(con, project, period_data)


def _roll_up(project: Project, dataset: str, by_org: dict, data) -> None:
    per_metric: dict = {}
    for key, parts in by_org.items():
        per_metric.setdefault(key[0], {})[key] = parts
    for metric in sorted(project.metrics.values(), key=lambda m: m.id):
        if metric.dataset == dataset:
            for measure in metrics_mod.roll_up(project, metric, per_metric.get(metric.id, {}), data.period):
                data.measures[(metric.id, measure.level, measure.code)] = measure


def _read_milestones(con, project: Project, data) -> None:
    """A milestone return is small: its clean rows are kept whole, by milestone id."""
    wanted = {r.dataset for r in project.rules.values() if r.kind == "milestone"}
    for dataset in sorted(wanted):
        for v in data.validations.get(dataset, []):
            if v.view:
                evidence = "evidence" if "evidence" in project.contracts[dataset].columns_named else "NULL"
                for mid, status, delivered, proof in con.execute(
                        f"SELECT milestone_id, status, delivered_on, {evidence} FROM {v.view} ORDER BY _row").fetchall():
                    data.milestones[(dataset, mid)] = (status, delivered, proof or "")


def dataset_of(project: Project, rule: Rule) -> str:
    return rule.dataset if rule.kind == "milestone" else project.metrics[rule.metric].dataset


def results_for(project: Project, data: dict, target: Period, earlier: dict | None = None) -> tuple[Result, ...]:
    results = []
    for rule in sorted(project.rules.values(), key=lambda r: r.id):
        contract = project.contracts[dataset_of(project, rule)]
        if not reports_in(contract.frequency, target):
            continue
        for geo in geographies(project, rule, data[target]):
            results.append(_result(project, rule, geo, data, target, (earlier or {}).get((rule.id, geo.code), ())))
    return tuple(sorted(results, key=lambda r: (r.rule, _LEVEL_ORDER[r.geography.level], r.geography.code)))


_LEVEL_ORDER = {"icb": 0, "place": 1, "provider": 2}


def _memo(period_data, key, compute):
    """Each period's facts are fixed once it is measured, but every rule and geography
    asks for them again, in every period of its series: work them out once."""
    if key not in period_data.derived:
        period_data.derived[key] = compute()
    return period_data.derived[key]


def members(project: Project, dataset: str, period_data) -> list[str]:
    """Organisations that feed a dataset this period: those expected, and those that sent rows."""
    return _memo(period_data, ("members", dataset), lambda: _members(project, dataset, period_data))


def _members(project: Project, dataset: str, period_data) -> list[str]:
    expected = set(project.organisations.expected(dataset, period_data.period))
    for v in period_data.validations.get(dataset, []):
        expected.update(code for code in v.present_orgs if project.organisations.get(code))
    return sorted(expected)


def geographies(project: Project, rule: Rule, period_data) -> list[Geography]:
    return _memo(period_data, ("geographies", rule.id), lambda: _geographies(project, rule, period_data))


def _geographies(project: Project, rule: Rule, period_data) -> list[Geography]:
    register = project.organisations
    dataset = dataset_of(project, rule)
    orgs = members(project, dataset, period_data)
    found = []
    if "icb" in rule.levels:
        icb = register.get(project.icb)
        found.append(Geography("icb", project.icb, icb.name if icb else project.icb))
    if "place" in rule.levels:
        places = sorted({register.place_of(o) for o in orgs} - {None})
        found += [Geography("place", p, register.get(p).name) for p in places]
    if "provider" in rule.levels:
        found += [Geography("provider", o, register.get(o).name) for o in orgs if register.get(o).level == "provider"]
    if rule.orgs:
        found = [g for g in found if g.code in rule.orgs]
    return found


def contributors(project: Project, geo: Geography, orgs: list[str]) -> list[str]:
    register = project.organisations
    if geo.level == "icb":
        return orgs
    if geo.level == "place":
        return [o for o in orgs if register.place_of(o) == geo.code]
    return [geo.code] if geo.code in orgs else []


def data_state(project: Project, geo: Geography, dataset: str, period_data) -> tuple[str, str, tuple[str, ...]]:
    """(invalid reason, missing reason, caveats) for a geography's data in one period."""
    return _memo(period_data, ("state", geo, dataset), lambda: _data_state(project, geo, dataset, period_data))


def _data_state(project: Project, geo: Geography, dataset: str, period_data) -> tuple[str, str, tuple[str, ...]]:
    validations = period_data.validations.get(dataset, [])
    if not validations:
        return "", f"no `{dataset}` return was submitted for {period_data.period}", ()
    broken = [v for v in validations if v.whole_file_bad]
    if broken:
        first = next(f for f in broken[0].submission.failures if f.severity == "error")
        return f"{broken[0].submission.file} could not be used: {first.code} {first.message}", "", ()
    orgs = members(project, dataset, period_data)
    mine = contributors(project, geo, orgs)
    bad = sorted({o for v in validations for o in v.bad_orgs} & set(mine))
    if geo.level == "icb" and any(v.unattributed or (set(v.bad_orgs) - set(orgs)) for v in validations):
        bad = bad or ["rows with unknown or closed organisation codes"]
    if bad:
        return f"rejected rows in the `{dataset}` return for {', '.join(bad)}", "", ()
    present = {o for v in validations for o in v.present_orgs}
    missing = [o for o in mine if o not in present]
    if mine and len(missing) == len(mine):
        return "", f"{', '.join(missing)} sent no `{dataset}` rows for {period_data.period}", ()
    caveats = ()
    if missing:
        caveats = (f"incomplete: {', '.join(missing)} did not submit, so the figure covers "
                   f"{len(mine) - len(missing)} of {len(mine)} organisations",)
    warnings = sorted({f"{f.code} {f.message}" for v in validations for f in v.submission.failures
                       if f.severity == "warning" and f.code != "DQ12" and (not f.org or f.org in mine)})
    return "", "", caveats + tuple(warnings[:5])


def _result(project: Project, rule: Rule, geo: Geography, data: dict, target: Period, recorded=()) -> Result:
    from . import spc_summary

    dataset = dataset_of(project, rule)
    frequency = project.contracts[dataset].frequency
    series, verdicts = [], []
    baseline = _measured_baseline(project, rule, geo, data, recorded)
    for period in sorted(data):
        if reports_in(frequency, period):
            value, _ = _value(project, rule, geo, data[period])
            invalid, missing, _ = data_state(project, geo, dataset, data[period])
            series.append((str(period), None if (value is None or invalid) else _round(value)))
            if period == target or geo in geographies(project, rule, data[period]):
                # A period the geography was not expected to report in is a gap, which ends every run.
                verdicts.append((str(period), _judge(project, rule, geo, data[period], value, invalid, missing,
                                                     baseline).verdict))
    value, measure = _value(project, rule, geo, data[target])
    invalid, missing, caveats = data_state(project, geo, dataset, data[target])
    judgement = _judge(project, rule, geo, data[target], value, invalid, missing, baseline)
    series, verdicts = _with_recorded(series, verdicts, recorded, data)
    if rule.kind == "milestone":
        series, spc = (), spc_summary.SpcSummary(warning="a milestone has no series to chart")
    else:
        spc = spc_summary.summarise(rule, project.metrics[rule.metric], series, geo.code, baseline)
    return Result(
        rule=rule.id, metric=rule.metric, geography=geo, period=str(target), value=_round(value),
        numerator=_round(measure.numerator) if measure else None,
        denominator=_round(measure.denominator) if measure else None,
        target=judgement.target, target_kind=judgement.target_kind, verdict=judgement.verdict,
        reason=judgement.reason, caveats=caveats, spc=spc,
        escalation=escalation_for(project, rule, verdicts, spc, target),
        series=tuple(series), verdicts=tuple(verdicts), rule_path=rule.path, rule_line=rule.line,
        contributions=tuple((c.org, _round(c.numerator), _round(c.denominator)) for c in measure.contributors)
        if measure else (),
    )


def _value(project: Project, rule: Rule, geo: Geography, period_data):
    """(value, measure): a gap rule's value is the distance between two metrics' values;
    a milestone rule's is 1 once delivered and 0 before."""
    if rule.kind == "milestone":
        row = period_data.milestones.get((rule.dataset, rule.milestone))
        return (None if row is None else float(row[0] == "delivered")), None
    measure = period_data.measures.get((rule.metric, geo.level, geo.code))
    if rule.kind != "gap":
        return (measure.value if measure else None), measure
    other = period_data.measures.get((rule.versus, geo.level, geo.code))
    if measure is None or other is None or measure.value is None or other.value is None:
        return None, None
    return abs(measure.value - other.value), None


def _measured_baseline(project: Project, rule: Rule, geo: Geography, data: dict, recorded) -> Optional[float]:
    """A geography's own value in the baseline period, for a rule that states no baseline
    value: from this run's folders if they hold the period, else from the history."""
    if not rule.measured_baseline:
        return None
    since = rule.baseline[0]
    if since in data:
        value, _ = _value(project, rule, geo, data[since])
        invalid, _, _ = data_state(project, geo, dataset_of(project, rule), data[since])
        # Rounded as the history stores it, so a month checked alone judges exactly as the year does.
        return None if invalid else _round(value)
    return next((v for p, v, _ in recorded if p == str(since)), None)


def _judge(project: Project, rule: Rule, geo: Geography, period_data, value, invalid: str, missing: str,
           baseline=None):
    if rule.kind == "milestone":
        return judge_milestone(rule, period_data.milestones.get((rule.dataset, rule.milestone)), period_data.period,
                               invalid=invalid)
    return judge(rule, value, period_data.period, geography=geo.code, invalid=invalid, missing=missing,
                 baseline=baseline, polarity=project.metrics[rule.metric].polarity)


def _with_recorded(series, verdicts, recorded, data):
    """Periods the history holds but this run was not given folders for join the series."""
    given = {str(p) for p in data}
    extra = [(p, v, verdict) for p, v, verdict in recorded if p not in given]
    if not extra:
        return series, verdicts
    series = sorted(series + [(p, v) for p, v, _ in extra])
    verdicts = sorted(verdicts + [(p, verdict) for p, _, verdict in extra])
    return series, verdicts


def escalation_for(project: Project, rule: Rule, verdicts, spc, target: Period):
    """Escalation from the verdicts of consecutive reporting periods, under the project's policy."""
    from . import escalation

    deadline_passed = rule.deadline is not None and target >= rule.deadline
    return escalation.escalate(rule, verdicts, spc, project.policy or escalation.DEFAULT_POLICY, deadline_passed)


def _round(value: Optional[float]) -> Optional[float]:
    # Six places keeps output byte-identical across platforms whose last float bits differ.
    return None if value is None else round(value, 6)


def worst_first(results) -> list[Result]:
    return sorted(results, key=lambda r: (SEVERITY[r.verdict], r.rule, _LEVEL_ORDER[r.geography.level], r.geography.code))


__all__ = ["measure_periods", "results_for", "worst_first", "Verdict", "SpcSummary"]
