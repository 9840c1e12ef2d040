"""A broken rules project is reported completely, each problem at its file, line and
column, with the documented exit code 3, and never as a traceback."""

from __future__ import annotations

import pytest

from assure import project as project_mod
from assure.errors import ProjectError
from conftest import cli


def diagnostics(root):
    with pytest.raises(ProjectError) as caught:
        project_mod.load(str(root))
    return [(d.location.path, d.location.line, d.code) for d in caught.value.diagnostics], caught.value.diagnostics


def test_shipped_project_loads_cleanly():
    from conftest import REPO

    loaded = project_mod.load(str(REPO))
    assert {"ae_4hr_76", "cancer_fds_75", "hypertension_77"} <= set(loaded.rules)


def test_malformed_toml_is_located(project):
    path = project / "rules" / "urgent_care.toml"
    lines = path.read_text().splitlines()
    lines[8] = "target = 76%"
    path.write_text("\n".join(lines) + "\n")
    found, _ = diagnostics(project)
    assert found == [("rules/urgent_care.toml", 9, "PJ01")]


def test_unknown_key_is_located_with_a_suggestion(project):
    path = project / "rules" / "urgent_care.toml"
    path.write_text(path.read_text().replace('comparator = ">="\ntarget = 76.0', 'comparater = ">="\ntarget = 76.0', 1))
    found, diags = diagnostics(project)
    line = path.read_text().splitlines().index('comparater = ">="') + 1
    assert ("rules/urgent_care.toml", line, "PJ02") in found
    unknown = next(d for d in diags if "comparater" in d.message)
    assert unknown.location.col == 1 and "comparator" in unknown.hint


def test_typo_in_metric_name_is_a_dangling_reference(project):
    path = project / "rules" / "planned_care.toml"
    path.write_text(path.read_text().replace('metric = "cancer_fds"', 'metric = "cancer_fsd"'))
    found, diags = diagnostics(project)
    line = path.read_text().splitlines().index('metric = "cancer_fsd"') + 1
    assert found == [("rules/planned_care.toml", line, "PJ03")]
    assert diags[0].hint == "did you mean `cancer_fds`?"


def test_duplicate_rule_id_across_files(project):
    source = (project / "rules" / "planned_care.toml").read_text()
    block = source[source.index("[rules.cancer_fds_75]"):source.index("[rules.rtt_65wk_eliminate]")]
    (project / "rules" / "zz_copy.toml").write_text(block)
    found, _ = diagnostics(project)
    assert found == [("rules/zz_copy.toml", 1, "PJ04")]


def test_warn_band_on_the_wrong_side_of_the_target(project):
    path = project / "rules" / "urgent_care.toml"
    path.write_text(path.read_text().replace("warn = 74.0", "warn = 80.0", 1))
    found, _ = diagnostics(project)
    assert [code for _, _, code in found] == ["PJ07"]


def test_wrong_type_and_missing_field(project):
    path = project / "metric_defs" / "planned_care.toml"
    text = path.read_text().replace('unit = "count"\n', 'unit = 7\n', 1).replace('title = "Cancer Faster Diagnosis Standard"\n', "", 1)
    path.write_text(text)
    found, diags = diagnostics(project)
    assert {code for _, _, code in found} == {"PJ02"}
    assert any("unit" in d.message for d in diags) and any("title" in d.message for d in diags)


def test_cli_reports_project_errors_with_exit_code_3(project):
    path = project / "rules" / "urgent_care.toml"
    path.write_text(path.read_text().replace('metric = "ae_4hr"', 'metric = "ae_4hour"'))
    code, out, err = cli("check", "fixtures/submissions/2024-03", "--project", project)
    assert code == 3
    assert "rules/urgent_care.toml:" in err and "PJ03 unknown metric `ae_4hour`" in err
    assert "Traceback" not in err


def test_missing_project_is_a_usage_error(tmp_path):
    code, _, err = cli("check", tmp_path, "--project", tmp_path)
    assert code == 4 and "has no assure.toml" in err
