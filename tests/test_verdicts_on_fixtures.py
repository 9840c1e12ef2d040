"""Verdicts on the shipped fixtures equal values worked out by hand from the files.

The expected numbers are recomputed here with the csv module, independently of the
DuckDB path the engine takes."""

from __future__ import annotations

import csv

import pytest

from assure.results import Verdict
from conftest import SUBMISSIONS, result


def rows(name: str, delimiter=",", encoding="utf-8-sig"):
    with open(SUBMISSIONS / name, newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def ae_share(org: str) -> float:
    """A&E 4-hour share for one provider in 2024-03, with forgiving headers."""
    data = [r for r in rows("2024-03/ae_monthly_2024-03.csv") if r["Org Code"] == org]
    attendances = sum(int(r["Attendances"]) for r in data)
    breaches = sum(int(r["Breaches 4hr"]) for r in data)
    return (attendances - breaches) / attendances * 100


@pytest.mark.parametrize("org, verdict", [("RBN", Verdict.MET), ("RBT", Verdict.AT_RISK), ("REM", Verdict.MISSED)])
def test_ae_provider_verdicts_follow_the_hand_worked_share(run_2024_03, org, verdict):
    r = result(run_2024_03, "ae_4hr_76", org)
    assert r.value == pytest.approx(ae_share(org), abs=1e-6)
    assert r.verdict is verdict


def test_provider_that_did_not_submit_is_no_data(run_2024_03):
    r = result(run_2024_03, "ae_4hr_76", "RJN")
    assert r.verdict is Verdict.NO_DATA and r.value is None


def test_icb_depending_on_a_rejected_row_is_invalid_not_missed(run_2024_03):
    r = result(run_2024_03, "ae_4hr_76", "QYG")
    assert r.verdict is Verdict.INVALID_DATA
    assert "RVY" in r.reason


def test_place_with_a_missing_provider_is_judged_with_a_caveat(run_2024_03):
    cheshire_east = result(run_2024_03, "ae_4hr_76", "E06000049")  # hosts RBT and RJN
    assert cheshire_east.verdict is not Verdict.NO_DATA
    assert any("RJN did not submit" in c for c in cheshire_east.caveats)


def test_icb_rolls_up_numerators_and_denominators_not_percentages(run_2024_03):
    data = rows("2024-03/cancer_fds_monthly_2024-03.csv") if (SUBMISSIONS / "2024-03/cancer_fds_monthly_2024-03.csv").exists() else None
    r = result(run_2024_03, "cancer_fds_75", "QYG")
    providers = [x for x in run_2024_03.results if x.rule == "cancer_fds_75" and x.geography.level == "provider"]
    assert r.numerator == sum(p.numerator for p in providers)
    assert r.denominator == sum(p.denominator for p in providers)
    assert r.value == pytest.approx(r.numerator / r.denominator * 100)
    mean_of_shares = sum(p.value for p in providers) / len(providers)
    assert abs(mean_of_shares - r.value) > 0.1  # the fixture would expose averaging
    assert r.verdict is Verdict.MET and round(r.value, 1) == 75.1
    assert data is None  # FDS is shipped as Parquet in 2024-03


def test_dementia_just_under_the_target_is_missed(run_2024_03):
    data = rows("2024-03/dementia_monthly_2024-03.csv", encoding="cp1252")
    value = sum(int(r["diagnosed"]) for r in data) / sum(int(r["estimated_prevalence"]) for r in data) * 100
    r = result(run_2024_03, "dementia_dx_66_7", "QYG")
    assert r.value == pytest.approx(value)
    assert value < 66.7 and r.verdict is Verdict.MISSED


def test_target_with_a_later_deadline_is_not_due(run_2024_03):
    r = result(run_2024_03, "dm01_95_by_2025", "QYG")
    assert r.verdict is Verdict.NOT_DUE and round(r.value, 1) == 89.5


def test_eliminate_with_a_residual_count_is_missed(run_2024_03):
    assert result(run_2024_03, "rtt_65wk_eliminate", "REM").verdict is Verdict.MISSED
    assert result(run_2024_03, "rtt_65wk_eliminate", "REM").value == 3
    assert result(run_2024_03, "rtt_65wk_eliminate", "RBL").verdict is Verdict.MET


def test_ambulance_mean_in_minutes_meets_local_but_not_national_target(run_2024_03):
    data = rows("2024-03/ambulance_monthly_2024-03.csv")[0]
    minutes = int(data["cat2_total_seconds"]) / 60 / int(data["cat2_incidents"])
    local, national = result(run_2024_03, "amb_cat2_nwas_33", "RX7"), result(run_2024_03, "amb_cat2_national_30", "RX7")
    assert local.value == pytest.approx(minutes)
    assert 30 < minutes <= 33
    assert (local.verdict, national.verdict) == (Verdict.MET, Verdict.AT_RISK)


def test_cumulative_measure_is_judged_against_its_trajectory_before_the_deadline():
    from assure import api
    from conftest import REPO

    run = api.check(str(SUBMISSIONS / "2023-10"), project_dir=str(REPO))
    data = rows("2023-10/ld_health_checks_monthly_2023-10.csv")
    value = sum(int(r["checks_completed_ytd"]) for r in data) / sum(int(r["register_14plus"]) for r in data) * 100
    r = result(run, "ld_health_checks_75", "QYG")
    assert r.target == 43.75 and r.target_kind == "trajectory"
    assert r.verdict is (Verdict.MET if value >= 43.75 else Verdict.OFF_TRAJECTORY)


def test_quarterly_dataset_is_judged_only_at_quarter_end():
    from assure import api
    from conftest import REPO

    run = api.check(str(SUBMISSIONS / "2024-02"), project_dir=str(REPO))
    assert not [r for r in run.results if r.rule == "hypertension_77"]
    assert not [f for f in run.unmatched if "hypertension" in f.message]


def test_escalation_reasons_are_attached_to_results(run_2024_03):
    dementia = result(run_2024_03, "dementia_dx_66_7", "QYG")
    assert dementia.escalation.level == "escalate"
    assert "deadline_passed_missed" in [code for code, _ in dementia.escalation.reasons]
    ae = result(run_2024_03, "ae_4hr_76", "QYG")
    assert (ae.escalation.level, [c for c, _ in ae.escalation.reasons]) == ("watch", ["data_issue_consecutive"])
    assert ae.verdicts[-2:] == (("2024-02", Verdict.INVALID_DATA), ("2024-03", Verdict.INVALID_DATA))


def test_fail_on_escalation_exits_1_when_results_escalate():
    from conftest import REPO, cli

    code, _, _ = cli("check", SUBMISSIONS, "--period", "2023-12", "--project", REPO, "--fail-on", "escalation")
    assert code == 1


def test_every_rule_gives_a_real_verdict_on_the_fixtures(run_2024_03):
    """The fixtures exercise every rule: none is left with only no_data (or no result)."""
    from assure import project as project_mod
    from conftest import REPO

    rules = project_mod.load(str(REPO)).rules
    judged = {r.rule for r in run_2024_03.results if r.verdict is not Verdict.NO_DATA}
    assert sorted(set(rules) - judged) == []


def test_an_organisation_with_nothing_for_a_metric_is_not_a_contributor(run_2024_03):
    """The long returns (programme tracker, outcome indicators) have rows from many
    organisations, each for its own measures: one that sent nothing a metric counts must
    not appear as an empty part of its Place or the ICB."""
    empty = [(r.rule, r.geography.code, org) for r in run_2024_03.results
             for org, numerator, denominator in r.contributions if numerator is None and denominator is None]
    assert empty == []
    icb = next(r for r in run_2024_03.results if r.rule == "cancer_vcfse_all_places" and r.geography.code == "QYG")
    assert [org for org, _, _ in icb.contributions] == ["QYG"]
