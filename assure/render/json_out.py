"""Run -> JSON, the documented, schema-checked machine output (schemas/results.schema.json).

Keys are sorted and floats already rounded, so the same inputs and rules give
byte-identical output."""

from __future__ import annotations

import json
from collections import Counter

SCHEMA_VERSION = "1"


def failure(f) -> dict:
    return {"file": f.file, "row": f.row, "column": f.column, "value": f.value, "code": f.code,
            "severity": f.severity, "message": f.message, "org": f.org}


def result(r) -> dict:
    return {
        "rule": r.rule, "metric": r.metric,
        "geography": {"level": r.geography.level, "code": r.geography.code, "name": r.geography.name},
        "period": r.period, "value": r.value, "numerator": r.numerator, "denominator": r.denominator,
        "target": r.target, "target_kind": r.target_kind, "verdict": r.verdict.value, "reason": r.reason,
        "caveats": list(r.caveats),
        "escalation": {"level": r.escalation.level,
                       "reasons": [{"code": c, "message": m} for c, m in r.escalation.reasons]},
        "spc": {"variation": r.spc.variation, "assurance": r.spc.assurance, "points": r.spc.points,
                "mean": r.spc.mean, "lpl": r.spc.lpl, "upl": r.spc.upl, "rules": list(r.spc.rules),
                "warning": r.spc.warning},
        "series": [{"period": p, "value": v} for p, v in r.series],
        "contributions": [{"org": o, "numerator": n, "denominator": d} for o, n, d in r.contributions],
    }


def submission(s) -> dict:
    return {"file": s.file, "dataset": s.dataset, "period": s.period, "sha256": s.sha256, "rows": s.rows,
            "sheet": s.sheet, "valid": s.valid, "failure_count": s.failure_count,
            "failures": [failure(f) for f in s.failures]}


def document(run) -> dict:
    p = run.provenance
    return {
        "schema_version": SCHEMA_VERSION,
        "provenance": {"engine_version": p.engine_version, "rules_version": p.rules_version, "project": p.project,
                       "period": p.period, "run_id": p.run_id,
                       "inputs": [{"file": f, "sha256": h} for f, h in p.inputs]},
        "summary": {
            "verdicts": dict(sorted(Counter(r.verdict.value for r in run.results).items())),
            "escalations": dict(sorted(Counter(r.escalation.level for r in run.results).items())),
            "submissions": len(run.submissions),
            "invalid_submissions": sum(not s.valid for s in run.submissions),
        },
        "results": [result(r) for r in run.results],
        "submissions": [submission(s) for s in run.submissions],
        "unmatched": [failure(f) for f in run.unmatched],
    }


def render(run, **_) -> str:
    return json.dumps(document(run), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
