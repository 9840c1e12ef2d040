"""Run -> JUnit XML, for CI systems that show test reports (Jenkins, GitLab, Azure
DevOps, GitHub test-report actions).

One testsuite per rule with one testcase per geography (classname = rule, name =
geography code and name), and a testsuite "returns" with one testcase per submitted
file (plus one per file that matched no contract, and per missing return). What
counts as a failure follows --fail-on exactly as the exit code does (errors.py):

- a rule's testcase has a <failure> when its verdict is one the level counts
  (at_risk: at_risk, missed, off_trajectory; missed: missed, off_trajectory) or, at
  `escalation`, when its escalation level is `escalate`;
- an invalid return's testcase has an <error> at every level but `never`;
- results that could not be judged (not_due, no_data, invalid_data) are <skipped>
  unless they are failures.

At `never` nothing fails: the same details go to <system-out>. Times are 0 and there
is no timestamp, so the same run gives the same bytes. The output validates against
the Jenkins JUnit schema (tests/data/junit.xsd).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from ..errors import _FINDING_VERDICTS

UNJUDGED = frozenset({"not_due", "no_data", "invalid_data"})
LEVEL_ORDER = {"icb": 0, "place": 1, "provider": 2}
# XML 1.0 forbids most control characters even as references; a return may hold them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text) -> str:
    """Text safe for XML 1.0: forbidden characters shown as \\xNN (ElementTree escapes the rest)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def is_failure(result, fail_on: str) -> bool:
    """Whether a result fails at this --fail-on level, as errors.exit_code counts it."""
    if fail_on == "escalation":
        return result.escalation.level == "escalate"
    return result.verdict.value in _FINDING_VERDICTS.get(fail_on, frozenset())


def failure_line(f) -> str:
    where = f"{f.file}:{f.row}" if f.row else f.file
    column = f" [{f.column}]" if f.column else ""
    value = f" (value: {f.value})" if f.value and f.value not in f.message else ""
    severity = "" if f.severity == "error" else f"{f.severity}: "
    return f"{severity}{where}{column} {f.code} {f.message}{value}"


def _el(parent, tag: str, attrs: dict, text: str = "") -> ET.Element:
    node = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text:
        node.text = clean(text)
    return node


def _result_text(r) -> str:
    value = "no value" if r.value is None else f"{r.value:g}"
    target = "" if r.target is None else f", target {r.target:g}" + (
        " (trajectory)" if r.target_kind == "trajectory" else "")
    lines = [f"{r.rule} for {r.geography.name} ({r.geography.code}) in {r.period}: {r.verdict.value}, "
             f"value {value}{target}", f"reason: {r.reason}"]
    if r.escalation.level != "none":
        lines.append(f"escalation: {r.escalation.level}")
        lines += [f"  {code}: {sentence}" for code, sentence in r.escalation.reasons]
    lines += [f"caveat: {c}" for c in r.caveats]
    return "\n".join(lines)


def _rule_suites(root: ET.Element, run, fail_on: str) -> tuple[int, int, int]:
    by_rule = defaultdict(list)
    for r in run.results:
        by_rule[r.rule].append(r)
    totals = [0, 0, 0]
    for rule in sorted(by_rule):
        rows = sorted(by_rule[rule], key=lambda r: (LEVEL_ORDER.get(r.geography.level, 9), r.geography.code))
        failures = sum(is_failure(r, fail_on) for r in rows)
        skipped = sum(not is_failure(r, fail_on) and r.verdict.value in UNJUDGED for r in rows)
        suite = _el(root, "testsuite", {"name": rule, "tests": len(rows), "failures": failures, "errors": 0,
                                        "skipped": skipped, "time": "0"})
        for r in rows:
            case = _el(suite, "testcase", {"name": f"{r.geography.code} {r.geography.name}", "classname": rule,
                                           "time": "0"})
            if is_failure(r, fail_on):
                message = r.reason if fail_on != "escalation" else "; ".join(
                    [s for _, s in r.escalation.reasons] or [r.reason])
                _el(case, "failure", {"message": message, "type": r.verdict.value if fail_on != "escalation"
                                      else "escalate"}, _result_text(r))
            elif r.verdict.value in UNJUDGED:
                _el(case, "skipped", {"message": f"{r.verdict.value}: {r.reason}", "type": r.verdict.value})
            _el(case, "system-out", {}, _result_text(r))
        totals[0] += len(rows)
        totals[1] += failures
        totals[2] += skipped
    return totals[0], totals[1], totals[2]


def _returns_suite(root: ET.Element, run, fail_on: str) -> tuple[int, int]:
    cases = []
    for s in run.submissions:
        problems = "\n".join(failure_line(f) for f in s.failures)
        if s.failure_count > len(s.failures):
            problems += f"\n... {s.failure_count - len(s.failures)} more (see --format json)"
        cases.append((s.file, f"returns.{s.dataset}", not s.valid,
                      f"{s.failure_count} problem{'s' * (s.failure_count != 1)} in {s.file} ({s.dataset})",
                      problems))
    by_file = defaultdict(list)
    for f in run.unmatched:
        by_file[f.file].append(f)
    for file in sorted(by_file):
        found = by_file[file]
        bad = any(f.severity == "error" for f in found)
        cases.append((file, "returns.unmatched", bad, "; ".join(f.message for f in found),
                      "\n".join(failure_line(f) for f in found)))
    errors = sum(bad for _, _, bad, _, _ in cases) if fail_on != "never" else 0
    p = run.provenance
    suite = _el(root, "testsuite", {"name": "returns", "tests": len(cases), "failures": 0, "errors": errors,
                                    "skipped": 0, "time": "0"})
    props = _el(suite, "properties", {})
    for name, value in (("period", p.period), ("project", p.project), ("engine_version", p.engine_version),
                        ("rules_version", p.rules_version), ("run_id", p.run_id), ("fail_on", fail_on)):
        _el(props, "property", {"name": name, "value": value})
    for name, classname, bad, message, text in cases:
        case = _el(suite, "testcase", {"name": name, "classname": classname, "time": "0"})
        if bad and fail_on != "never":
            _el(case, "error", {"message": message, "type": "invalid_return"}, text)
        elif text:
            _el(case, "system-out", {}, (("invalid: " + message + "\n") if bad else "") + text)
    return len(cases), errors


def render(run, *, fail_on: str = "never", **_) -> str:
    root = ET.Element("testsuites", {"name": clean(f"assure {run.provenance.project} {run.provenance.period}")})
    tests_r, errors = _returns_suite(root, run, fail_on)
    tests, failures, _skipped = _rule_suites(root, run, fail_on)
    root.set("tests", str(tests + tests_r))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("time", "0")
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
