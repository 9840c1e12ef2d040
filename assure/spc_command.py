"""`assure spc`: a series from a file -> spc.analyse -> text, JSON, CSV or SVG."""

from __future__ import annotations

import csv
import io
import json

from . import spc
from .errors import UsageError
from .series_io import read_series

COLUMNS = ("date", "value", "mean", "lpl", "upl", "lower_2sigma", "upper_2sigma", "rules", "variation")


def run(file, date_column, value_column, *, improvement, target, rebase, fix_after, screen, fmt) -> str:
    points = read_series(file, date_column, value_column)
    dates = [d for d, _ in points]
    missing = [r for r in rebase if r not in dates]
    if missing:
        raise UsageError(f"--rebase {missing[0]} is not a date in the series",
                         hint=f"dates run from {dates[0]} to {dates[-1]}" if dates else "")
    try:
        params = spc.SpcParams(screen=screen, fix_after=fix_after)
        result = spc.analyse([v for _, v in points], improvement=improvement, target=target,
                             rebase_at=[dates.index(r) for r in rebase], params=params)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    rows = [_row(date, p) for date, p in zip(dates, result.points)]
    return {"text": _text, "json": _json, "csv": _csv, "svg": _svg}[fmt](result, rows, dates)


def _row(date, point) -> dict:
    rounded = lambda v: None if v is None else round(v, 6)  # noqa: E731
    return {"date": date, "value": point.value, "mean": rounded(point.mean), "lpl": rounded(point.lpl),
            "upl": rounded(point.upl), "lower_2sigma": rounded(point.lower_2sigma),
            "upper_2sigma": rounded(point.upper_2sigma), "rules": list(point.rules), "variation": point.variation}


def _summary(result) -> dict:
    return {"variation_icon": result.variation_icon, "assurance_icon": result.assurance_icon,
            "improvement": result.improvement, "target": result.target, "warnings": list(result.warnings)}


def _json(result, rows, dates) -> str:
    return json.dumps({"series": _summary(result), "points": rows}, indent=2, sort_keys=True) + "\n"


def _csv(result, rows, dates) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else (";".join(row[c]) if c == "rules" else row[c]) for c in COLUMNS])
    return out.getvalue()


def _text(result, rows, dates) -> str:
    fmt = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
    lines = [f"{'date':<12}{'value':>10}{'mean':>10}{'lpl':>10}{'upl':>10}  variation / rules"]
    for row in rows:
        rules = f" ({', '.join(row['rules'])})" if row["rules"] else ""
        lines.append(f"{row['date']:<12}{fmt(row['value']):>10}{fmt(row['mean']):>10}{fmt(row['lpl']):>10}"
                     f"{fmt(row['upl']):>10}  {row['variation']}{rules}")
    lines.append(f"variation icon: {result.variation_icon}; assurance icon: {result.assurance_icon}")
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def _svg(result, rows, dates) -> str:
    try:
        from .render import svg
    except ImportError:
        raise UsageError("SVG charts are not available in this build") from None
    return svg.spc_chart(result, labels=dates)
