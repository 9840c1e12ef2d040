"""`assure init` makes a project that checks clean and runs in a fresh directory."""

from __future__ import annotations

import json

from assure import project as project_mod
from conftest import REPO, cli


def test_new_project_checks_clean_on_its_example_period(tmp_path):
    target = tmp_path / "my-icb"
    code, out, _ = cli("init", target, "--icb", "QXX", "--name", "NHS Example ICB")
    assert code == 0
    for name in ("assure.toml", "README.md", ".pre-commit-config.yaml", ".github/workflows/assure.yml",
                 "narratives/TEMPLATE.toml", "reference/organisations.toml", "submissions/2024-03"):
        assert (target / name).exists(), name
    code, out, _ = cli("check", target / "submissions/2024-03", "--project", target, "--format", "json",
                       "--fail-on", "missed")
    doc = json.loads(out)
    assert code == 0 and doc["summary"]["invalid_submissions"] == 0
    assert {r["verdict"] for r in doc["results"]} == {"met"}
    code, _, _ = cli("coverage", "--project", target)
    assert code == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    code, _, err = cli("init", tmp_path / "x")
    assert code == 4 and "not empty" in err
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_cheshire_and_merseyside_loads_through_the_same_path_as_an_init_project(tmp_path):
    cli("init", tmp_path / "p", "--icb", "QXX")
    ours, theirs = project_mod.load(str(REPO)), project_mod.load(str(tmp_path / "p"))
    assert type(ours) is type(theirs) and ours.icb == "QYG" and theirs.icb == "QXX"


def test_rule_template_loads_once_its_blanks_are_filled(tmp_path):
    root = tmp_path / "p"
    cli("init", root, "--icb", "QXX")
    code, out, _ = cli("init", "--rule", "ae_4hr_80", "--metric", "ae_4hr", "--project", root)
    assert code == 0
    path = root / "rules" / "ae_4hr_80.toml"
    code, _, err = cli("check", root / "submissions/2024-03", "--project", root)
    assert code == 3 and "ae_4hr_80.toml" in err  # TODOs are not valid values
    filled = (path.read_text().replace('title = "TODO"', 'title = "A&E 80%"').replace('start = "TODO"', 'start = "2023-04"')
              .replace('deadline = "TODO"', 'deadline = "2025-03"').replace("target = 0.0", "target = 80.0")
              .replace('register = ["TODO"]', 'register = ["PLAN-001"]')
              .replace('source = { file = "TODO", line = 1, quote = "TODO" }',
                       'source = { file = "plan.txt", line = 3, quote = "no less than 76%" }'))
    path.write_text(filled)
    assert "ae_4hr_80" in project_mod.load(str(root)).rules


def test_rule_template_needs_a_known_metric(tmp_path):
    cli("init", tmp_path / "p", "--icb", "QXX")
    code, _, err = cli("init", "--rule", "x", "--metric", "ae_4hour", "--project", tmp_path / "p")
    assert code == 4 and "did you mean `ae_4hr`?" in err
