"""The CI formats of `assure check`: JUnit XML, GitHub workflow commands, Markdown and CSV.

Each is checked on the real 2024-03 run (conftest's run_2024_03) and on hostile
strings: whatever a return holds must come out as text, never as markup, a new
workflow command or a spreadsheet formula.
"""

from __future__ import annotations

import csv
import dataclasses
import html as html_mod
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assure.errors import _FINDING_VERDICTS, FAIL_ON
from assure.render import csv_out, github_out, junit_out, markdown_out, render
from assure.results import Escalation, Failure

XSD = Path(__file__).parent / "data" / "junit.xsd"
HOSTILE = '<script>alert(1)</script> =HYPERLINK("x") [link](javascript:alert(1)) |pipe| `tick` *b* _i_'


def escalated(run, count: int = 3):
    """The run with the first `count` missed results escalated and the next one on watch
    (and no other escalation, whatever the policy decided)."""
    results = [dataclasses.replace(r, escalation=Escalation()) for r in run.results]
    missed = [i for i, r in enumerate(results) if r.verdict.value == "missed"]
    for n, i in enumerate(missed[: count + 1]):
        level = "escalate" if n < count else "watch"
        results[i] = dataclasses.replace(results[i], escalation=Escalation(
            level, (("ES01", "missed for 3 consecutive periods"), ("ES02", "special-cause concerning variation"))))
    return dataclasses.replace(run, results=tuple(results))


def hostile_run(run):
    """Hostile text in an org name, a failure message and value, a reason and a file name."""
    results = list(run.results)
    r = results[0]
    results[0] = dataclasses.replace(r, geography=dataclasses.replace(r.geography, name=HOSTILE), reason=HOSTILE,
                                     caveats=(HOSTILE,))
    submissions = list(run.submissions)
    s = next(i for i, s in enumerate(submissions) if not s.valid)
    bad = Failure(file=submissions[s].file, row=12, column="org\r\nname", value=HOSTILE, code="DQ03",
                  message=HOSTILE + "\n::error::injected 100% , : done\r\nsecond line", severity="error",
                  org=HOSTILE)
    submissions[s] = dataclasses.replace(submissions[s], failures=(bad,) + submissions[s].failures,
                                         failure_count=submissions[s].failure_count + 1)
    return dataclasses.replace(run, results=tuple(results), submissions=tuple(submissions))


def failing(run, fail_on: str) -> set:
    if fail_on == "escalation":
        return {(r.rule, r.geography.code) for r in run.results if r.escalation.level == "escalate"}
    return {(r.rule, r.geography.code) for r in run.results if r.verdict.value in _FINDING_VERDICTS[fail_on]}


def rule_cases(root: ET.Element):
    return [(suite, case) for suite in root.iter("testsuite") if suite.get("name") != "returns"
            for case in suite.iter("testcase")]


# --- JUnit --------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_junit_validates_against_the_jenkins_schema(run_2024_03, fail_on):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema validates JUnit output (test extra)")
    schema = xmlschema.XMLSchema(str(XSD))
    for run in (run_2024_03, escalated(run_2024_03), hostile_run(run_2024_03)):
        schema.validate(render(run, "junit", fail_on=fail_on))


def test_junit_has_one_testcase_per_result(run_2024_03):
    root = ET.fromstring(render(run_2024_03, "junit", fail_on="missed"))
    cases = rule_cases(root)
    assert len(cases) == len(run_2024_03.results)
    expected = {(r.rule, f"{r.geography.code} {r.geography.name}") for r in run_2024_03.results}
    assert {(c.get("classname"), c.get("name")) for _, c in cases} == expected
    assert all(c.get("classname") == s.get("name") for s, c in cases)
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in root.iter("testsuite"))


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_junit_failures_only_at_the_fail_on_level(run_2024_03, fail_on):
    run = escalated(run_2024_03)
    root = ET.fromstring(render(run, "junit", fail_on=fail_on))
    failed = {(s.get("name"), c.get("name").split(" ")[0]) for s, c in rule_cases(root)
              if c.find("failure") is not None}
    assert failed == failing(run, fail_on)
    if fail_on in ("at_risk", "missed", "escalation"):
        assert failed, "the fixture run has results at this level"
    by_key = {(r.rule, r.geography.code): r for r in run.results}
    for s, c in rule_cases(root):
        f = c.find("failure")
        if f is not None:
            r = by_key[(s.get("name"), c.get("name").split(" ")[0])]
            assert f.get("message") == (r.reason if fail_on != "escalation"
                                        else "; ".join(x for _, x in r.escalation.reasons))


def test_junit_returns_suite_has_an_error_per_invalid_return(run_2024_03):
    root = ET.fromstring(render(run_2024_03, "junit", fail_on="invalid"))
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "returns")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert {s.file for s in run_2024_03.submissions} <= set(cases)
    for s in run_2024_03.submissions:
        error = cases[s.file].find("error")
        assert (error is not None) == (not s.valid)
        if error is not None:
            for f in s.failures:
                where = f"{f.file}:{f.row}" if f.row else f.file
                assert f"{where} [{f.column}] {f.code} {f.message}" in error.text
    bed = cases["2024-03/bed_occupancy_monthly_2024-03.xlsx"].find("error").text
    assert "2024-03/bed_occupancy_monthly_2024-03.xlsx:8 [ga_beds_occupied_adult] DQ03" in bed
    assert int(suite.get("errors")) == sum(not s.valid for s in run_2024_03.submissions)


def test_junit_at_never_marks_nothing_failed(run_2024_03):
    root = ET.fromstring(render(escalated(run_2024_03), "junit", fail_on="never"))
    assert not list(root.iter("failure")) and not list(root.iter("error"))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    # ...but an invalid return's problems are still there to read.
    assert "DQ03" in "".join(root.itertext())


def test_junit_is_reproducible_and_keeps_hostile_text_as_text(run_2024_03):
    run = hostile_run(run_2024_03)
    text = render(run, "junit", fail_on="at_risk")
    assert text == render(run, "junit", fail_on="at_risk")
    assert "<script>" not in text and "&lt;script&gt;" in text
    root = ET.fromstring(text)
    names = [c.get("name") for c in root.iter("testcase")]
    assert any(HOSTILE in n for n in names)
    assert not list(root.iter("script"))
    # characters XML 1.0 cannot hold are shown, not written
    control = dataclasses.replace(run, results=(dataclasses.replace(run.results[0], reason="bad\x00\x1bvalue"),))
    ET.fromstring(render(control, "junit", fail_on="never"))
    assert "bad\\x00\\x1bvalue" in render(control, "junit", fail_on="never")


# --- GitHub -----------------------------------------------------------------


def test_github_escaping_follows_the_runner_rules():
    assert github_out.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert github_out.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github_out.command("error", "x: y, z", file="a,b:c.csv", line=3, title="DQ03") == \
        "::error file=a%2Cb%3Ac.csv,line=3,title=DQ03::x: y, z"


def test_github_annotates_every_failure_on_its_file_and_row(run_2024_03):
    out = render(run_2024_03, "github", fail_on="invalid", root="fixtures/submissions/")
    lines = out.splitlines()
    for s in run_2024_03.submissions:
        for f in s.failures:
            kind = "error" if f.severity == "error" else "warning"
            prefix = f"::{kind} file=fixtures/submissions/{f.file}" + (f",line={f.row}" if f.row else "") + \
                     f",title={f.code}::"
            assert any(line.startswith(prefix) for line in lines), prefix
    assert "::error file=fixtures/submissions/2024-03/bed_occupancy_monthly_2024-03.xlsx,line=8,title=DQ03::" in out
    assert "::warning file=fixtures/submissions/2024-03/notes_for_analyst.txt,title=DQ15::" in out
    assert lines[-1].startswith("::notice title=assure check::")
    # at --fail-on invalid no rule result is an error
    assert not any(line.startswith("::error title=") for line in lines)


def test_github_findings_go_on_the_rule_line(run_2024_03):
    rules = {"ae_4hr_76": ("rules/urgent_care.toml", 3)}
    out = render(run_2024_03, "github", fail_on="missed", rules=rules)
    findings = [line for line in out.splitlines() if line.startswith("::error") and "title=ae_4hr_76" in line]
    assert len(findings) == 1
    assert findings[0].startswith("::error file=rules/urgent_care.toml,line=3,title=ae_4hr_76%3A 3 failing::")
    missed = [r for r in run_2024_03.results if r.rule == "ae_4hr_76" and r.verdict.value == "missed"]
    assert all(r.geography.code in findings[0] for r in missed)
    # the rules project folder is prefixed, as the submissions root is for returns
    nested = render(run_2024_03, "github", fail_on="missed", rules=rules, rules_root="jfp/")
    assert "::error file=jfp/rules/urgent_care.toml,line=3,title=ae_4hr_76" in nested
    # a rule not named in `rules` is annotated at the location its results carry
    assert any(line.startswith("::error file=rules/planned_care.toml,line=") and "title=cancer_fds_75" in line
               for line in out.splitlines())
    # a Result that carries its location (proposed rule_path / rule_line) is used
    located = dataclasses.make_dataclass("Located", [("rule", str), ("rule_path", str), ("rule_line", int)])
    assert github_out._location(located("x", "rules/x.toml", 9), {}) == ("rules/x.toml", 9)


def test_github_escalation_level_annotates_escalated_results(run_2024_03):
    run = escalated(run_2024_03)
    out = render(run, "github", fail_on="escalation")
    flagged = {r.rule for r in run.results if r.escalation.level == "escalate"}
    annotated = [line for line in out.splitlines() if line.startswith("::error") and "escalated" in line]
    assert len(annotated) == len(flagged)
    assert "missed for 3 consecutive periods" in out


def test_github_hostile_text_cannot_start_a_command(run_2024_03):
    out = render(hostile_run(run_2024_03), "github", fail_on="at_risk")
    for line in out.splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
        # one command per line: the message never holds a raw line break
        assert "\r" not in line
    assert "injected 100%25 , : done%0D%0Asecond line" in out
    assert "title=DQ03::[org%0D%0Aname] " in out  # the column's line break is escaped as data


# --- Markdown -----------------------------------------------------------------


def _html(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_escapes_everything_from_returns():
    text = markdown_out.md(HOSTILE)
    for raw in ("<script", "[link](", "|pipe|", "`tick`", "*b*", "_i_"):
        assert raw not in text
    html = _html(f"| a | b |\n| --- | --- |\n| {text} | x |\n")
    assert "<script" not in html and "<a " not in html and "<code>" not in html and "<em>" not in html
    assert html.count("<td>") == 2  # the pipes did not split the cell
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert markdown_out.md("- item") == "\\- item" and markdown_out.md("1. x") == "1\\. x"
    assert markdown_out.md("a\nb") == "a b"


def test_markdown_summary_of_a_check(run_2024_03):
    out = render(escalated(run_2024_03), "markdown", fail_on="missed")
    assert out.startswith("## assure check: ")
    for rule in {r.rule for r in run_2024_03.results}:
        assert markdown_out.md(rule) in out
    assert "### Invalid returns (3)" in out
    assert "| 8 | ga\\_beds\\_occupied\\_adult | n/a | DQ03 |" in out
    missed = sum(r.verdict.value in ("missed", "off_trajectory") for r in run_2024_03.results)
    assert f"**{missed}** at or above the level" in out
    html = _html(out)
    assert html.count("<table>") >= 3


def test_markdown_hostile_strings_render_as_text(run_2024_03):
    out = render(hostile_run(run_2024_03), "markdown", fail_on="at_risk")
    html = _html(out)
    assert "<script" not in html
    assert "<a " not in html  # "[link](javascript:...)" stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '=HYPERLINK("x")' in out or "=HYPERLINK(&quot;x&quot;)" in html


# --- CSV ---------------------------------------------------------------------


def test_csv_guards_formulas_and_keeps_numbers(run_2024_03):
    starts = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")']
    results = list(run_2024_03.results[: len(starts)])
    for i, start in enumerate(starts):
        r = results[i]
        results[i] = dataclasses.replace(r, geography=dataclasses.replace(r.geography, name=start), reason=start,
                                         value=-5.5 if i == 0 else r.value)
    run = dataclasses.replace(run_2024_03, results=tuple(results))
    rows = list(csv.DictReader(io.StringIO(render(run, "csv"))))
    assert len(rows) == len(starts)
    for row, start in zip(rows, starts, strict=True):
        assert row["geography_name"] == "'" + start
        assert row["reason"] == "'" + start
    assert rows[0]["value"] == "-5.5"  # a number: not guarded
    assert csv_out.guard(-3.0) == -3.0 and csv_out.guard("-3") == "'-3" and csv_out.guard(None) == ""
    assert csv_out.guard("plain") == "plain"


def test_csv_has_one_row_per_result(run_2024_03):
    rows = list(csv.DictReader(io.StringIO(render(run_2024_03, "csv"))))
    assert len(rows) == len(run_2024_03.results)
    assert tuple(rows[0]) == csv_out.COLUMNS
    for row, r in zip(rows, run_2024_03.results, strict=True):
        assert row["rule"] == r.rule and row["verdict"] == r.verdict.value
        assert (row["value"] == "") == (r.value is None)
        if r.value is not None:
            assert float(row["value"]) == r.value


def test_csv_hostile_strings_stay_text(run_2024_03):
    out = render(hostile_run(run_2024_03), "csv")
    rows = list(csv.reader(io.StringIO(out)))
    cells = [c for row in rows for c in row]
    assert all(not c.startswith(csv_out.FORMULA_STARTS) for c in cells if not _is_number(c))
    assert any(c == HOSTILE for c in cells)  # starts with '<': not a formula, kept as is


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_junit_module_helpers():
    assert junit_out.clean("a\x00b\x1f") == "a\\x00b\\x1f"
    f = Failure("f.csv", 0, "", "", "DQ12", "no rows", "warning")
    assert junit_out.failure_line(f) == "warning: f.csv DQ12 no rows"


# --- properties ---------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_escaping_round_trips_through_a_markdown_renderer(text):
    """Whatever the text, Markdown shows it back as the same text (whitespace folded), in a
    paragraph and in a table cell, and never as markup."""
    escaped = markdown_out.md(text)
    want = re.sub(r"\s+", " ", text).strip()
    for doc, tag in ((f"x {escaped}\n", "p"), (f"| a |\n| --- |\n| {escaped} |\n", "td")):
        rendered = _html(doc)
        inner = re.search(rf"<{tag}>(.*?)</{tag}>", rendered, re.S)
        got = html_mod.unescape(inner.group(1) if inner else "")
        if tag == "p":
            got = got[1:] if got.startswith("x") else got
        assert re.sub(r"\s+", " ", got).strip() == want.replace("\x0b", " ").strip() or not want.strip()
        assert not re.search(r"<(?!/?(p|td|tr|th|table|thead|tbody)\b)", inner.group(1) if inner else "")


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_github_commands_are_one_line_and_unescape_to_the_input(message, path):
    line = github_out.command("error", message, file=path or "f", title="DQ03")
    assert "\n" not in line and "\r" not in line
    props, _, data = line[len("::error "):].partition("::")
    unescape = lambda s: s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace(  # noqa: E731
        "%2C", ",").replace("%25", "%")
    assert unescape(data) == message
    assert props.count(",") == 1  # file=..., title=...: a comma in the path cannot add a property
    assert unescape(props.split(",")[0][len("file="):]) == (path or "f")


@given(st.one_of(TEXT, st.floats(allow_nan=False), st.integers(), st.none()))
def test_csv_guard_never_leaves_a_formula(cell):
    out = csv_out.guard(cell)
    if isinstance(cell, str):
        assert not out.startswith(csv_out.FORMULA_STARTS)
        assert out in (cell, "'" + cell)
    elif cell is None:
        assert out == ""
    else:
        assert out == cell
