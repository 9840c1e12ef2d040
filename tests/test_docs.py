"""The documentation cannot fall behind the code: each test reads a doc and the code it
describes, and fails when one changes without the other.

docs/codes.md is generated from the diagnostics catalogue. After changing the catalogue,
regenerate it with:

    .venv/bin/python tests/test_docs.py write-codes
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
SCHEMAS = REPO / "assure" / "schemas"
CODE_HEADINGS = ("What it checks", "Why it matters", "Example", "Use instead")


def read(name: str) -> str:
    path = DOCS / name
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    return path.read_text("utf-8")


def section(text: str, heading: str, level: int = 2) -> str:
    """The body under the first heading of `level` that starts with `heading`, up to the
    next heading of the same or a higher level."""
    marks = "#" * level
    lines, fenced = [], False
    for line in text.splitlines():  # a `# comment` inside a code block is not a heading
        if line.startswith("```"):
            fenced = not fenced
        lines.append((line, fenced))
    for i, (line, in_code) in enumerate(lines):
        if not in_code and line.startswith(marks + " ") and line[level + 1:].startswith(heading):
            body = []
            for later, later_in_code in lines[i + 1:]:
                hashes = len(later) - len(later.lstrip("#"))
                if not later_in_code and 0 < hashes <= level and later[hashes:hashes + 1] == " ":
                    break
                body.append(later)
            return "\n".join(body)
    raise AssertionError(f"no heading {marks} {heading}")


def table_after(text: str, marker: str) -> list[list[str]]:
    """The rows (header first, separator dropped) of the Markdown table after a marker."""
    start = text.index(marker) + len(marker)
    rows = []
    for line in text[start:].lstrip("\n").splitlines():
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not all(set(c) <= set("-: ") for c in cells):
            rows.append(cells)
    return rows


def row_starts(text: str, first_cell: str) -> bool:
    return re.search(rf"^\|\s*{re.escape(first_cell)}\s*\|", text, re.MULTILINE) is not None


def plain(cell: str) -> str:
    return cell.replace("`", "").strip()


# -- docs/codes.md ----------------------------------------------------------------------

def _inline(text: str) -> str:
    return text if "`" in text else f"`{text}`"


def render_codes() -> str:
    """docs/codes.md, from assure.diagnostics.CATALOGUE."""
    from assure.diagnostics import CATALOGUE

    out = [
        "# Diagnostic and data-quality codes",
        "",
        "Every problem `assure` reports has a stable code: two letters and two digits, with a",
        "kebab-case name. A code is never reused for something else.",
        "",
        "- `PJ` codes are problems in the rules project: `assure.toml`, the rules, metric",
        "  definitions, dataset contracts, the organisation register and the population table.",
        "  Each is reported as `file:line:column: CODE message`, and the command exits 3.",
        "- `DQ` codes are data-quality failures in a return. Each is reported with the file,",
        "  row and column where a person can find it. A failure with scope `row` is about one",
        "  row, and if it is an error that row is rejected. A failure with scope `file` is about",
        "  the whole file, and if it is an error the file is not used.",
        "  [validation.md](validation.md) explains which failures reject what, and",
        "  [verdicts.md](verdicts.md) explains how rejected rows affect results.",
        "",
        "`assure lint` reports further codes of its own (`RF`, `UN`, `DT`, `SQ`, `TR`, `CF`), listed in",
        "[lint.md](lint.md). `assure explain CODE` prints any code's entry.",
        "",
        "This page is generated from `assure/diagnostics.py` (`CATALOGUE`) by",
        "`python tests/test_docs.py write-codes`. `tests/test_docs.py` fails if it falls behind.",
        "",
        "| code | name | title | severity | scope |",
        "|---|---|---|---|---|",
    ]
    for c in CATALOGUE.values():
        scope = "project" if c.code.startswith("PJ") else c.scope
        out.append(f"| [{c.code}](#{c.code.lower()}-{c.name}) | `{c.name}` | {c.title} | {c.severity} | {scope} |")
    for c in CATALOGUE.values():
        scope = "project" if c.code.startswith("PJ") else c.scope
        out += [
            "",
            f"## {c.code} {c.name}",
            "",
            f"**{c.title}.** Severity: {c.severity}. Scope: {scope}.",
            "",
            "### What it checks",
            "",
            c.what,
            "",
            "### Why it matters",
            "",
            c.why,
            "",
            "### Example",
            "",
            _inline(c.example),
            "",
            "### Use instead",
            "",
            _inline(c.instead),
        ]
    return "\n".join(out) + "\n"


def test_codes_md_documents_every_catalogue_code():
    from assure.diagnostics import CATALOGUE

    text = read("codes.md")
    for c in CATALOGUE.values():
        body = section(text, f"{c.code} {c.name}")
        for heading in CODE_HEADINGS:
            assert re.search(rf"^### {heading}$", body, re.MULTILINE), f"{c.code}: no '{heading}' heading"
        for field in ("title", "what", "why", "example", "instead"):
            assert getattr(c, field) in body, (f"{c.code} {field} differs from the catalogue: "
                                               "run `python tests/test_docs.py write-codes`")
        assert f"Severity: {c.severity}." in body, f"{c.code}: severity differs from the catalogue"


def test_codes_md_lists_only_catalogue_codes():
    from assure.diagnostics import CATALOGUE

    documented = re.findall(r"^## ([A-Z]{2}\d{2}) ", read("codes.md"), re.MULTILINE)
    assert sorted(documented) == sorted(CATALOGUE), "docs/codes.md and CATALOGUE list different codes"


# -- docs/verdicts.md -------------------------------------------------------------------

def test_every_verdict_has_its_own_section():
    from assure.results import Verdict

    text = read("verdicts.md")
    for verdict in Verdict:
        assert re.search(rf"^### `{verdict.value}`$", text, re.MULTILINE), f"no section for `{verdict.value}`"
        assert row_starts(text, f"`{verdict.value}`"), f"`{verdict.value}` is not in the summary table"


def _number(cell: str):
    cell = plain(cell)
    return None if cell in ("", "none") else float(cell)


def test_worked_examples_give_the_verdicts_judge_gives():
    from assure.judge import judge
    from assure.model import Rule, Source
    from assure.periods import Period

    rows = table_after(read("verdicts.md"), "<!-- judge-examples -->")
    header, examples = rows[0], rows[1:]
    assert header == ["rule like", "comparator", "target", "warn", "start", "deadline", "trajectory", "period",
                      "data", "value", "verdict"]
    assert len(examples) >= 10
    for cells in examples:
        like, comparator, target, warn, start, deadline, trajectory, period, data, value, verdict = map(plain, cells)
        if target.startswith("["):
            targets = tuple(float(x) for x in target.strip("[]").split(","))
        else:
            targets = (0.0,) if target == "none" else (float(target),)
        points = () if trajectory == "none" else tuple(
            (Period.parse(p.split("=")[0].strip()), float(p.split("=")[1])) for p in trajectory.split(";"))
        rule = Rule(id=like, title=like, metric="m", kind="threshold", comparator=comparator, target=targets,
                    warn=_number(warn), start=None if start == "none" else Period.parse(start),
                    deadline=None if deadline == "none" else Period.parse(deadline), trajectory=points,
                    levels=("icb",), orgs=(), owner="", committee="", programme="", tags=(), register=(),
                    source=Source("f", 1, "q"), not_followed=(), rationale="", path="")
        got = judge(rule, None if data == "no value" else _number(value), Period.parse(period),
                    invalid="rejected rows" if data == "rejected rows" else "")
        assert got.verdict.value == verdict, f"verdicts.md example {cells}: judge() says {got.verdict.value}"


# -- docs/exit-codes.md -----------------------------------------------------------------

def test_every_exit_code_is_documented():
    from assure.errors import ExitCode

    text = read("exit-codes.md")
    for code in ExitCode:
        assert row_starts(text, f"`{int(code)}` | {code.name}"), f"exit code {int(code)} ({code.name}) is not in the table"


def test_every_fail_on_level_is_documented():
    from assure.errors import FAIL_ON

    text = read("exit-codes.md")
    for level in FAIL_ON:
        assert len(re.findall(rf"^\|\s*`{level}`\s*\|", text, re.MULTILINE)) >= 2, \
            f"--fail-on {level} is not in both tables of exit-codes.md"


def _run(verdict="met", escalation="none", valid=True):
    from assure.results import Escalation, Failure, Geography, Provenance, Result, Run, Submission, Verdict

    failures = () if valid else (Failure("2024-03/x.csv", 2, "c", "v", "DQ03", "bad"),)
    submission = Submission(file="2024-03/x.csv", dataset="x", period="2024-03", sha256="0" * 64, rows=1,
                            failures=failures, failure_count=len(failures))
    result = Result(rule="r", metric="m", geography=Geography("icb", "QYG", "ICB"), period="2024-03", value=1.0,
                    numerator=None, denominator=None, target=1.0, target_kind="target", verdict=Verdict(verdict),
                    reason="", escalation=Escalation(level=escalation))
    provenance = Provenance(engine_version="0", rules_version="0", project="p", period="2024-03", inputs=(), run_id="x")
    return Run(provenance=provenance, submissions=(submission,), results=(result,))


FAIL_ON_SCENARIOS = {
    "all met": {},
    "one `at_risk`": {"verdict": "at_risk"},
    "one `off_trajectory`": {"verdict": "off_trajectory"},
    "one `missed`": {"verdict": "missed"},
    "one `no_data`": {"verdict": "no_data"},
    "one `invalid_data`": {"verdict": "invalid_data"},
    "one escalated": {"escalation": "escalate"},
    "one invalid return": {"valid": False},
}


def test_fail_on_table_gives_the_codes_exit_code_gives():
    from assure.errors import FAIL_ON, exit_code

    rows = table_after(read("exit-codes.md"), "<!-- fail-on-table -->")
    header, body = rows[0], rows[1:]
    assert header == ["`--fail-on`", *FAIL_ON_SCENARIOS], "the table's columns are not the tested scenarios"
    assert [plain(r[0]) for r in body] == list(FAIL_ON), "the table's rows are not the --fail-on levels"
    for cells in body:
        level = plain(cells[0])
        for scenario, shown in zip(FAIL_ON_SCENARIOS.values(), cells[1:]):
            got = int(exit_code(_run(**scenario), level))
            assert got == int(shown), f"--fail-on {level} with {scenario or 'all met'}: exit_code() gives {got}, doc says {shown}"


# -- docs/formats.md --------------------------------------------------------------------

# Each schema's keys must be documented in its own section of formats.md.
SCHEMA_SECTION = {
    "project": "`assure.toml`",
    "datasets": "Dataset contracts",
    "metrics": "Metric definitions",
    "rules": "Rules",
    "organisations": "The organisation register",
    "results": "The JSON results",
    "policy": "The escalation policy",
}


def schema_keys(node) -> set[str]:
    """Every property name anywhere in a schema, however deeply nested."""
    keys = set()
    if isinstance(node, dict):
        keys |= set(node.get("properties", {}))
        for value in node.values():
            keys |= schema_keys(value)
    elif isinstance(node, list):
        for value in node:
            keys |= schema_keys(value)
    return keys


def schema_enums(node) -> set[str]:
    values = set()
    if isinstance(node, dict):
        values |= {v for v in node.get("enum", ()) if isinstance(v, str)}
        for value in node.values():
            values |= schema_enums(value)
    elif isinstance(node, list):
        for value in node:
            values |= schema_enums(value)
    return values


SCHEMA_NAMES = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_key_is_documented_in_formats_md(name):
    assert name in SCHEMA_SECTION, f"schemas/{name}.schema.json is new: give it a section in formats.md and map it here"
    body = section(read("formats.md"), SCHEMA_SECTION[name])
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    missing = sorted(k for k in schema_keys(schema) if not row_starts(body, f"`{k}`"))
    assert not missing, f"formats.md section '{SCHEMA_SECTION[name]}' has no table row for: {', '.join(missing)}"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_enum_value_is_documented_in_formats_md(name):
    body = section(read("formats.md"), SCHEMA_SECTION[name])
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    missing = sorted(v for v in schema_enums(schema) if f"`{v}`" not in body and f'`"{v}"`' not in body)
    assert not missing, f"formats.md section '{SCHEMA_SECTION[name]}' does not mention: {', '.join(missing)}"


def test_every_column_type_is_documented_in_formats_md():
    from assure.model import COLUMN_TYPES

    body = section(read("formats.md"), "Column types", level=3)
    missing = [t for t in COLUMN_TYPES if not row_starts(body, f"`{t}`")]
    assert not missing, f"formats.md 'Column types' has no row for: {', '.join(missing)}"


def test_unit_scales_in_formats_md_are_the_defaults():
    from assure.project import UNIT_SCALE

    body = section(read("formats.md"), "Units and scale", level=3)
    units = json.loads((SCHEMAS / "metrics.schema.json").read_text("utf-8"))
    units = units["additionalProperties"]["properties"]["unit"]["enum"]
    documented = {plain(cells[0]): plain(cells[1]) for cells in table_after(body, "")[1:]}
    for unit in units:
        assert unit in documented, f"unit {unit} has no row in 'Units and scale'"
        assert documented[unit] == f"{int(UNIT_SCALE.get(unit, 1)):,}", \
            f"unit {unit}: default scale is {UNIT_SCALE.get(unit, 1):g}, formats.md says {documented[unit]}"


# -- examples in the docs ----------------------------------------------------------------

def toml_blocks(name: str) -> list[str]:
    return re.findall(r"^```toml\n(.*?)^```", read(name), re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("name", ["formats.md", "first-rule.md", "organisations.md"])
def test_toml_examples_parse_and_cite_real_lines(name):
    for block in toml_blocks(name):
        data = tomllib.loads(block)
        for rid, rule in data.get("rules", {}).items():
            for source in [rule["source"], *rule.get("not_followed", ())] if "source" in rule else []:
                lines = (REPO / "sources" / source["file"]).read_text("utf-8").splitlines()
                assert source["quote"] in lines[source["line"] - 1], \
                    f"{name}: rule {rid} quotes words that are not on {source['file']}:{source['line']}"


def test_first_rule_example_files_pass_their_schemas():
    from jsonschema import Draft202012Validator

    seen = set()
    for block in toml_blocks("first-rule.md"):
        data = tomllib.loads(block)
        for section_name in ("datasets", "metrics", "rules"):
            if section_name in data:
                seen.add(section_name)
                schema = json.loads((SCHEMAS / f"{section_name}.schema.json").read_text("utf-8"))
                errors = [e.message for e in Draft202012Validator(schema).iter_errors(data[section_name])]
                assert not errors, f"first-rule.md [{section_name}] example: {errors}"
    assert seen == {"datasets", "metrics", "rules"}, "first-rule.md should show a dataset, a metric and a rule"


# -- docs/validation.md and docs/organisations.md ---------------------------------------

def test_validation_md_states_the_real_limits():
    from assure.contracts import EXAMPLES_PER_CHECK
    from assure.inputs import READABLE

    text = read("validation.md")
    assert f"{EXAMPLES_PER_CHECK} examples" in text, "validation.md states a different cap on examples per check"
    for extension in READABLE:
        assert f"`{extension}`" in text, f"validation.md does not say that {extension} files are read"


def test_organisations_md_covers_every_type():
    schema = json.loads((SCHEMAS / "organisations.schema.json").read_text("utf-8"))
    types = schema["properties"]["organisation"]["items"]["properties"]["type"]["enum"]
    text = read("organisations.md")
    missing = [t for t in types if f"`{t}`" not in text]
    assert not missing, f"organisations.md does not mention the types: {', '.join(missing)}"


# -- README.md --------------------------------------------------------------------------

def test_every_command_is_in_the_readme():
    from assure.cli import main

    readme = REPO / "README.md"
    assert readme.is_file(), "README.md is missing"
    text = readme.read_text("utf-8")
    missing = [name for name in sorted(main.commands) if f"assure {name}" not in text]
    assert not missing, f"README.md does not mention: {', '.join('assure ' + m for m in missing)}"


if __name__ == "__main__":
    if sys.argv[1:] == ["write-codes"]:
        (DOCS / "codes.md").write_text(render_codes(), encoding="utf-8")
        print("wrote docs/codes.md")
    else:
        sys.exit("usage: python tests/test_docs.py write-codes")
