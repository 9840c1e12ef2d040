"""A direction rule whose baseline states a period but no value is judged, for each
geography, against that geography's own value in the baseline period: taken from the
folders being checked, or from the history when the check is given only later months."""

from __future__ import annotations

import pytest

from assure import api
from assure.results import Verdict
from conftest import SUBMISSIONS, result

RULE = """
[rules.ae_4hr_improves]
title = "A&E four-hour performance improves on April 2023"
kind = "direction"
metric = "ae_4hr"
direction = "increase"
baseline = { period = "2023-04", note = "each geography's own April 2023 value" }
start = "2023-04"
scope = ["icb", "provider"]
owner = "Urgent and Emergency Care programme"
tags = ["uec", "nqb:responsive"]
register = ["SUM-APX1-001"]
source = { file = "000_0a303dff798ab43a.txt", line = 672, quote = "with further improvement in 2024/25" }
"""


@pytest.fixture
def measured_project(project):
    (project / "rules" / "measured_baseline.toml").write_text(RULE, "utf-8")
    return project


def test_each_geography_is_judged_against_its_own_april_value(measured_project):
    run = api.check(str(SUBMISSIONS), project_dir=str(measured_project), period="2024-03")
    judged = [r for r in run.results if r.rule == "ae_4hr_improves"]
    assert {r.verdict for r in judged} >= {Verdict.MET, Verdict.MISSED}
    for r in judged:
        reference = result(run, "ae_4hr_76", r.geography.code)  # the same metric, same geography
        april = dict(reference.series).get("2023-04")
        if reference.verdict is Verdict.INVALID_DATA:  # a planted fault: no number to act on
            assert r.verdict is Verdict.INVALID_DATA
            continue
        if april is None or r.value is None:
            assert r.verdict in (Verdict.NO_DATA, Verdict.INVALID_DATA), r.geography.code
            continue
        assert r.target == pytest.approx(april)
        assert r.verdict is (Verdict.MET if r.value > april else Verdict.MISSED), (r.geography.code, r.reason)
        assert "as measured" in r.reason


def test_a_month_checked_alone_takes_its_baseline_from_the_history(measured_project, tmp_path):
    from assure.history import record

    store = str(tmp_path / "h.duckdb")
    record(store, api.check(str(SUBMISSIONS / "2023-04"), project_dir=str(measured_project)))
    whole_year = api.check(str(SUBMISSIONS), project_dir=str(measured_project), period="2024-03")
    alone = api.check(str(SUBMISSIONS / "2024-03"), project_dir=str(measured_project), history=store)
    for r in (r for r in whole_year.results if r.rule == "ae_4hr_improves"):
        again = result(alone, "ae_4hr_improves", r.geography.code)
        assert (again.verdict, again.target) == (r.verdict, r.target), r.geography.code


def test_without_the_baseline_month_the_verdict_is_no_data(measured_project):
    alone = api.check(str(SUBMISSIONS / "2024-03"), project_dir=str(measured_project))
    rbt = result(alone, "ae_4hr_improves", "RBT")
    assert rbt.verdict is Verdict.NO_DATA and "no baseline" in rbt.reason
