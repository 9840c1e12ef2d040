"""Run -> GitHub Actions workflow commands: annotations on the offending line.

- every failure in a return: `::error` (or `::warning` for a warning) on the file and
  row, titled with its code; files that matched no contract and missing returns too;
- the results at the --fail-on level: one `::error` per rule, listing each failing
  geography, on the rule's line in its TOML file when the rule's location is known
  (option `rules={rule_id: (path, line)}`, or a Result carrying `rule_path` and
  `rule_line`), else an unlocated `::error`;
- a closing `::notice` with the counts.

Annotation paths are relative to the repository: pass `root` = the submissions folder
as given to `assure check` (Failure.file is relative to it) and `rules_root` = the
rules project folder (rule paths are relative to it). Everything from a return is escaped by GitHub's rules,
so a value cannot end a command or start another.
"""

from __future__ import annotations

import posixpath
from collections import Counter

from ..results import VERDICT_ORDER
from .junit_out import is_failure


def escape_data(text) -> str:
    """The message part of a workflow command."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text) -> str:
    """A property value (file, line, title): also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties) -> str:
    props = ",".join(f"{name}={escape_property(value)}" for name, value in properties.items()
                     if value not in (None, "", 0))
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def _path(root: str, file: str) -> str:
    if not root:
        return file
    return posixpath.normpath(posixpath.join(root.replace("\\", "/"), file))


def _failure(f, root: str) -> str:
    kind = "error" if f.severity == "error" else "warning" if f.severity == "warning" else "notice"
    column = f"[{f.column}] " if f.column else ""
    value = f" (value: {f.value})" if f.value and f.value not in f.message else ""
    return command(kind, f"{column}{f.message}{value}", file=_path(root, f.file), line=f.row or None,
                   title=f.code)


def _location(result, rules: dict, rules_root: str = "") -> tuple[str, int]:
    if result.rule in rules:
        path, line = rules[result.rule]
    else:
        path, line = getattr(result, "rule_path", "") or "", getattr(result, "rule_line", 0) or 0
    return (_path(rules_root, str(path)) if path else ""), int(line or 0)


def _num(value) -> str:
    return "no value" if value is None else f"{value:,.1f}" if not float(value).is_integer() else f"{value:,.0f}"


def _findings(results, fail_on: str, rules: dict, rules_root: str) -> str:
    """One annotation per rule, on its line, listing every geography at the level:
    GitHub shows only the first few annotations of each kind per step."""
    first = results[0]
    path, line = _location(first, rules, rules_root)
    what = "escalated" if fail_on == "escalation" else f"at or above --fail-on {fail_on}"
    lines = [f"{first.rule}: {len(results)} result{'s' * (len(results) != 1)} {what} in {first.period}"]
    for r in results:
        target = "" if r.target is None else f" (target {_num(r.target)})"
        lines.append(f"- {r.geography.name} ({r.geography.code}): {r.verdict.value}, {_num(r.value)}{target}. "
                     f"{r.reason}")
        if r.escalation.level != "none":
            lines += [f"  {r.escalation.level}: {sentence}" for _, sentence in r.escalation.reasons]
    return command("error", "\n".join(lines), file=path or None, line=line or None,
                   title=f"{first.rule}: {len(results)} {'escalated' if fail_on == 'escalation' else 'failing'}")


def render(run, *, fail_on: str = "never", root: str = "", rules: dict | None = None, rules_root: str = "",
           **_) -> str:
    rules = rules or {}
    lines = []
    for s in run.submissions:
        for f in s.failures:
            lines.append(_failure(f, root))
        if s.failure_count > len(s.failures):
            lines.append(command("error" if not s.valid else "warning",
                                 f"{s.failure_count - len(s.failures)} more problems not shown "
                                 f"(see --format json)", file=_path(root, s.file), title=f"{s.dataset} return"))
    for f in run.unmatched:
        lines.append(_failure(f, root))
    by_rule: dict = {}
    for r in run.results:
        if is_failure(r, fail_on):
            by_rule.setdefault(r.rule, []).append(r)
    for rule in sorted(by_rule):
        lines.append(_findings(by_rule[rule], fail_on, rules, rules_root))
    counts = Counter(r.verdict.value for r in run.results)
    invalid = sum(not s.valid for s in run.submissions)
    summary = (f"{run.provenance.project} {run.provenance.period}: {len(run.submissions)} returns, {invalid} invalid; "
               + ", ".join(f"{counts[v.value]} {v.value}" for v in VERDICT_ORDER if counts[v.value]))
    lines.append(command("notice", summary, title="assure check"))
    return "\n".join(lines) + "\n"
