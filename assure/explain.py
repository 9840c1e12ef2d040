"""How one verdict was reached: the commitment, the SQL that ran, the roll-up, the
target that applied, SPC and escalation, and the data-quality caveats; or the
documentation of a diagnostic code."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Optional

from .diagnostics import CATALOGUE, Code
from .errors import UsageError
from .metrics import aggregate_sql
from .model import Project, Rule
from .results import Result, Submission


@dataclass(frozen=True)
class Explanation:
    rule: Rule
    metric: object
    result: Result
    sql: Optional[str]           # runs on its own against the same files; None if a file cannot be read by SQL alone
    sql_note: str
    submissions: tuple[Submission, ...]


def find_code(name: str) -> Optional[Code]:
    codes = dict(CATALOGUE)
    try:
        from .lint import LINT_CODES
    except ImportError:  # the linter is optional to the engine
        LINT_CODES = ()
    codes.update({c.code: c for c in LINT_CODES})
    return codes.get(name.upper())


def rule_or_fail(project: Project, name: str) -> Rule:
    if name in project.rules:
        return project.rules[name]
    close = difflib.get_close_matches(name, sorted(project.rules), n=1)
    raise UsageError(f"no rule or code named {name!r}", hint=f"did you mean `{close[0]}`?" if close else
                     "run `assure coverage` to list the rules")


def explain(project: Project, run, data: dict, rule_id: str, geography: Optional[str]) -> Explanation:
    rule = rule_or_fail(project, rule_id)
    metric = project.metrics.get(rule.metric)
    results = [r for r in run.results if r.rule == rule.id]
    if not results:
        raise UsageError(f"rule `{rule.id}` has no result for {run.provenance.period}",
                         hint="its dataset may not report in this period (quarterly or annual)")
    if geography:
        result = next((r for r in results if r.geography.code == geography.upper()), None)
        if result is None:
            raise UsageError(f"rule `{rule.id}` has no result for {geography}",
                             hint="geographies: " + ", ".join(r.geography.code for r in results))
    else:
        result = results[0]  # the ICB where in scope: results are ordered ICB, Places, providers
    period_data = data[max(data)]
    dataset = metric.dataset if metric else rule.dataset
    validations = period_data.validations.get(dataset, [])
    if metric is None:
        sql, note = None, f"a milestone rule reads its row for `{rule.milestone}` from the `{dataset}` return"
    else:
        sql, note = _sql(project, metric, validations)
    return Explanation(rule, metric, result, sql, note, tuple(v.submission for v in validations))


def _sql(project: Project, metric, validations) -> tuple[Optional[str], str]:
    usable = [v for v in validations if v.view]
    if not usable:
        return None, "no usable return: nothing was measured"
    if any(v.standalone is None for v in usable):
        return None, ("a return was converted before reading (Excel, or Windows-1252 text), so the SQL ran on "
                      "the converted table rather than the file")
    contract = project.contracts[metric.dataset]
    source = "(\n" + "\nUNION ALL BY NAME\n".join(f"({v.standalone})" for v in usable) + "\n)"
    return aggregate_sql([metric], source, contract.org_column), ""
