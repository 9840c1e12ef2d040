"""Coverage -> text, JSON or Markdown: how much of the plan is under assurance."""

from __future__ import annotations

import json
from collections import Counter

from ..coverage import Coverage, section_number

STATUSES = ("encoded", "to_encode", "not_testable")


def _rows(table: dict) -> list[tuple[str, int, int, int, int]]:
    return [(k, sum(v.values()), *(v.get(s, 0) for s in STATUSES)) for k, v in table.items()]


def document(coverage: Coverage) -> dict:
    totals = Counter(e.status for e in coverage.entries)
    return {
        "totals": {"commitments": len(coverage.entries), **{s: totals.get(s, 0) for s in STATUSES}},
        "by_section": coverage.counts(lambda e: section_number(e.commitment.section)),
        "by_kind": coverage.counts(lambda e: e.commitment.kind),
        "entries": [{"id": e.commitment.id, "section": e.commitment.section, "kind": e.commitment.kind,
                     "status": e.status, "rules": list(e.rules), "reason": e.commitment.reason,
                     "statement": e.commitment.statement,
                     "locations": [{"file": f, "line": n} for f, n in e.commitment.locations]}
                    for e in coverage.entries],
        "problems": list(coverage.problems),
    }


def text(coverage: Coverage, *, list_not_testable: bool = True) -> str:
    doc = document(coverage)
    t = doc["totals"]
    lines = [f"{t['commitments']} commitments: {t['encoded']} encoded, {t['to_encode']} still to encode, "
             f"{t['not_testable']} not testable", ""]
    for title, key in (("by kind", "by_kind"), ("by section", "by_section")):
        lines.append(f"{title:<28}{'all':>6}{'encoded':>9}{'to do':>7}{'not testable':>14}")
        lines += [f"{k[:27]:<28}{n:>6}{a:>9}{b:>7}{c:>14}" for k, n, a, b, c in _rows(doc[key])]
        lines.append("")
    if list_not_testable:
        lines.append("not testable:")
        lines += [f"  {e['id']}: {e['reason'] or '(no reason given)'}" for e in doc["entries"] if e["status"] == "not_testable"]
        lines.append("")
    if doc["problems"]:
        lines.append("problems:")
        lines += [f"  {p}" for p in doc["problems"]]
    return "\n".join(lines).rstrip() + "\n"


def markdown(coverage: Coverage) -> str:
    doc = document(coverage)
    t = doc["totals"]
    esc = lambda s: str(s).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    out = ["# Plan coverage", "",
           f"{t['commitments']} commitments: **{t['encoded']} encoded**, {t['to_encode']} still to encode, "
           f"{t['not_testable']} not testable.", ""]
    for title, key in (("By kind", "by_kind"), ("By section", "by_section")):
        out += [f"## {title}", "", "| | all | encoded | to encode | not testable |", "|---|---:|---:|---:|---:|"]
        out += [f"| {esc(k)} | {n} | {a} | {b} | {c} |" for k, n, a, b, c in _rows(doc[key])]
        out.append("")
    out += ["## Not testable", "", "| id | reason |", "|---|---|"]
    out += [f"| {e['id']} | {esc(e['reason'])} |" for e in doc["entries"] if e["status"] == "not_testable"]
    if doc["problems"]:
        out += ["", "## Problems", ""] + [f"- {esc(p)}" for p in doc["problems"]]
    return "\n".join(out) + "\n"


def render(coverage: Coverage, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document(coverage), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return markdown(coverage) if fmt == "markdown" else text(coverage)
