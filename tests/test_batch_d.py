"""Plan batch D (rules/plan_batch_d.toml): each rule's 2024-03 value, worked out here by
hand from the fixture files with the csv module, independently of DuckDB, equals the
engine's, and the verdict is the one expected.

Also: fixtures/generate_batch_d.py is deterministic and writes only its own files, and
the batch's rules and metric definitions lint clean."""

from __future__ import annotations

import tomllib

import pytest

from assure.results import Verdict
from conftest import REPO, result
import batch_checks
from batch_checks import rows, share

ICB = "QYG"
PERIOD = "2024-03"
PLACES = ("E06000049", "E06000050", "E06000006", "E06000007", "E08000011", "E08000012",
          "E08000013", "E08000014", "E08000015")
DATASETS = ("programme_tracker_batch_d", "ecds_cyp_conditions_monthly", "epilepsy12_quarterly",
            "nhsbsa_cyp_saba_quarterly", "cyp_asthma_care_quarterly", "greener_nhs_carbon_annual",
            "active_lives_place_annual", "npda_pdu_annual")
RULES = sorted(tomllib.loads((REPO / "rules" / "plan_batch_d.toml").read_text("utf-8"))["rules"])


# -- by hand -------------------------------------------------------------------------------


def total(data, column: str, orgs=None) -> float:
    return batch_checks.total(data, column, orgs, blank=0.0)  # an empty cell counts as none


def tracker(measure: str, column: str = "value", orgs=None, period: str = PERIOD) -> float:
    data = [r for r in rows("programme_tracker_batch_d", period) if r["measureid"] == measure]
    assert data, measure
    return total(data, column, orgs)


def expected(value: float, comparator: str, target: float, warn: float | None = None,
             deadline: str | None = None, period: str = PERIOD) -> Verdict:
    """The verdict worked out by hand: not_due before the deadline (no trajectories in this
    batch), else the comparator with its warn band."""
    if deadline and period < deadline:
        return Verdict.NOT_DUE
    ok = {">=": value >= target, ">": value > target, "<=": value <= target}[comparator]
    if ok:
        return Verdict.MET
    if warn is not None and (value >= warn if comparator in (">=", ">") else value <= warn):
        return Verdict.AT_RISK
    return Verdict.MISSED


def check(run, rule: str, code: str, value: float, verdict: Verdict):
    r = result(run, rule, code)
    assert r.value == pytest.approx(value, rel=1e-9, abs=1e-6), (rule, code)
    assert r.verdict is verdict, (rule, code, r.reason)
    return r


# -- programme tracker: ICB counts ---------------------------------------------------------------

# rule: (measure, comparator, target, warn, deadline, the verdict the fixtures are built to give)
ICB_COUNTS = {
    "d_citizens_panel_over_1000_jul_2023": ("D-CITIZENS-PANEL", ">", 1000, None, "2023-07", Verdict.MET),
    "d_peer_leadership_panel_50_jul_2023": ("D-PLDP-PANEL-ENROLLED", ">=", 50, None, "2023-07", Verdict.MET),
    "d_peer_leadership_over_100_mar_2024": ("D-PLDP-PARTICIPANTS", ">", 100, 90, "2024-03", Verdict.AT_RISK),
    "d_places_carbon_footprinted_3": ("D-PLACE-CARBON-FOOTPRINT", ">=", 3, None, "2024-03", Verdict.MISSED),
    "d_anchor_signatories_25": ("D-ANCHOR-SIGNATORIES", ">=", 25, None, "2024-03", Verdict.MET),
    "d_social_value_charter_100": ("D-SV-CHARTER", ">=", 100, 90, "2024-03", Verdict.MISSED),
    "d_ata_places_engaged_9": ("D-ATA-PLACES-ENGAGED", ">=", 9, None, "2023-10", Verdict.MET),
    "d_ata_orgs_engaged_over_300": ("D-ATA-ORGS-ENGAGED", ">", 300, None, "2023-10", Verdict.MET),
    "d_ata_place_plans_9": ("D-ATA-PLACE-PLANS", ">=", 9, None, "2023-10", Verdict.MISSED),
    "d_ata_hub_views_over_500": ("D-ATA-HUB-VIEWS", ">", 500, None, "2023-10", Verdict.MET),
    "d_ata_pilots_scaled_2": ("D-ATA-PILOTS", ">=", 2, None, "2023-10", Verdict.MET),
    "d_ata_trusts_pledge_18": ("D-ATA-TRUSTS-PA", ">=", 18, None, "2023-10", Verdict.MISSED),
    "d_pledge_pcn_pilot_4": ("D-PLEDGE-PCN-PILOTS", ">=", 4, None, None, Verdict.MET),
    "d_pledge_trusts_supported_18": ("D-PLEDGE-TRUSTS-COP", ">=", 18, None, None, Verdict.MET),
    "d_cyp_gateway_meetings_9_places": ("D-CYP-GATEWAY", ">=", 9, None, "2023-03", Verdict.MET),
    "d_next_step_cards_540_trained": ("D-NSC-TRAINED", ">=", 540, None, "2024-09", Verdict.NOT_DUE),
    "d_next_step_cards_2700_cyp": ("D-NSC-CYP-REACHED", ">=", 2700, None, "2026-03", Verdict.NOT_DUE),
    "d_whole_family_therapeutics_8_staff": ("D-WFT-TRAINED", ">=", 8, None, "2024-09", Verdict.NOT_DUE),
    "d_whole_family_therapeutics_450_families": ("D-WFT-FAMILIES", ">=", 450, None, "2024-09", Verdict.NOT_DUE),
    "d_teams_of_life_237_trained": ("D-TOL-TRAINED", ">=", 237, None, "2024-09", Verdict.NOT_DUE),
    "d_teams_of_life_575_cyp_a_year": ("D-TOL-CYP-12M", ">=", 575, None, "2025-03", Verdict.NOT_DUE),
    "d_cyp_digital_access_9_places": ("D-CYP-DIGITAL-ACCESS", ">=", 9, None, "2025-03", Verdict.NOT_DUE),
    "d_henry_72_practitioners": ("D-HENRY-TRAINED", ">=", 72, None, "2024-04", Verdict.NOT_DUE),
    "d_henry_5000_families": ("D-HENRY-FAMILIES", ">=", 5000, 4000, "2025-03", Verdict.NOT_DUE),
    "d_everton_500_cyp": ("D-EITC-CYP", ">=", 500, None, "2024-03", Verdict.MET),
    "d_food_active_1080_trained": ("D-FOOD-ACTIVE-TRAINED", ">=", 1080, 972, "2024-03", Verdict.AT_RISK),
    "d_cew_100_referrals_a_year": ("D-CEW-REFERRALS-12M", ">=", 100, None, "2024-03", Verdict.MISSED),
    "d_ldda_training_9_las": ("D-LDDA-TRAINING", ">=", 9, None, "2024-03", Verdict.MET),
    "d_koala_200_families": ("D-KOALA-FAMILIES", ">=", 200, None, "2024-03", Verdict.MET),
    "d_cyp_cgm_42_a_year": ("D-CYP-CGM-STARTS-12M", ">=", 42, None, "2024-03", Verdict.MET),
    "d_smokefree_schools_40": ("D-SMOKEFREE-SCHOOLS", ">=", 40, None, "2027-03", Verdict.NOT_DUE),
    "d_indoor_air_quality_200_households": ("D-IAQ-HOUSEHOLDS", ">=", 200, None, "2024-03", Verdict.MISSED),
    "d_parent_champions_5_places": ("D-PARENT-CHAMPION-PLACES", ">=", 5, None, "2024-08", Verdict.NOT_DUE),
    "d_parent_champions_100_trained": ("D-PARENT-CHAMPIONS-TRAINED", ">=", 100, None, "2024-08", Verdict.NOT_DUE),
    "d_pharmacies_inhaler_checks_100": ("D-PHARMACY-INHALER", ">=", 100, None, "2024-03", Verdict.MET),
}


@pytest.mark.parametrize("rule", sorted(ICB_COUNTS))
def test_tracker_counts_at_the_icb(run_2024_03, rule):
    measure, comparator, target, warn, deadline, story = ICB_COUNTS[rule]
    value = tracker(measure)
    verdict = expected(value, comparator, target, warn, deadline)
    assert verdict is story, (rule, value)
    r = check(run_2024_03, rule, ICB, value, verdict)
    assert r.target == target
    assert {x.geography.code for x in run_2024_03.results if x.rule == rule} == {ICB}


def test_place_yes_no_measures_count_places():
    """Each Place reports 0 or 1; the ICB value is the number of Places (no QYG row)."""
    for measure in ("D-PLACE-CARBON-FOOTPRINT", "D-ATA-PLACES-ENGAGED", "D-ATA-PLACE-PLANS", "D-CYP-GATEWAY",
                    "D-CYP-DIGITAL-ACCESS", "D-LDDA-TRAINING", "D-PARENT-CHAMPION-PLACES"):
        data = [r for r in rows("programme_tracker_batch_d") if r["measureid"] == measure]
        assert sorted(r["orgcode"] for r in data) == sorted(PLACES)
        assert {r["value"] for r in data} <= {"0", "1"}


def test_citizens_panel_judged_from_july_2023(runs_by_period):
    rule = "d_citizens_panel_over_1000_jul_2023"
    for period, run in runs_by_period.items():
        value = tracker("D-CITIZENS-PANEL", period=period)
        check(run, rule, ICB, value, expected(value, ">", 1000, None, "2023-07", period))
    assert result(runs_by_period["2023-06"], rule, ICB).verdict is Verdict.NOT_DUE


def test_undated_pcn_pilot_is_judged_every_month(runs_by_period):
    verdicts = {}
    for period, run in runs_by_period.items():
        value = tracker("D-PLEDGE-PCN-PILOTS", period=period)
        verdicts[period] = check(run, "d_pledge_pcn_pilot_4", ICB, value, expected(value, ">=", 4)).verdict
    assert verdicts["2023-10"] is Verdict.MISSED and verdicts["2024-01"] is Verdict.MET


def test_sefton_workshops_judged_for_sefton_only(run_2024_03):
    value = tracker("D-SEFTON-ND-WORKSHOPS", orgs={"E08000014"})
    check(run_2024_03, "d_sefton_nd_36_workshops", "E08000014", value, Verdict.MISSED)
    assert {r.geography.code for r in run_2024_03.results if r.rule == "d_sefton_nd_36_workshops"} == {"E08000014"}


# -- programme tracker: procurement shares ---------------------------------------------------------

@pytest.mark.parametrize("rule,measure,deadline", [
    ("d_procurement_social_value_10pc", "D-PROC-SV10", "2024-03"),
    ("d_procurement_social_value_15pc_apr_2024", "D-PROC-SV15", "2024-04"),
])
def test_procurement_social_value_shares(run_2024_03, rule, measure, deadline):
    orgs = {r["orgcode"] for r in rows("programme_tracker_batch_d") if r["measureid"] == measure}
    value = tracker(measure) / tracker(measure, "denominator") * 100
    check(run_2024_03, rule, ICB, value, expected(value, ">=", 100, 90, deadline))
    verdicts = set()
    for org in sorted(orgs - {ICB}):
        v = tracker(measure, orgs={org}) / tracker(measure, "denominator", orgs={org}) * 100
        verdicts.add(check(run_2024_03, rule, org, v, expected(v, ">=", 100, 90, deadline)).verdict)
    assert {r.geography.code for r in run_2024_03.results if r.rule == rule} == orgs
    if deadline == "2024-03":
        assert result(run_2024_03, rule, ICB).verdict is Verdict.AT_RISK
        assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}
    else:
        assert verdicts == {Verdict.NOT_DUE}


# -- Green Plan (annual) ---------------------------------------------------------------------------

def test_carbon_footprint_net_zero_and_80pc_are_not_due(run_2024_03):
    data = rows("greener_nhs_carbon_annual")
    parts = ("building_energy_tco2e", "anaesthetic_gases_tco2e", "inhalers_tco2e", "fleet_travel_tco2e",
             "waste_water_tco2e")

    def net(orgs=None):
        return sum(total(data, p, orgs) for p in parts) - total(data, "removals_tco2e", orgs)

    r = check(run_2024_03, "d_carbon_80pc_reduction_2032", ICB, net(), Verdict.NOT_DUE)
    assert r.target == pytest.approx(720000 * 0.2)
    check(run_2024_03, "d_net_zero_2040", ICB, net(), Verdict.NOT_DUE)
    for row in data:
        if row["orgcode"] != ICB:
            check(run_2024_03, "d_net_zero_2040", row["orgcode"], net({row["orgcode"]}), Verdict.NOT_DUE)


# -- Active Lives (annual) -------------------------------------------------------------------------

def test_inactive_adults_against_half_a_million_less_150000(run_2024_03):
    data = rows("active_lives_place_annual")
    r = check(run_2024_03, "d_ata_inactive_minus_150k_2026", ICB, total(data, "inactive_adults"), Verdict.NOT_DUE)
    assert r.target == pytest.approx(350000)


def test_cyp_physical_activity_up_5pc_a_year_by_place(run_2024_03):
    data = rows("active_lives_place_annual")
    target = 44.0 * 1.05  # one year after the 2022/23 baseline
    rule = "d_cyp_physical_activity_plus_5pc_a_year"
    value = share(data, "cyp_active_every_day", "cyp_weighted")
    assert check(run_2024_03, rule, ICB, value, expected(value, ">=", target)).target == pytest.approx(target)
    verdicts = set()
    for code in PLACES:
        v = share(data, "cyp_active_every_day", "cyp_weighted", {code})
        verdicts.add(check(run_2024_03, rule, code, v, expected(v, ">=", target)).verdict)
    assert verdicts == {Verdict.MET, Verdict.MISSED}


# -- ECDS, Epilepsy12, NPDA, SABA: direction rules at the ICB ------------------------------------------

# rule: (dataset, numerator column, denominator column or None, baseline, change, deadline, story)
DIRECTIONS = {
    "d_cyp_ae_mh_minus_25pc": ("ecds_cyp_conditions_monthly", "mh_attendances_0_17_12m", None, 3480, -25, "2025-03", Verdict.NOT_DUE),
    "d_cyp_ae_asthma_minus_10pc": ("ecds_cyp_conditions_monthly", "asthma_attendances_0_17_12m", None, 4150, -10, "2024-03", Verdict.MET),
    "d_cyp_dka_minus_5pc": ("ecds_cyp_conditions_monthly", "dka_attendances_0_17_12m", None, 168, -5, "2024-03", Verdict.MISSED),
    "d_epilepsy_mh_support_plus_10pc": ("epilepsy12_quarterly", "mh_support", "mh_need", 40.0, 10, "2024-03", Verdict.MISSED),
    "d_epilepsy_care_plan_plus_10pc": ("epilepsy12_quarterly", "care_plan_12m", "cohort", 62.0, 10, "2024-03", Verdict.MET),
    "d_cyp_diabetes_technology_plus_20pc": ("npda_pdu_annual", "cyp_using_technology", None, 1180, 20, "2024-03", Verdict.MISSED),
    "d_cyp_saba_minus_10pc": ("nhsbsa_cyp_saba_quarterly", "cyp_saba_3plus_12m", None, 2720, -10, "2024-03", Verdict.MET),
}


@pytest.mark.parametrize("rule", sorted(DIRECTIONS))
def test_direction_rules_against_their_baselines(run_2024_03, rule):
    dataset, num, den, baseline, change, deadline, story = DIRECTIONS[rule]
    data = rows(dataset)
    value = share(data, num, den) if den else total(data, num)
    target = baseline * (1 + change / 100)
    verdict = expected(value, ">=" if change > 0 else "<=", target, None, deadline)
    assert verdict is story, (rule, value, target)
    r = check(run_2024_03, rule, ICB, value, verdict)
    assert r.target == pytest.approx(target)
    assert {x.geography.code for x in run_2024_03.results if x.rule == rule} == {ICB}


def test_cyp_delayed_discharges_direction_not_due(run_2024_03):
    value = tracker("D-CYP-DELAYED-DISCHARGES-12M")
    r = check(run_2024_03, "d_cyp_delayed_discharges_minus_25pc", ICB, value, Verdict.NOT_DUE)
    assert r.target == pytest.approx(64 * 0.75)


# -- thresholds on national collections ------------------------------------------------------------

@pytest.mark.parametrize("rule,dataset,num,den,deadline,warn", [
    ("d_epilepsy_esn_100pc", "epilepsy12_quarterly", "esn_first_year", "cohort", "2025-03", None),
    ("d_cyp_t2_annual_checks_80", "npda_pdu_annual", "t2_all_checks", "t2_cyp", "2026-03", None),
    ("d_cyp_asthma_plan_80", "cyp_asthma_care_quarterly", "cyp_written_plan", "cyp_asthma_register", "2024-03", 75.0),
    ("d_cyp_inhaler_technique_80", "cyp_asthma_care_quarterly", "cyp_inhaler_technique", "cyp_asthma_register", "2025-03", 75.0),
    ("d_cyp_asthma_review_80", "cyp_asthma_care_quarterly", "cyp_annual_review", "cyp_asthma_register", "2025-03", 75.0),
])
def test_national_thresholds_by_geography(run_2024_03, rule, dataset, num, den, deadline, warn):
    data = rows(dataset)
    target = 100.0 if "esn" in rule else 80.0
    value = share(data, num, den)
    check(run_2024_03, rule, ICB, value, expected(value, ">=", target, warn, deadline))
    verdicts = set()
    for row in data:
        v = share(data, num, den, {row["orgcode"]})
        verdicts.add(check(run_2024_03, rule, row["orgcode"], v, expected(v, ">=", target, warn, deadline)).verdict)
    if rule == "d_cyp_asthma_plan_80":
        assert result(run_2024_03, rule, ICB).verdict is Verdict.AT_RISK
        assert verdicts == {Verdict.MET, Verdict.AT_RISK, Verdict.MISSED}
    else:
        assert verdicts == {Verdict.NOT_DUE}


# -- the batch as a whole --------------------------------------------------------------------

def test_every_rule_is_checked_here():
    covered = set(ICB_COUNTS) | set(DIRECTIONS) | {
        "d_sefton_nd_36_workshops", "d_procurement_social_value_10pc", "d_procurement_social_value_15pc_apr_2024",
        "d_carbon_80pc_reduction_2032", "d_net_zero_2040", "d_ata_inactive_minus_150k_2026",
        "d_cyp_physical_activity_plus_5pc_a_year", "d_cyp_delayed_discharges_minus_25pc", "d_epilepsy_esn_100pc",
        "d_cyp_t2_annual_checks_80", "d_cyp_asthma_plan_80", "d_cyp_inhaler_technique_80", "d_cyp_asthma_review_80"}
    assert covered == set(RULES)


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
        expected_files = 2 + 3 * (period in ("2023-06", "2023-09", "2023-12", "2024-03")) + 3 * (period == "2024-03")
        assert len(mine) == expected_files, period
        for s in mine:
            assert s.valid and not s.failures, (s.file, s.failures)
            assert s.file.split("/")[-1].startswith(s.dataset)


def test_generator_is_deterministic_and_matches_the_fixtures(tmp_path):
    batch_checks.generator_reproduces_fixtures("batch_d", DATASETS, tmp_path, 12 * 2 + 3 * 4 + 3)


def test_batch_files_lint_clean():
    batch_checks.lints_clean("batch_d")


def test_cited_register_entries_exist_and_quotes_are_on_their_lines():
    batch_checks.citations_hold("batch_d", RULES)
