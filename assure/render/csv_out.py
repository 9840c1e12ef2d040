"""Run -> CSV: one row per rule x geography x period, safe to open in a spreadsheet.

A text cell that begins with = + - @ tab or carriage return would be read by Excel,
LibreOffice or Google Sheets as a formula (CSV injection), so it is written with a
leading single quote. Numbers are written as numbers and never guarded: a negative
value stays a number. Semicolon-separated lists (caveats, escalation reasons) are
guarded as a whole cell.
"""

from __future__ import annotations

import csv
import io

COLUMNS = (
    "rule", "metric", "geography_level", "geography_code", "geography_name", "period", "value", "numerator",
    "denominator", "target", "target_kind", "verdict", "reason", "escalation", "escalation_reasons",
    "spc_variation", "spc_assurance", "spc_mean", "spc_lpl", "spc_upl", "caveats",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(cell):
    """A cell as written: numbers untouched, text that could start a formula quoted."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell).lower()
    if isinstance(cell, (int, float)):
        return cell
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(r) -> list:
    return [
        r.rule, r.metric, r.geography.level, r.geography.code, r.geography.name, r.period, r.value, r.numerator,
        r.denominator, r.target, r.target_kind, r.verdict.value, r.reason, r.escalation.level,
        "; ".join(sentence for _, sentence in r.escalation.reasons), r.spc.variation, r.spc.assurance,
        r.spc.mean, r.spc.lpl, r.spc.upl, "; ".join(r.caveats),
    ]


def render(run, **_) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in run.results:
        writer.writerow([guard(cell) for cell in row(r)])
    return out.getvalue()
