"""Plan batch C (rules/plan_batch_c.toml): each rule's 2024-03 value, worked out here by
hand from the fixture files with the csv module, independently of DuckDB, equals the
engine's, and the verdict is the one expected.

Also: fixtures/generate_batch_c.py is deterministic and writes only its own files, and
the batch's rules and metric definitions lint clean."""

from __future__ import annotations


import pytest

from assure.results import Verdict
from conftest import SUBMISSIONS, result
import batch_checks
from batch_checks import rows, total, share, host_place

ICB = "QYG"
PERIOD = "2024-03"
RULES = ["cancer_early_stage_75_by_2028", "day_case_rate_85", "theatre_utilisation_80",
         "thrombectomy_4_5", "smi_health_checks_60", "smoking_prevalence_5_by_2030",
         "community_52wk_eliminate", "fit_lgi_referrals_80"]
DATASETS = ("cancer_staging_quarterly", "elective_efficiency_monthly", "stroke_thrombectomy_monthly",
            "smi_health_checks_monthly", "smoking_prevalence_annual", "community_waits_monthly",
            "fit_lgi_referrals_monthly")


# -- by hand -------------------------------------------------------------------------------


def threshold(value: float, target: float, warn: float | None = None) -> Verdict:
    """`>=` with an optional warn band below the target."""
    if value >= target:
        return Verdict.MET
    if warn is not None and value >= warn:
        return Verdict.AT_RISK
    return Verdict.MISSED


def check(run, rule: str, code: str, value: float, verdict: Verdict):
    r = result(run, rule, code)
    assert r.value == pytest.approx(value, rel=1e-9, abs=1e-6), (rule, code)
    assert r.verdict is verdict, (rule, code, r.reason)
    return r


def per_org(run, rule, data, num, den, target, warn):
    verdicts = set()
    for row in data:
        org = row["orgcode"]
        value = share(data, num, den, {org})
        verdicts.add(check(run, rule, org, value, threshold(value, target, warn)).verdict)
    return verdicts


# -- early diagnosis (deadline 2028) ----------------------------------------------------------

def test_cancer_early_stage_is_measured_but_not_due_before_2028(run_2024_03):
    data = rows("cancer_staging_quarterly")
    value = share(data, "stage_1_2_cancers", "stageable_cancers")
    r = check(run_2024_03, "cancer_early_stage_75_by_2028", ICB, value, Verdict.NOT_DUE)
    assert round(value, 1) == 57.5 and r.target == 75.0
    assert {r.geography.code for r in run_2024_03.results if r.rule == "cancer_early_stage_75_by_2028"} == {ICB}


# -- elective -------------------------------------------------------------------------------

def test_day_case_rate_against_85_with_a_warn_band(run_2024_03):
    data = rows("elective_efficiency_monthly")
    value = share(data, "day_case_spells", "elective_spells")
    check(run_2024_03, "day_case_rate_85", ICB, value, Verdict.AT_RISK)
    verdicts = per_org(run_2024_03, "day_case_rate_85", data, "day_case_spells", "elective_spells", 85.0, 83.0)
    assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}


def test_theatre_utilisation_system_average_against_80(run_2024_03):
    data = rows("elective_efficiency_monthly")
    value = share(data, "theatre_touch_minutes", "theatre_session_minutes")
    check(run_2024_03, "theatre_utilisation_80", ICB, value, Verdict.MET)
    verdicts = per_org(run_2024_03, "theatre_utilisation_80", data, "theatre_touch_minutes",
                       "theatre_session_minutes", 80.0, 78.0)
    assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}


# -- stroke ---------------------------------------------------------------------------------

def test_thrombectomy_against_4_5(run_2024_03):
    data = rows("stroke_thrombectomy_monthly")
    value = share(data, "thrombectomies", "stroke_admissions")
    check(run_2024_03, "thrombectomy_4_5", ICB, value, Verdict.MET)
    verdicts = per_org(run_2024_03, "thrombectomy_4_5", data, "thrombectomies", "stroke_admissions", 4.5, 4.0)
    assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}


# -- SMI health checks (by Place) -------------------------------------------------------------

def test_smi_health_checks_against_60_by_place(run_2024_03):
    data = rows("smi_health_checks_monthly")
    value = share(data, "smi_full_checks_12m", "smi_register")
    check(run_2024_03, "smi_health_checks_60", ICB, value, Verdict.AT_RISK)
    verdicts = per_org(run_2024_03, "smi_health_checks_60", data, "smi_full_checks_12m", "smi_register", 60.0, 55.0)
    assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}


# -- smoking prevalence (annual, direction from 12.5% to 5% by 2030) ------------------------------

def test_smoking_prevalence_is_measured_against_60pc_below_the_baseline(run_2024_03):
    data = rows("smoking_prevalence_annual")
    value = share(data, "weighted_smokers", "weighted_adults")
    r = check(run_2024_03, "smoking_prevalence_5_by_2030", ICB, value, Verdict.NOT_DUE)
    assert r.target == pytest.approx(12.5 * 0.4)
    for row in data:
        check(run_2024_03, "smoking_prevalence_5_by_2030", row["orgcode"],
              share(data, "weighted_smokers", "weighted_adults", {row["orgcode"]}), Verdict.NOT_DUE)


def test_smoking_return_arrives_only_in_march():
    months = sorted(p.name for p in SUBMISSIONS.iterdir()
                    if p.is_dir() and any(p.glob("smoking_prevalence_annual_*")))
    assert months == ["2024-03"]


# -- community waits over 52 weeks (eliminate) -------------------------------------------------

def test_community_52_week_waits_eliminated(run_2024_03):
    data = rows("community_waits_monthly")
    value = total(data, "waiting_over_52wk")
    check(run_2024_03, "community_52wk_eliminate", ICB, value, Verdict.MISSED if value else Verdict.MET)
    verdicts = set()
    for row in data:
        n = int(row["waitingover52wk"])
        verdicts.add(check(run_2024_03, "community_52wk_eliminate", row["orgcode"], n,
                           Verdict.MET if n == 0 else Verdict.MISSED).verdict)
    assert verdicts == {Verdict.MET, Verdict.MISSED}


# -- FIT with lower GI referrals ---------------------------------------------------------------

def test_fit_with_lgi_referrals_against_80(run_2024_03):
    data = rows("fit_lgi_referrals_monthly")
    value = share(data, "lgi_referrals_with_fit", "lgi_referrals")
    check(run_2024_03, "fit_lgi_referrals_80", ICB, value, Verdict.MET)
    verdicts = per_org(run_2024_03, "fit_lgi_referrals_80", data, "lgi_referrals_with_fit", "lgi_referrals", 80.0, 75.0)
    assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}
    places = host_place()
    hosted: dict = {}
    for row in data:
        hosted.setdefault(places[row["orgcode"]], set()).add(row["orgcode"])
    for code, trusts in hosted.items():
        v = share(data, "lgi_referrals_with_fit", "lgi_referrals", trusts)
        check(run_2024_03, "fit_lgi_referrals_80", code, v, threshold(v, 80.0, 75.0))


# -- the batch as a whole --------------------------------------------------------------------

def test_every_batch_rule_gives_a_real_verdict_in_2024_03(run_2024_03):
    for rule in RULES:
        verdicts = {r.verdict for r in run_2024_03.results if r.rule == rule}
        assert verdicts and Verdict.NO_DATA not in verdicts and Verdict.INVALID_DATA not in verdicts, (rule, verdicts)
        assert all(r.value is not None for r in run_2024_03.results if r.rule == rule), rule
    every = {r.verdict for r in run_2024_03.results if r.rule in RULES}
    assert {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED, Verdict.NOT_DUE} <= every


def test_batch_returns_are_valid_every_month(runs_by_period):
    for period, run in runs_by_period.items():
        mine = [s for s in run.submissions if s.file.split("/")[-1].startswith(DATASETS)]
        expected = 5 + (period in ("2023-06", "2023-09", "2023-12", "2024-03")) + (period == "2024-03")
        assert len(mine) == expected, period
        for s in mine:
            assert s.valid and not s.failures, (s.file, s.failures)
            assert s.file.split("/")[-1].startswith(s.dataset)


def test_generator_is_deterministic_and_matches_the_fixtures(tmp_path):
    batch_checks.generator_reproduces_fixtures("batch_c", DATASETS, tmp_path, 12 * 5 + 4 + 1)


def test_batch_files_lint_clean():
    batch_checks.lints_clean("batch_c")


def test_cited_register_entries_exist_and_quotes_are_on_their_lines():
    batch_checks.citations_hold("batch_c", RULES)
