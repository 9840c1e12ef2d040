"""Inline suppressions: `# assure: ignore[UN02] reason` at the end of a line silences
that code (or prefix) on that line, and only with a reason (TR05 otherwise). A
suppression that silences nothing is TR06, so stale ones do not pile up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Location
from .context import diagnostic

_COMMENT = re.compile(r"#\s*assure:\s*ignore\[([^\]]*)\]\s*(.*)$")
_CODE = re.compile(r"^[A-Z]{2}\d{0,2}$")
UNSUPPRESSIBLE = ("PJ", "TR05", "TR06")  # the loader's errors stop `assure check`; these police suppressions


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    col: int
    codes: tuple[str, ...]
    reason: str


def find(path: str, lines: list[str]) -> list[Suppression]:
    found = []
    for number, line in enumerate(lines, start=1):
        hash_at = _comment_start(line)
        if hash_at < 0:
            continue
        match = _COMMENT.match(line, hash_at)
        if match:
            codes = tuple(c.strip().upper() for c in match.group(1).split(",") if c.strip())
            found.append(Suppression(path, number, hash_at + 1, codes, match.group(2).strip()))
    return found


def _comment_start(line: str) -> int:
    """Index of the `#` that starts a TOML comment, or -1 (a `#` inside a string is not one)."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            return i
        i += 1
    return -1


def apply(diagnostics: list, suppressions: list[Suppression], known_codes, enabled) -> list:
    """The diagnostics left after suppression, plus TR05/TR06 for the suppressions themselves.
    `enabled(code, path)` says whether a code is selected, so only a selected code can be unused."""
    by_line: dict = {}
    for s in suppressions:
        by_line.setdefault((s.path, s.line), []).append(s)
    used: set = set()
    kept = []
    for d in diagnostics:
        match = _silencer(d, by_line.get((d.location.path, d.location.line), ()))
        if match is None:
            kept.append(d)
        else:
            used.add(match)
    for s in suppressions:
        where = Location(s.path, s.line, s.col)
        if not s.reason:
            kept.append(diagnostic("TR05", f"`assure: ignore[{', '.join(s.codes)}]` gives no reason, so it silences "
                                   "nothing", where, "say why after the bracket: # assure: ignore[CODE] <reason>"))
            continue
        for code in s.codes:
            if not _CODE.match(code) or not any(k.startswith(code) for k in known_codes):
                kept.append(diagnostic("TR06", f"`{code}` in the suppression is not a lint code", where,
                                       "codes are listed in docs/lint.md"))
            elif code.startswith(UNSUPPRESSIBLE):
                kept.append(diagnostic("TR06", f"`{code}` cannot be suppressed inline", where,
                                       "PJ problems stop `assure check`; fix them instead"))
            elif (s, code) not in used and any(enabled(k, s.path) for k in known_codes if k.startswith(code)):
                kept.append(diagnostic("TR06", f"nothing on this line is reported as `{code}`", where,
                                       "remove the suppression"))
    return kept


def _silencer(d, candidates):
    if d.code.startswith(UNSUPPRESSIBLE):
        return None
    for s in candidates:
        if not s.reason:
            continue
        for code in s.codes:
            if _CODE.match(code) and d.code.startswith(code) and not code.startswith(UNSUPPRESSIBLE):
                return (s, code)
    return None
