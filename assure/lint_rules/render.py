"""`assure lint` output: text (ruff's layout), json (a sorted list), github (workflow
commands that annotate the offending line in a pull request). Computes nothing."""

from __future__ import annotations

import json

FORMATS = ("text", "json", "github")


def render(report, fmt: str = "text") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown lint format {fmt!r}; choose from {', '.join(FORMATS)}")
    return {"text": text, "json": as_json, "github": github}[fmt](report)


def text(report) -> str:
    out = [str(d) for d in report.diagnostics]
    errors = sum(d.severity == "error" for d in report.diagnostics)
    warnings = len(report.diagnostics) - errors
    files = f"{report.files_checked} file{'s' * (report.files_checked != 1)}"
    if report.diagnostics:
        out.append(f"Found {_n(errors, 'error')} and {_n(warnings, 'warning')} in {files}.")
    else:
        out.append(f"All checks passed ({files}).")
    if report.unreadable:
        out.append("Some files could not be read; fix them first (exit code 3).")
    return "\n".join(out) + "\n"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def record(d) -> dict:
    from .codes import BY_CODE
    from ..diagnostics import CATALOGUE

    code = BY_CODE.get(d.code) or CATALOGUE.get(d.code)
    return {
        "path": d.location.path, "line": d.location.line, "col": d.location.col, "code": d.code,
        "name": code.name if code else "", "severity": d.severity, "message": d.message, "hint": d.hint,
    }


def as_json(report) -> str:
    return json.dumps([record(d) for d in report.diagnostics], indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report) -> str:
    lines = []
    for d in report.diagnostics:
        level = "error" if d.severity == "error" else "warning"
        where = [f"file={_escape_property(d.location.path)}"]
        if d.location.line:
            where += [f"line={d.location.line}", f"col={d.location.col or 1}"]
        message = d.message + (f"\n\nhelp: {d.hint}" if d.hint else "")
        lines.append(f"::{level} {','.join(where)},title={_escape_property(d.code)}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
