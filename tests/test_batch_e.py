"""Plan batch E (rules/plan_batch_e.toml): each rule's 2024-03 value, worked out here by
hand from the fixture files with the csv module, independently of DuckDB, equals the
engine's, and the verdict is the one expected.

Also: fixtures/generate_batch_e.py is deterministic and writes only its own files, the
batch's returns are valid every month, and its rules and metric definitions lint clean
with every citation holding."""

from __future__ import annotations

import tomllib

import pytest

from assure.results import Verdict
from conftest import REPO, result
import batch_checks
from batch_checks import rows, total, share

ICB = "QYG"
PERIOD = "2024-03"
RULES_DATA = tomllib.loads((REPO / "rules" / "plan_batch_e.toml").read_text("utf-8"))["rules"]
RULES = sorted(RULES_DATA)
PREFIXES = ("msds_maternity_monthly", "cnst_mis_annual", "endoscopy_productivity_monthly",
            "diagnostic_networks_monthly", "phb_quarterly", "community_first_appt_waits_monthly",
            "rtt_waits_78wk_monthly", "eroc_specialist_advice_monthly", "ssnap_team_quarterly",
            "ambulance_stroke_monthly", "lac_health_assessments_quarterly", "carbon_footprint_annual",
            "system_finance_monthly", "nda_care_processes_quarterly", "mhis_annual",
            "programme_tracker_batch_e", "edi_milestones_batch_e")
MET, AT_RISK, MISSED, NOT_DUE = Verdict.MET, Verdict.AT_RISK, Verdict.MISSED, Verdict.NOT_DUE


# -- by hand -------------------------------------------------------------------------------


def tracker(measure: str) -> list[dict]:
    return [r for r in rows("programme_tracker_batch_e") if r["measureid"] == measure]


def verdict(rule: str, value: float) -> Verdict:
    """The verdict from the rule's comparator, target (or direction target) and warn band."""
    spec = RULES_DATA[rule]
    comparator, target, warn = spec.get("comparator"), spec.get("target"), spec.get("warn")
    if spec.get("kind") == "direction":
        base = spec["baseline"]["value"]
        up = spec["direction"] == "increase"
        comparator, target = (">=", base * (1 + spec["by"] / 100)) if up else ("<=", base * (1 - spec["by"] / 100))
    if comparator == "eliminate":
        comparator, target = "<=", 0.0
    passes = {">=": value >= target, ">": value > target, "<=": value <= target, "<": value < target}[comparator]
    if passes:
        return MET
    if warn is not None and (value >= warn if comparator in (">=", ">") else value <= warn):
        return AT_RISK
    return MISSED


def check(run, rule: str, code: str, value: float, expected: Verdict | None = None):
    r = result(run, rule, code)
    assert r.value == pytest.approx(value, rel=1e-9, abs=1e-6), (rule, code, r.value, value)
    assert r.verdict is (expected or verdict(rule, value)), (rule, code, r.reason)
    return r.verdict


def per_org(run, rule, data, fn, orgs, expected=None) -> set:
    return {check(run, rule, org, fn(data, {org}), expected) for org in orgs}


def orgs_of(data) -> list[str]:
    return sorted({r["orgcode"] for r in data})


# -- maternity -----------------------------------------------------------------------------

def test_maternity_pcsp_rules(run_2024_03):
    data = rows("msds_maternity_monthly")
    for rule, num in (("mat_pcsp_recorded_95", "bookings_pcsp_recorded"),
                      ("mat_pcsp_offered_every_woman", "bookings_pcsp_offered")):
        check(run_2024_03, rule, ICB, share(data, num, "bookings"))
        verdicts = per_org(run_2024_03, rule, data, lambda d, o, n=num: share(d, n, "bookings", o), orgs_of(data))
        assert verdicts == {MET, AT_RISK, MISSED}, rule


def test_preterm_and_stillbirth_are_measured_but_not_due_before_2025(run_2024_03):
    data = rows("msds_maternity_monthly")
    for rule, num, scale in (("mat_preterm_6pc_by_2025", "preterm_births", 100.0),
                             ("mat_stillbirth_halve_by_2025", "stillbirths", 1000.0)):
        check(run_2024_03, rule, ICB, share(data, num, "total_births", scale=scale), NOT_DUE)
        per_org(run_2024_03, rule, data, lambda d, o, n=num, s=scale: share(d, n, "total_births", o, s),
                orgs_of(data), NOT_DUE)
    assert result(run_2024_03, "mat_stillbirth_halve_by_2025", ICB).target == pytest.approx(2.55)


def test_cnst_mis_all_ten_safety_actions(run_2024_03):
    data = rows("cnst_mis_annual")
    met_all = [r for r in data if int(r["safetyactionsmet"]) == 10]
    check(run_2024_03, "mat_cnst_mis_all_ten", ICB, len(met_all) / len(data) * 100, MISSED)
    for r in data:
        check(run_2024_03, "mat_cnst_mis_all_ten", r["orgcode"], 100.0 if r in met_all else 0.0)


# -- diagnostics ---------------------------------------------------------------------------

def test_cdc_sites(run_2024_03):
    check(run_2024_03, "cdc_sites_9", ICB, total(tracker("E-CDC-SITES"), "value"), MISSED)


def test_endoscopy_rules(run_2024_03):
    data = rows("endoscopy_productivity_monthly")
    trusts = orgs_of(data)

    def ppl(d, o=None):
        return total(d, "points_booked", o) / total(d, "lists_undertaken", o)

    def vs_max(d, o=None):
        most = sum(12 * int(r["lists4hr"]) + 10.5 * int(r["lists35hr"]) + 8 * int(r["lists3hr"])
                   for r in d if o is None or r["orgcode"] in o)
        return total(d, "points_booked", o) / most * 100

    def util(d, o=None):
        return share(d, "lists_undertaken", "lists_scheduled", o)

    def lost(d, o=None):
        return (total(d, "dnas", o) + total(d, "hospital_cancellations", o)) / total(d, "appointments_booked", o) * 100

    for rule, fn in (("endoscopy_points_per_list_10_4", ppl), ("endoscopy_points_list_maximum", vs_max),
                     ("endoscopy_dna_cancellations_reduce_5", lost)):
        check(run_2024_03, rule, ICB, fn(data))
        assert len(per_org(run_2024_03, rule, data, fn, trusts)) >= 2, rule
    check(run_2024_03, "endoscopy_list_utilisation_95", ICB, util(data), AT_RISK)
    assert per_org(run_2024_03, "endoscopy_list_utilisation_90_providers", data, util, trusts) == {MET, AT_RISK, MISSED}
    assert not [r for r in run_2024_03.results if r.rule == "endoscopy_list_utilisation_90_providers"
                and r.geography.level != "provider"]
    for rule, column in (("ca_colonoscopy_14d_eliminate", "ca_colonoscopy_over_14d"),
                         ("ca_colonoscopy_7d_maximum", "ca_colonoscopy_over_7d")):
        check(run_2024_03, rule, ICB, total(data, column), MISSED)
        assert per_org(run_2024_03, rule, data, lambda d, o, c=column: total(d, c, o), trusts) == {MET, MISSED}
    check(run_2024_03, "endoscopy_colonoscopies_500", ICB, total(tracker("E-COLONOSCOPY-COMMISSIONED"), "value"), AT_RISK)


def test_pathology_and_imaging_rules(run_2024_03):
    data = rows("diagnostic_networks_monthly")
    tests = share(data, "pathology_tests_reported", "pathology_wte", scale=1)
    check(run_2024_03, "pathology_productivity_10pc_2023_24", ICB, tests, MET)
    check(run_2024_03, "pathology_productivity_10pc_by_2025", ICB, tests, NOT_DUE)
    check(run_2024_03, "imaging_productivity_10pc_by_2025", ICB, share(data, "imaging_exams_reported", "imaging_wte", scale=1), NOT_DUE)
    check(run_2024_03, "pathology_mdt_prep_reduce_10", ICB, share(data, "mdt_prep_hours", "mdt_cases_prepared", scale=1), MISSED)
    check(run_2024_03, "pathology_second_opinion_tat_reduce_10", ICB,
          share(data, "second_opinion_tat_days", "second_opinions", scale=1), MET)
    check(run_2024_03, "pathology_tat_reduce_10", ICB, share(data, "sample_to_report_hours", "reports_timed", scale=1), MISSED)


# -- personalised care and carers --------------------------------------------------------------

def test_sdm_training_by_place(run_2024_03):
    data = tracker("E-VW-SDM-TRAINED")
    check(run_2024_03, "vw_sdm_training_25", ICB, share(data, "value", "denominator"), MET)
    assert per_org(run_2024_03, "vw_sdm_training_25", data, lambda d, o: share(d, "value", "denominator", o),
                   orgs_of(data)) == {MET, MISSED}


def test_personal_health_budgets(run_2024_03):
    data = rows("phb_quarterly")
    check(run_2024_03, "phb_additional_1000_a_year", ICB,
          total(data, "phbs_in_place") - total(data, "phbs_in_place_year_start"), AT_RISK)
    check(run_2024_03, "phb_12000_by_2028", ICB, total(data, "phbs_in_place"), NOT_DUE)


def test_carers_baseline_year_is_not_due(run_2024_03):
    data = tracker("E-CARERS-IDENTIFIED")
    check(run_2024_03, "carers_identified_5pc_a_year", ICB, total(data, "value"), NOT_DUE)
    per_org(run_2024_03, "carers_identified_5pc_a_year", data, lambda d, o: total(d, "value", o), orgs_of(data), NOT_DUE)


# -- cancer ------------------------------------------------------------------------------------

def test_tlhc_and_vcfse(run_2024_03):
    data = tracker("E-TLHC-COVERAGE")
    coverage = share(data, "value", "denominator")
    check(run_2024_03, "tlhc_coverage_69", ICB, coverage, AT_RISK)
    check(run_2024_03, "tlhc_coverage_100", ICB, coverage, NOT_DUE)
    per_org(run_2024_03, "tlhc_coverage_100", data, lambda d, o: share(d, "value", "denominator", o), orgs_of(data), NOT_DUE)
    check(run_2024_03, "cancer_vcfse_all_places", ICB, total(tracker("E-CANCER-VCFSE-PLACES"), "value"), MET)


# -- community and elective -------------------------------------------------------------------

def test_community_rules(run_2024_03):
    ucr = rows("ucr_monthly")
    r = result(run_2024_03, "ucr_referrals_increase_20", ICB)
    check(run_2024_03, "ucr_referrals_increase_20", ICB, total(ucr, "referrals"), MISSED)
    assert r.target == pytest.approx(3395 / 3 * 1.2, abs=0.1)
    vw = rows("virtual_wards_monthly")
    check(run_2024_03, "vw_occupancy_over_85", ICB, share(vw, "beds_occupied", "beds_available"), AT_RISK)
    assert per_org(run_2024_03, "vw_occupancy_over_85", vw, lambda d, o: share(d, "beds_occupied", "beds_available", o),
                   orgs_of(vw)) == {AT_RISK, MISSED}
    waits = rows("community_first_appt_waits_monthly")
    check(run_2024_03, "community_18wk_first_appt_reduce_25", ICB, total(waits, "waiting_first_appt_over_18wk"), MET)


def test_elective_rules(run_2024_03):
    rtt = rows("rtt_waits_78wk_monthly")
    check(run_2024_03, "rtt_78wk_eliminate", ICB, total(rtt, "waiting_78wk_plus"), MISSED)
    assert per_org(run_2024_03, "rtt_78wk_eliminate", rtt, lambda d, o: total(d, "waiting_78wk_plus", o),
                   orgs_of(rtt)) == {MET, MISSED}
    eroc = rows("eroc_specialist_advice_monthly")
    check(run_2024_03, "sa_onward_referrals_avoided_30", ICB, share(eroc, "sa_diverted", "sa_requests"), MET)
    assert per_org(run_2024_03, "sa_onward_referrals_avoided_30", eroc, lambda d, o: share(d, "sa_diverted", "sa_requests", o),
                   orgs_of(eroc)) == {MET, AT_RISK, MISSED}


# -- respiratory and stroke --------------------------------------------------------------------

def test_respiratory_and_stroke_tracker_rules(run_2024_03):
    check(run_2024_03, "pr_teams_rcp_accredited_jan_2026", ICB,
          share(tracker("E-PR-TEAMS-ACCREDITED"), "value", "denominator"), NOT_DUE)
    for rule, measure, expected in (("stroke_mri_slots_1hr", "E-HASU-MRI-1HR", {MET, MISSED}),
                                    ("stroke_cta_ctp_all_hasus", "E-HASU-CTA-CTP", {MET, MISSED})):
        data = tracker(measure)
        check(run_2024_03, rule, ICB, share(data, "value", "denominator"), MISSED)
        assert per_org(run_2024_03, rule, data, lambda d, o: share(d, "value", "denominator", o), orgs_of(data)) == expected
        assert {r.geography.code for r in run_2024_03.results if r.rule == rule} == {ICB, *orgs_of(data)}
    check(run_2024_03, "stroke_catalyst_projects_6", ICB, total(tracker("E-STROKE-CATALYST-DELIVERED"), "value"), MET)


def test_ssnap_b_or_above(run_2024_03):
    data = [r for r in rows("ssnap_team_quarterly") if r["routinelyadmitting"] == "true"]

    def good(o=None):
        teams = [r for r in data if o is None or r["orgcode"] in o]
        return sum(r["ssnaplevel"] in ("A", "B") for r in teams) / len(teams) * 100

    check(run_2024_03, "ssnap_all_teams_b_or_above", ICB, good(), MISSED)
    assert {check(run_2024_03, "ssnap_all_teams_b_or_above", o, good({o})) for o in orgs_of(data)} == {MET, MISSED}


def test_stroke_ambulance_response(run_2024_03):
    data = rows("ambulance_stroke_monthly")
    mean = total(data, "stroke_cat2_total_seconds") / 60 / total(data, "stroke_cat2_incidents")
    check(run_2024_03, "stroke_ambulance_cat2_30", "RX7", mean, AT_RISK)


# -- external thresholds -----------------------------------------------------------------------

MILESTONES = [("ms_gender_pay_gap_report_mar_2024", "E-GENDER-PAY-GAP", MET),
              ("ms_wres_return_aug_2023", "E-WRES-RETURN", MET),
              ("ms_workforce_ethnicity_disability_profile", "E-WORKFORCE-EDI-PROFILE", MISSED)]


@pytest.mark.parametrize("rule, milestone, expected", MILESTONES, ids=[m[0] for m in MILESTONES])
def test_edi_milestones(run_2024_03, rule, milestone, expected):
    row = next(r for r in rows("edi_milestones_batch_e") if r["milestoneid"] == milestone)
    assert RULES_DATA[rule]["milestone"] == milestone
    r = result(run_2024_03, rule, ICB)
    assert r.value == (1.0 if row["status"] == "delivered" else 0.0)
    assert r.verdict is expected, r.reason
    if row["deliveredon"]:
        deadline = RULES_DATA[rule]["deadline"]
        assert row["deliveredon"][:7] <= deadline


def test_milestone_file_is_read_as_the_shared_milestones_return(run_2024_03):
    mine = [s for s in run_2024_03.submissions if s.file.endswith(f"edi_milestones_batch_e_{PERIOD}.csv")]
    assert [s.dataset for s in mine] == ["milestones"]


def test_carbon_footprints_not_due(run_2024_03):
    data = rows("carbon_footprint_annual")
    check(run_2024_03, "carbon_footprint_plus_80pc_by_2039", ICB, total(data, "footprint_plus_tco2e"), NOT_DUE)


def test_fleet_disn_and_prevention_pledge(run_2024_03):
    fleet = tracker("E-FLEET-NEW-ULEV")
    check(run_2024_03, "fleet_only_ulev_zev", ICB, share(fleet, "value", "denominator"), MISSED)
    assert per_org(run_2024_03, "fleet_only_ulev_zev", fleet, lambda d, o: share(d, "value", "denominator", o),
                   orgs_of(fleet)) == {MET, MISSED}
    beds, wte = tracker("E-DISN-INPATIENTS"), tracker("E-DISN-WTE")

    def ratio(o=None):
        return total(beds, "value", o) / total(wte, "value", o)

    check(run_2024_03, "disn_ratio_1_to_250", ICB, ratio(), MET)
    assert {check(run_2024_03, "disn_ratio_1_to_250", o, ratio({o})) for o in orgs_of(beds)} == {MET, AT_RISK, MISSED}
    pledge = tracker("E-PREVENTION-PLEDGE")
    check(run_2024_03, "prevention_pledge_14_commitments", ICB, share(pledge, "value", "denominator"), AT_RISK)
    assert per_org(run_2024_03, "prevention_pledge_14_commitments", pledge,
                   lambda d, o: share(d, "value", "denominator", o), orgs_of(pledge)) == {MET, AT_RISK, MISSED}


def test_children_in_care_health_assessments(run_2024_03):
    data = rows("lac_health_assessments_quarterly")
    for rule, num, den in (("lac_iha_20_working_days", "iha_within_20wd", "iha_due"),
                           ("lac_rha_on_time", "rha_in_time", "rha_due")):
        check(run_2024_03, rule, ICB, share(data, num, den))
        assert per_org(run_2024_03, rule, data, lambda d, o, n=num, m=den: share(d, n, m, o),
                       orgs_of(data)) == {MET, AT_RISK, MISSED}, rule


def test_finance_against_plan(run_2024_03):
    data = rows("system_finance_monthly")

    def variance(o=None):
        return total(data, "actual_surplus_ytd", o) - total(data, "plan_surplus_ytd", o)

    check(run_2024_03, "finance_plan_delivered_2023_24", ICB, variance(), MISSED)
    assert {check(run_2024_03, "finance_plan_delivered_2023_24", o, variance({o}))
            for o in orgs_of(data) if o != ICB} == {MET, MISSED}


def test_diabetes_gap_and_mhis(run_2024_03):
    nda = rows("nda_care_processes_quarterly")
    gap = abs(share(nda, "lq_all_8cp", "lq_patients") - share(nda, "england_all_8cp", "england_patients"))
    check(run_2024_03, "diabetes_8cp_lowest_quintile_gap", ICB, gap, MET if gap < 14.0 else MISSED)
    m = rows("mhis_annual")[0]
    margin = 100 * (float(m["mhspend"]) / float(m["mhspendprior"]) - float(m["allocation"]) / float(m["allocationprior"]))
    check(run_2024_03, "mhis_mh_growth_above_allocation", ICB, margin, MET)


# -- the batch as a whole --------------------------------------------------------------------

def test_every_batch_rule_gives_a_real_verdict_in_2024_03(run_2024_03):
    for rule in RULES:
        results = [r for r in run_2024_03.results if r.rule == rule]
        assert results, rule
        assert all(r.verdict not in (Verdict.NO_DATA, Verdict.INVALID_DATA) for r in results), (rule, [
            (r.geography.code, r.verdict, r.reason) for r in results])
    every = {r.verdict for r in run_2024_03.results if r.rule in RULES}
    assert {MET, AT_RISK, MISSED, NOT_DUE} <= every


def test_batch_returns_are_valid_every_month(runs_by_period):
    for period, run in runs_by_period.items():
        mine = [s for s in run.submissions if s.file.split("/")[-1].startswith(PREFIXES)]
        quarterly = period in ("2023-06", "2023-09", "2023-12", "2024-03")
        assert len(mine) == 10 + 4 * quarterly + 3 * (period == "2024-03"), period
        for s in mine:
            assert s.valid and not s.failures, (s.file, s.failures)


def test_generator_is_deterministic_and_matches_the_fixtures(tmp_path):
    batch_checks.generator_reproduces_fixtures("batch_e", PREFIXES, tmp_path, 12 * 10 + 4 * 4 + 3)


def test_batch_lints_clean():
    batch_checks.lints_clean("batch_e")


def test_citations_hold():
    batch_checks.citations_hold("batch_e", RULES)
