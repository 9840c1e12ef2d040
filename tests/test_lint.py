"""`assure lint`: every code has a failing and a passing case (tests/lint_cases/), each
checked at its exact path, line and column; selection, settings and suppressions;
the renderers; the shipped project lints clean; and whatever lint passes also loads."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assure import lint as lint_mod
from assure import project as project_mod
from assure.diagnostics import CATALOGUE
from assure.errors import ExitCode, ProjectError, UsageError
from assure.lint import LINT_CODES, lint, render

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "lint_cases"
PJ_CASES = ("PJ01", "PJ02", "PJ03", "PJ04", "PJ07")
# What a rules project is made of: copied, so a test may change it; the plan documents
# and the register are read-only and large, so they are linked.
COPIED = ("assure.toml", "rules", "metric_defs", "reference", "policy")
LINKED = ("sources", "register")

# Findings in the shipped rules that the rules' authors must still resolve. Each must still
# be reported, so this set shrinks to nothing rather than going stale.
SHIPPED_PENDING: set = set()


def copy_project(target: Path) -> Path:
    """A copy of the shipped project that a test may change."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, target / name)
        elif item.is_file():
            shutil.copy(item, target / name)
    for name in LINKED:
        (target / name).symlink_to(REPO / name, target_is_directory=True)
    return target


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


def found(report, paths=None) -> list[str]:
    """Each diagnostic as `path:line:col CODE`, the way cases write their expectations."""
    return [f"{d.location.path}:{d.location.line}:{d.location.col} {d.code}" for d in report.diagnostics
            if paths is None or d.location.path in paths]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- the cases -------------------------------------------------------------------------------

_SECTION = re.compile(r"^# --- (bad|good) (\S+)\s*$")
_EXPECT = re.compile(r"^# expect: (.+?)\s*$")


def read_case(path: Path) -> dict:
    """{"bad": {file: text}, "good": {...}} plus the expectations of each."""
    case: dict = {"bad": {}, "good": {}, "expect_bad": [], "expect_good": []}
    current = None
    for line in path.read_text("utf-8").splitlines():
        header = _SECTION.match(line)
        if header:
            current = (header.group(1), header.group(2))
            case[current[0]].setdefault(current[1], "")
            continue
        if current is None:
            continue
        kind, rel = current
        case[kind][rel] += line + "\n"
        expect = _EXPECT.match(line)
        if expect and expect.group(1) != "nothing":
            case[f"expect_{kind}"].append(expect.group(1))
    return case


CASE_FILES = sorted(CASES.glob("*.toml"))


@pytest.mark.parametrize("kind", ["bad", "good"])
@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(case_file, kind, tmp_path):
    case = read_case(case_file)
    root = copy_project(tmp_path / "project")
    for rel, text in case[kind].items():
        write(root, rel, text)
    report = lint(str(root))
    assert sorted(found(report, set(case[kind]))) == sorted(case[f"expect_{kind}"]), render(report)


def test_every_code_has_a_failing_and_a_passing_case():
    codes = [c.code for c in LINT_CODES] + list(PJ_CASES)
    for code in codes:
        path = CASES / f"{code}.toml"
        assert path.is_file(), f"tests/lint_cases/{code}.toml is missing"
        case = read_case(path)
        assert case["bad"] and case["good"], f"{code}: needs a bad and a good section"
        assert any(e.endswith(f" {code}") for e in case["expect_bad"]), f"{code}: the bad case does not expect {code}"
        assert not any(e.endswith(f" {code}") for e in case["expect_good"]), f"{code}: the good case expects it"


# -- the shipped project ---------------------------------------------------------------------------

def test_shipped_project_lints_clean():
    report = lint(str(REPO))
    remaining = {(d.location.path, d.code, _rule_named(d.message)) for d in report.diagnostics}
    assert remaining - SHIPPED_PENDING == set(), render(report)
    assert SHIPPED_PENDING - remaining == set(), "fixed: remove it from SHIPPED_PENDING"
    assert not report.unreadable and report.files_checked >= 6


def _rule_named(message: str) -> str:
    match = re.search(r"rule `([^`]+)`", message)
    return match.group(1) if match else ""


def test_not_followed_quotes_are_checked_at_their_own_column(project):
    text = TWO_PROBLEMS.replace('comparator = ">="', 'comparator = "<="').replace("0.92", "92.0") \
        .replace('line = 2424, quote = "Reduce adult', 'line = 2424, quote = "Increase adult')
    text = text.replace("not_followed = [{", 'not_followed = [{ file = "000_0a303dff798ab43a.txt", line = 674, '
                        'quote = "Reduce adult general and acute (G&A) bed occupancy to 92% or below" }, {')
    write(project, "rules/zz_case.toml", text)
    line = text.splitlines()[12]
    second_quote = line.rindex("quote = ") + len("quote = ") + 1
    assert found(lint(str(project)), CASE) == [f"rules/zz_case.toml:13:{second_quote} TR01"]


def test_a_project_whose_assure_toml_does_not_parse_is_unreadable(project):
    (project / "assure.toml").write_text("[project\n")
    report = lint(str(project))
    assert [d.code for d in report.diagnostics] == ["PJ01"] and report.exit_code == 3
    assert report.files_checked == 0


# -- selection and settings ---------------------------------------------------------------------------

TWO_PROBLEMS = """\
[rules.case_beds]
title = "Adult general and acute bed occupancy 92% or below"
metric = "ga_bed_occupancy_adult"
comparator = ">="
target = 0.92
start = "2023-04"
deadline = "2024-03"
scope = ["icb"]
owner = "Urgent and Emergency Care programme"
tags = ["uec"]
register = ["JFP-4.15-024"]
source = { file = "000_0a303dff798ab43a.txt", line = 674, quote = "Reduce adult general and acute (G&A) bed occupancy to 92% or below" }
not_followed = [{ file = "001_3d2bb76ba4ed8ba7.txt", line = 2424, quote = "Reduce adult general and acute bed occupancy to 94.3%." }]
"""
CASE = {"rules/zz_case.toml"}


def test_two_problems_are_reported(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    assert found(lint(str(project)), CASE) == ["rules/zz_case.toml:4:14 UN02", "rules/zz_case.toml:5:10 UN01"]


@pytest.mark.parametrize("select, ignore, expected", [
    (["UN01"], [], ["UN01"]),
    (["UN"], [], ["UN02", "UN01"]),
    (["ALL"], ["UN0"], []),
    ([], ["UN02"], ["UN01"]),
    (["UN02"], ["UN"], ["UN02"]),   # the longer prefix wins
    (["UN"], ["UN"], []),           # at equal length, ignore wins
    (["un01,dt"], [], ["UN01"]),    # comma-separated, any case
])
def test_select_and_ignore_take_codes_and_prefixes(project, select, ignore, expected):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    report = lint(str(project), select=select, ignore=ignore)
    assert [d.code for d in report.diagnostics if d.location.path in CASE] == expected


def test_a_bad_code_is_a_usage_error(project):
    with pytest.raises(UsageError):
        lint(str(project), select=["UN1234"])


def test_pyproject_settings(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    write(project, "pyproject.toml", '[tool.assure.lint]\nignore = ["UN01"]\n')
    assert [d.code for d in lint(str(project)).diagnostics if d.location.path in CASE] == ["UN02"]
    # the command line's --select replaces the configured select; --ignore adds to it
    assert [d.code for d in lint(str(project), select=["UN01"]).diagnostics] == []
    assert [d.code for d in lint(str(project), ignore=["UN02"]).diagnostics if d.location.path in CASE] == []


def test_per_file_ignores(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    write(project, "pyproject.toml", '[tool.assure.lint.per-file-ignores]\n"rules/zz_*.toml" = ["UN02"]\n')
    assert [d.code for d in lint(str(project)).diagnostics if d.location.path in CASE] == ["UN01"]


def test_config_argument_replaces_pyproject(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    write(project, "pyproject.toml", '[tool.assure.lint]\nignore = ["UN"]\n')
    report = lint(str(project), config={"select": ["UN02"]})
    assert [d.code for d in report.diagnostics if d.location.path in CASE] == ["UN02"]


def test_unknown_setting_is_a_usage_error(project):
    write(project, "pyproject.toml", '[tool.assure.lint]\nselcet = ["UN"]\n')
    with pytest.raises(UsageError, match="selcet"):
        lint(str(project))


def test_project_tag_vocabulary(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS.replace(">=", "<=").replace("0.92", "92.0"))
    assert found(lint(str(project)), CASE) == []
    report = lint(str(project), config={"tags": ["cancer", "community", "dementia", "cvd", "elective", "diagnostics",
                                                 "prevention", "inequalities", "core20plus5"]})
    assert found(report, CASE) == ["rules/zz_case.toml:10:9 RF01"]


def test_loader_codes_cannot_be_ignored(project):
    path = project / "rules" / "planned_care.toml"
    path.write_text(path.read_text().replace('metric = "cancer_fds"', 'metric = "cancer_fsd"'))
    report = lint(str(project), select=["UN01"], ignore=["PJ"])
    assert [d.code for d in report.diagnostics] == ["PJ03"]


# -- inline suppression -----------------------------------------------------------------------------------

def test_suppression_with_a_reason_silences_one_code_on_one_line(project):
    text = TWO_PROBLEMS.replace('comparator = ">="', 'comparator = ">="  # assure: ignore[UN02] a floor, on purpose')
    write(project, "rules/zz_case.toml", text)
    assert found(lint(str(project)), CASE) == ["rules/zz_case.toml:5:10 UN01"]


def test_suppression_without_a_reason_silences_nothing(project):
    text = TWO_PROBLEMS.replace('comparator = ">="', 'comparator = ">="  # assure: ignore[UN02]')
    write(project, "rules/zz_case.toml", text)
    assert found(lint(str(project)), CASE) == ["rules/zz_case.toml:4:14 UN02", "rules/zz_case.toml:4:20 TR05",
                                               "rules/zz_case.toml:5:10 UN01"]


def test_suppression_of_another_line_or_code_does_not_apply(project):
    text = TWO_PROBLEMS.replace('comparator = ">="', 'comparator = ">="  # assure: ignore[UN01] wrong line')
    write(project, "rules/zz_case.toml", text)
    assert found(lint(str(project)), CASE) == ["rules/zz_case.toml:4:14 UN02", "rules/zz_case.toml:4:20 TR06",
                                               "rules/zz_case.toml:5:10 UN01"]


def test_suppression_by_prefix_and_of_several_codes(project):
    text = TWO_PROBLEMS.replace('comparator = ">="', 'comparator = ">="  # assure: ignore[UN] a floor') \
        .replace("target = 0.92", "target = 0.92  # assure: ignore[UN01, DT04] legacy file, converted later")
    write(project, "rules/zz_case.toml", text)
    assert found(lint(str(project)), CASE) == ["rules/zz_case.toml:5:16 TR06"]  # DT04: nothing to silence


def test_a_hash_inside_a_string_is_not_a_comment(project):
    text = TWO_PROBLEMS.replace('title = "Adult', 'title = "# assure: ignore[UN02] not a comment. Adult')
    write(project, "rules/zz_case.toml", text)
    assert [d.code for d in lint(str(project)).diagnostics if d.location.path in CASE] == ["UN02", "UN01"]


def test_loader_codes_cannot_be_suppressed(project):
    path = project / "rules" / "planned_care.toml"
    text = path.read_text().replace('metric = "cancer_fds"', 'metric = "cancer_fsd"  # assure: ignore[PJ03] no')
    path.write_text(text)
    report = lint(str(project))
    assert [d.code for d in report.diagnostics if d.location.path == "rules/planned_care.toml"] == ["PJ03", "TR06"]


# -- paths, exit codes and unreadable files ------------------------------------------------------------------

def test_paths_narrow_the_report(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    assert found(lint(str(project), paths=[str(project / "rules" / "urgent_care.toml")]), CASE) == []
    narrowed = lint(str(project), paths=[str(project / "rules" / "zz_case.toml")])
    assert [d.location.path for d in narrowed.diagnostics] == ["rules/zz_case.toml"] * 2
    assert narrowed.files_checked == 1
    assert lint(str(project), paths=[str(project / "rules")]).files_checked == len(list((project / "rules").glob("*.toml")))


def test_the_project_is_found_from_the_paths(project, monkeypatch, tmp_path):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    monkeypatch.chdir(tmp_path)
    report = lint(paths=[str(project / "rules" / "zz_case.toml")])
    assert [d.code for d in report.diagnostics] == ["UN02", "UN01"]


def test_exit_codes(project):
    assert lint(str(REPO), select=["UN"]).exit_code == ExitCode.OK == 0
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    assert lint(str(project)).exit_code == ExitCode.FINDINGS == 1
    write(project, "rules/zz_case.toml", "target = 76%\n")
    report = lint(str(project))
    assert report.unreadable and report.exit_code == ExitCode.INVALID_RULES == 3
    assert found(report, CASE) == ["rules/zz_case.toml:1:12 PJ01"]


def test_a_missing_path_is_unreadable(project):
    report = lint(str(project), paths=[str(project / "rules" / "nope.toml")])
    assert report.exit_code == 3 and [d.code for d in report.diagnostics] == ["PJ06"]


def test_a_path_outside_the_project_is_a_usage_error(project, tmp_path):
    with pytest.raises(UsageError):
        lint(str(project), paths=[str(tmp_path)])


def test_sql_findings_are_cached_until_the_metric_definitions_change(project, monkeypatch):
    from assure.lint_rules import sql

    bad = 'numerator = "sum(attendences)"'
    metric = f'[metrics.case_ae]\ntitle = "x"\ndataset = "ae_monthly"\n{bad}\ndenominator = "sum(attendances)"\n' \
             'unit = "percent"\npolarity = "higher_is_better"\n'
    write(project, "metric_defs/zz_case.toml", metric)
    first = found(lint(str(project)), {"metric_defs/zz_case.toml"})
    assert first == ["metric_defs/zz_case.toml:4:18 SQ01"] and (project / ".assure" / "lint-cache.json").is_file()

    def no_duckdb(*args, **kwargs):
        raise AssertionError("DuckDB was started although nothing it checks had changed")

    monkeypatch.setattr(sql.db, "connect", no_duckdb)
    assert found(lint(str(project)), {"metric_defs/zz_case.toml"}) == first
    monkeypatch.undo()
    write(project, "metric_defs/zz_case.toml", metric.replace("attendences", "attendances"))
    assert found(lint(str(project)), {"metric_defs/zz_case.toml"}) == []


def test_a_broken_cache_is_ignored(project):
    (project / ".assure").mkdir()
    (project / ".assure" / "lint-cache.json").write_text("{not json")
    assert lint(str(project), select=["SQ"]).diagnostics == ()


# -- renderers -------------------------------------------------------------------------------------------

def test_text_output(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    text = render(lint(str(project), paths=[str(project / "rules" / "zz_case.toml")]), "text")
    assert text.splitlines() == [
        "rules/zz_case.toml:4:14: UN02 comparator `>=` asks for a high value, but `ga_bed_occupancy_adult` is "
        "lower_is_better",
        "  help: use `<=`; if the rule is meant this way, add `# assure: ignore[UN02] <why>` to this line",
        "rules/zz_case.toml:5:10: UN01 target 0.92 looks like a fraction but the metric's unit is percent",
        "  help: write it as a percentage: target = 92",
        "Found 2 errors and 0 warnings in 1 file.",
    ]
    assert render(lint(str(REPO), select=["UN"]), "text").startswith("All checks passed (")


def test_json_output(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS)
    records = json.loads(render(lint(str(project), paths=[str(project / "rules" / "zz_case.toml")]), "json"))
    assert [(r["path"], r["line"], r["col"], r["code"], r["name"], r["severity"]) for r in records] == [
        ("rules/zz_case.toml", 4, 14, "UN02", "comparator-contradicts-polarity", "error"),
        ("rules/zz_case.toml", 5, 10, "UN01", "percent-as-fraction", "error"),
    ]
    assert set(records[0]) == {"path", "line", "col", "code", "name", "severity", "message", "hint"}
    assert render(lint(str(REPO), select=["UN"]), "json") == "[]\n"


def test_github_output(project):
    write(project, "rules/zz_case.toml", TWO_PROBLEMS.replace("0.92", "0.92  # assure: ignore[UN01]"))
    lines = render(lint(str(project), paths=[str(project / "rules" / "zz_case.toml")]), "github").splitlines()
    assert lines[0].startswith("::error file=rules/zz_case.toml,line=4,col=14,title=UN02::comparator `>=` asks")
    assert "%0A%0Ahelp: use `<=`" in lines[0]
    assert any(line.startswith("::error file=rules/zz_case.toml,line=5,col=16,title=TR05::") for line in lines)


def test_unknown_format():
    with pytest.raises(ValueError):
        render(lint(str(REPO), select=["UN"]), "xml")


# -- the code catalogue and its documentation --------------------------------------------------------------------

def test_codes_are_well_formed_unique_and_documented():
    docs = (REPO / "docs" / "lint.md").read_text("utf-8")
    seen = set(CATALOGUE)
    for code in LINT_CODES:
        assert re.fullmatch(r"[A-Z]{2}\d{2}", code.code) and re.fullmatch(r"[a-z]+(-[a-z]+)*", code.name)
        assert code.code not in seen or CATALOGUE[code.code] is code, f"{code.code} is used twice"
        seen.add(code.code)
        assert all([code.title, code.what, code.why, code.example, code.instead]), code.code
        assert code.severity in ("error", "warning")
        body = _doc_section(docs, code.code)
        assert code.name in body, f"docs/lint.md: {code.code} does not give its name"
        assert "Bad" in body and "Good" in body and body.count("```toml") >= 2, f"docs/lint.md: {code.code} examples"


def _doc_section(docs: str, code: str) -> str:
    match = re.search(rf"^### {code}\b(.*?)(?=^### |^## |\Z)", docs, re.MULTILINE | re.DOTALL)
    assert match, f"docs/lint.md has no section for {code}"
    return match.group(1)


def test_explain_finds_lint_codes():
    from assure.explain import find_code

    assert find_code("un02").name == "comparator-contradicts-polarity"


def test_pre_commit_hook_is_declared():
    text = (REPO / ".pre-commit-hooks.yaml").read_text("utf-8")
    assert "id: assure-lint" in text and "entry: assure lint" in text and "language: python" in text
    assert r"files: ^(rules|metric_defs)/.*\.toml$" in text and "pass_filenames: true" in text


# -- the property: whatever lint passes, `assure check` can load -------------------------------------------------

SOURCES = [
    ("000_0a303dff798ab43a.txt", 689, "Meet the cancer faster diagnosis standard by March 2024 so that 75% of patients"),
    ("000_0a303dff798ab43a.txt", 674, "Reduce adult general and acute (G&A) bed occupancy to 92% or below"),
    ("000_0a303dff798ab43a.txt", 686, "Eliminate waits of over 65 weeks for elective care"),
    ("000_0a303dff798ab43a.txt", 700, "no such words"),
    ("missing.txt", 1, "anything"),
]


def _source(i: int) -> dict:
    return {"file": SOURCES[i][0], "line": SOURCES[i][1], "quote": SOURCES[i][2]}


# Rules that lint clean, and edits that may or may not break them: most generated files
# then mix valid and invalid rules, so both sides of the property are exercised.
BASES = [
    {"title": "Cancer FDS 75% by March 2024", "metric": "cancer_fds", "comparator": ">=", "target": 75.0,
     "start": "2023-04", "deadline": "2024-03", "scope": ["icb", "place"], "owner": "Cancer Alliance",
     "tags": ["cancer"], "register": ["SUM-APX1-015"], "source": _source(0)},
    {"title": "Adult G&A bed occupancy 92% or below", "metric": "ga_bed_occupancy_adult", "comparator": "<=",
     "target": 92.0, "scope": ["icb"], "owner": "UEC programme", "tags": ["uec", "nqb:safe"],
     "register": ["SUM-APX1-015"], "source": _source(1)},
    {"title": "No waits over 65 weeks", "metric": "rtt_65wk_waits", "comparator": "eliminate",
     "scope": ["provider"], "owner": "Elective programme", "register": ["SUM-APX1-012"], "source": _source(2)},
]
DELETE = object()
_periods = st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2022, 2026), st.integers(1, 12))
_edits = st.one_of(
    st.tuples(st.just("target"), st.one_of(st.floats(-5, 200, allow_nan=False).map(lambda x: round(x, 2)),
                                            st.lists(st.integers(0, 100), min_size=2, max_size=2),
                                            st.just("76"), st.just(DELETE))),
    st.tuples(st.just("comparator"), st.sampled_from([">=", "<=", ">", "<", "between", "eliminate", "=>"])),
    st.tuples(st.just("warn"), st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1))),
    st.tuples(st.just("start"), st.one_of(_periods, st.just("April 2023"))),
    st.tuples(st.just("deadline"), st.one_of(_periods, st.just(DELETE))),
    st.tuples(st.just("trajectory"), st.dictionaries(_periods, st.integers(0, 100), max_size=3)),
    st.tuples(st.just("scope"), st.sampled_from([["icb"], ["place"], ["icb", "provider"], [], ["trust"]])),
    st.tuples(st.just("orgs"), st.sampled_from([["RX7"], ["RBT"], ["XXX"], ["E08000012"]])),
    st.tuples(st.just("metric"), st.sampled_from(["cancer_fds", "ga_bed_occupancy_adult", "amb_cat2_mean",
                                                   "cancer_fsd"])),
    st.tuples(st.just("owner"), st.sampled_from(["", DELETE, "Someone"])),
    st.tuples(st.just("tags"), st.sampled_from([["cancer"], ["nqb:safe"], ["nqb:sfe"], ["place:wirral"]])),
    st.tuples(st.just("register"), st.sampled_from([["SUM-APX1-015"], ["NOPE-1"], []])),
    st.tuples(st.just("source"), st.integers(0, len(SOURCES) - 1).map(_source)),
    st.tuples(st.just("title"), st.sampled_from(["A commitment", "Occupancy across 2023/24", "by March 2025"])),
    st.tuples(st.sampled_from(["comparater", "note"]), st.just(">=")),
)


def _edited(base: dict, edits) -> dict:
    rule = dict(base)
    for key, value in edits:
        if value is DELETE:
            rule.pop(key, None)
        else:
            rule[key] = value
    return rule


_rules = st.builds(_edited, st.sampled_from(BASES), st.lists(_edits, max_size=3))


def _toml(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"


def rule_file(rules: list[dict]) -> str:
    out = []
    for i, rule in enumerate(rules):
        out.append(f"[rules.generated_{i}]")
        out += [f"{key} = {_toml(value)}" for key, value in rule.items()]
        out.append("")
    return "\n".join(out)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("property") / "project")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=st.lists(_rules, min_size=1, max_size=2))
def test_whatever_lint_passes_also_loads(scratch, rules):
    write(scratch, "rules/zz_generated.toml", rule_file(rules))
    report = lint(str(scratch))
    own = [d for d in report.diagnostics if d.location.path == "rules/zz_generated.toml"]
    if own or report.unreadable:
        return
    try:
        project_mod.load(str(scratch))
    except ProjectError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail("lint passed but load failed:\n" + "\n".join(str(d) for d in exc.diagnostics))


def test_a_generated_rule_that_passes_lint_exists(scratch):
    """The property above is not vacuous: the rules its strategy starts from pass lint."""
    write(scratch, "rules/zz_generated.toml", rule_file(BASES))
    assert found(lint(str(scratch)), {"rules/zz_generated.toml"}) == []
    project_mod.load(str(scratch))


def test_lint_module_imports_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, assure.lint; print(sorted(m for m in ('duckdb', 'jsonschema', 'pandera') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_api():
    assert lint_mod.FORMATS == ("text", "json", "github")
    assert lint_mod.split_codes(["un01, DT", "cf"]) == ("UN01", "DT", "CF")
