"""Run -> Markdown for a CI job summary ($GITHUB_STEP_SUMMARY) or a pull request comment:
verdict counts, one row per rule (ICB verdict, value, target, counts by Place and
provider), the results at the --fail-on level, and the invalid returns with their
first failures.

Every piece of text that came from a return or a rules file goes through `md()`, so
a value cannot open a link, a code span, emphasis or an HTML tag, or break a table.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from ..results import SEVERITY, VERDICT_ORDER
from .junit_out import is_failure

FIRST_FAILURES = 5
MAX_FINDINGS = 100
WORDS = {"met": "met", "at_risk": "at risk", "missed": "missed", "off_trajectory": "off trajectory",
         "not_due": "not due", "no_data": "no data", "invalid_data": "invalid data"}
MARKS = {"met": "✅", "at_risk": "⚠️", "missed": "❌", "off_trajectory": "🔻", "not_due": "⏳", "no_data": "⬜",
         "invalid_data": "⛔"}
_SPECIAL = re.compile(r"([\\`*_\[\]#|~$])")


def md(text) -> str:
    """Text that Markdown (CommonMark and GitHub's) shows as the same text: markup
    characters backslash-escaped, &, < and > as entities, line breaks as spaces."""
    text = "" if text is None else str(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"[\r\n\t\f\v]+", " ", text)
    # Text that starts like a list item ("- x", "+ x", "1. x") or is a heading underline
    # ("===") would become one at the start of a line; escaping the marker keeps it text.
    text = re.sub(r"^([-+])(?=\s|$)", r"\\\1", text)
    text = re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)
    return "\\" + text if re.fullmatch(r"(=+|-+)\s*", text) else text


def verdict(value: str) -> str:
    return f"{MARKS.get(value, '')} {WORDS.get(value, value)}".strip()


def number(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if float(value).is_integer() and unit != "percent":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def value_text(r, unit: str = "") -> str:
    """One decimal (whole numbers as integers, except percentages), or three where one
    decimal would print the target for a value that misses it."""
    if r.value is None:
        return "–"
    shown = number(r.value, unit)
    if r.target is not None and r.value != r.target and shown in (number(r.target), f"{r.target:,.1f}"):
        shown = f"{r.value:,.3f}"
    return shown


def target_text(r) -> str:
    if r.target is None:
        return "–"
    return number(r.target) + (" (trajectory)" if r.target_kind == "trajectory" else "")


def counts(results) -> str:
    tally = Counter(r.verdict.value for r in results)
    return ", ".join(f"{tally[v.value]} {WORDS[v.value]}" for v in VERDICT_ORDER if tally[v.value]) or "–"


def head_result(rows):
    """The ICB result, or the worst geography's where the rule has no ICB scope."""
    icb = next((r for r in rows if r.geography.level == "icb"), None)
    return icb or min(rows, key=lambda r: (SEVERITY[r.verdict], r.geography.code))


def failure_row(f) -> str:
    row = str(f.row) if f.row else "whole file"
    severity = "" if f.severity == "error" else f" ({md(f.severity)})"
    return f"| {row} | {md(f.column) or '–'} | {md(f.value) or '–'} | {md(f.code)}{severity} | {md(f.message)} |"


def render(run, *, fail_on: str = "never", **_) -> str:
    p = run.provenance
    by_rule = defaultdict(list)
    for r in run.results:
        by_rule[r.rule].append(r)
    invalid = [s for s in run.submissions if not s.valid]
    findings = [r for r in run.results if is_failure(r, fail_on)]
    out = [f"## assure check: {md(p.project)}, {md(p.period)}", ""]
    summary = (f"**{len(run.submissions)}** returns ({len(invalid)} invalid) · **{len(by_rule)}** rules · "
               f"**{len(run.results)}** results")
    if fail_on != "never":
        summary += f" · `--fail-on {fail_on}`: **{len(findings)}** at or above the level"
    out += [summary, "", "| verdict | results |", "| --- | ---: |"]
    tally = Counter(r.verdict.value for r in run.results)
    out += [f"| {verdict(v.value)} | {tally[v.value]} |" for v in VERDICT_ORDER if tally[v.value]]
    levels = Counter(r.escalation.level for r in run.results)
    out += ["", f"Escalation: **{levels['escalate']}** escalate, **{levels['watch']}** watch.", ""]

    out += ["### Rules", "", "| rule | ICB (or worst) | value | target | Places | providers |",
            "| --- | --- | ---: | ---: | --- | --- |"]
    order = sorted(by_rule, key=lambda rule: (min(SEVERITY[r.verdict] for r in by_rule[rule]), rule))
    for rule in order:
        rows = by_rule[rule]
        head = head_result(rows)
        where = "" if head.geography.level == "icb" else f" ({md(head.geography.code)})"
        out.append(f"| {md(rule)} | {verdict(head.verdict.value)}{where} | {value_text(head)} | {target_text(head)} | "
                   f"{counts([r for r in rows if r.geography.level == 'place'])} | "
                   f"{counts([r for r in rows if r.geography.level == 'provider'])} |")
    out.append("")

    if findings:
        what = "Escalated results" if fail_on == "escalation" else f"Results at or above `--fail-on {fail_on}`"
        out += [f"### {what} ({len(findings)})", "", "| rule | geography | verdict | value | target | why |",
                "| --- | --- | --- | ---: | ---: | --- |"]
        for r in sorted(findings, key=lambda r: (r.rule, SEVERITY[r.verdict], r.geography.code))[:MAX_FINDINGS]:
            why = r.reason
            if r.escalation.level != "none" and r.escalation.reasons:
                why += " Escalation: " + "; ".join(s for _, s in r.escalation.reasons)
            out.append(f"| {md(r.rule)} | {md(r.geography.name)} ({md(r.geography.code)}) | {verdict(r.verdict.value)} "
                       f"| {value_text(r)} | {target_text(r)} | {md(why)} |")
        if len(findings) > MAX_FINDINGS:
            out.append(f"\n… and {len(findings) - MAX_FINDINGS} more (see `--format json`).")
        out.append("")

    out += _returns(run, invalid)
    out += ["", f"<sub>assure {md(p.engine_version)} · rules {md(p.rules_version)} · run {md(p.run_id)}</sub>", ""]
    return "\n".join(out)


def _returns(run, invalid) -> list[str]:
    out = []
    if not invalid and not run.unmatched and not any(s.failures for s in run.submissions):
        return ["All returns are valid."]
    if invalid:
        out += [f"### Invalid returns ({len(invalid)})", ""]
    else:
        out += ["All returns are valid.", ""]
    warned = [s for s in run.submissions if s.valid and s.failures]
    for title, group in (("", invalid), ("Returns with warnings", warned)):
        if title and group:
            out += [f"### {title} ({len(group)})", ""]
        for s in group:
            problems = f"{s.failure_count} problem{'s' * (s.failure_count != 1)}"
            out += [f"**{md(s.file)}** ({md(s.dataset)}): {problems}", "",
                    "| row | column | value | code | message |", "| ---: | --- | --- | --- | --- |"]
            out += [failure_row(f) for f in s.failures[:FIRST_FAILURES]]
            if s.failure_count > FIRST_FAILURES:
                out.append(f"\n… and {s.failure_count - FIRST_FAILURES} more (see `--format json`).")
            out.append("")
    if run.unmatched:
        out += [f"### Other files and missing returns ({len(run.unmatched)})", ""]
        out += [f"- {md(f.code)} ({md(f.severity)}): {md(f.message)}" for f in run.unmatched]
    return out
