"""Explanation -> text, Markdown (for a committee paper) or JSON."""

from __future__ import annotations

import json

from ..judge import describe_target


def document(e) -> dict:
    r, rule, m = e.result, e.rule, e.metric
    return {
        "rule": {"id": rule.id, "title": rule.title, "owner": rule.owner, "committee": rule.committee,
                 "source": {"file": rule.source.file, "line": rule.source.line, "section": rule.source.section,
                            "quote": rule.source.quote},
                 "not_followed": [{"file": s.file, "line": s.line, "quote": s.quote} for s in rule.not_followed],
                 "rationale": rule.rationale},
        "metric": ({"id": m.id, "title": m.title, "description": m.description, "unit": m.unit,
                    "polarity": m.polarity, "dataset": m.dataset, "numerator": m.numerator,
                    "denominator": m.denominator, "value": m.value, "population": m.population, "scale": m.scale}
                   if m else {"id": "", "title": f"milestone {rule.milestone}",
                              "description": "delivered, or not, as the milestone return says", "unit": "",
                              "polarity": "neutral", "dataset": rule.dataset, "numerator": None,
                              "denominator": None, "value": None, "population": None, "scale": 1.0}),
        "period": r.period,
        "geography": {"level": r.geography.level, "code": r.geography.code, "name": r.geography.name},
        "sql": e.sql, "sql_note": e.sql_note,
        "numerator": r.numerator, "denominator": r.denominator, "value": r.value,
        "contributions": [{"org": o, "numerator": n, "denominator": d} for o, n, d in r.contributions],
        "target": {"comparator": rule.comparator, "target": list(rule.target), "warn": rule.warn,
                   "start": str(rule.start) if rule.start else None,
                   "deadline": str(rule.deadline) if rule.deadline else None,
                   "applied": r.target, "applied_kind": r.target_kind},
        "verdict": r.verdict.value, "reason": r.reason,
        "spc": {"variation": r.spc.variation, "assurance": r.spc.assurance, "mean": r.spc.mean, "lpl": r.spc.lpl,
                "upl": r.spc.upl, "rules": list(r.spc.rules), "points": r.spc.points, "warning": r.spc.warning},
        "escalation": {"level": r.escalation.level, "reasons": [{"code": c, "message": t} for c, t in r.escalation.reasons]},
        "caveats": list(r.caveats),
        "returns": [{"file": s.file, "sha256": s.sha256, "valid": s.valid, "failure_count": s.failure_count,
                     "failures": [f"{f.file}:{f.row} [{f.column}] {f.code} {f.message}" for f in s.failures[:10]]}
                    for s in e.submissions],
    }


def _num(value) -> str:
    return "–" if value is None else f"{value:,.6g}" if abs(value) < 1000 else f"{value:,.1f}"


def text(e, markdown: bool = False) -> str:
    d = document(e)
    h = (lambda s: f"\n## {s}\n") if markdown else (lambda s: f"\n{s.upper()}")
    rule, m = d["rule"], d["metric"]
    out = [f"# {rule['id']}: {rule['title']}" if markdown else f"{rule['id']}: {rule['title']}",
           f"{d['geography']['name']} ({d['geography']['code']}, {d['geography']['level']}) · period {d['period']}"]
    out += [h("The commitment"), f"\"{rule['source']['quote']}\"",
            f"{rule['source']['file']} line {rule['source']['line']}" + (f", {rule['source']['section']}" if rule['source']['section'] else ""),
            f"owner: {rule['owner'] or '–'}; committee: {rule['committee'] or '–'}"]
    out += [f"not followed: \"{s['quote']}\" ({s['file']} line {s['line']})" for s in rule["not_followed"]]
    if rule["rationale"]:
        out.append(f"why: {rule['rationale']}")
    out += [h("The metric"), f"{m['title']}: {m['description']}",
            f"unit {m['unit']}, {m['polarity'].replace('_', ' ')}; dataset `{m['dataset']}`"]
    out += [h("The SQL that ran")]
    fence = "```sql" if markdown else ""
    out += ([fence, d["sql"], "```" if markdown else ""] if d["sql"] else [d["sql_note"]])
    out += [h("The numbers"), f"numerator {_num(d['numerator'])} / denominator {_num(d['denominator'])} "
            f"= value {_num(d['value'])} ({m['unit']})", "rolled up from:"]
    out += [f"  {c['org']:<10} numerator {_num(c['numerator']):>14}  denominator {_num(c['denominator']):>14}"
            for c in d["contributions"]] or ["  (nothing measured)"]
    t = d["target"]
    out += [h("The target and the verdict"),
            f"target {describe_target(e.rule)}; warn band {t['warn'] if t['warn'] is not None else 'none'}; "
            f"start {t['start'] or '–'}; deadline {t['deadline'] or 'none'}",
            f"applied: {t['applied']} ({t['applied_kind']})", f"verdict: {d['verdict']}: {d['reason']}"]
    s = d["spc"]
    out += [h("SPC"), f"{s['points']} points; mean {_num(s['mean'])}, limits {_num(s['lpl'])} to {_num(s['upl'])}; "
            f"rules fired at the latest point: {', '.join(s['rules']) or 'none'}; variation {s['variation']}, "
            f"assurance {s['assurance']}" + (f" ({s['warning']})" if s["warning"] else "")]
    out += [h("Escalation"), d["escalation"]["level"]] + [f"  {r['code']}: {r['message']}" for r in d["escalation"]["reasons"]]
    out += [h("Data quality")] + [f"caveat: {c}" for c in d["caveats"]]
    for ret in d["returns"]:
        out.append(f"{ret['file']} sha256 {ret['sha256'][:16]}… {'valid' if ret['valid'] else 'INVALID'}, "
                   f"{ret['failure_count']} finding(s)")
        out += [f"  {f}" for f in ret["failures"]]
    return "\n".join(out) + "\n"


def render(e, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document(e), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return text(e, markdown=fmt == "markdown")


def render_code(code) -> str:
    return (f"{code.code} {code.name}: {code.title}\n\nWhat it checks: {code.what}\nWhy it matters: {code.why}\n"
            f"Example: {code.example}\nUse instead: {code.instead}\n")
