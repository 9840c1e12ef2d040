"""Batch B rules on the shipped fixtures: milestones, the Core20 hypertension gap, the
Marmot Beacon indicators, and mental health access.

Every expected value is worked out here from the fixture files with the csv module,
independently of the DuckDB path the engine takes, and compared with the engine's
2024-03 result; each verdict is the one the fixtures' story sets up
(fixtures/generate_batch_b.py)."""

from __future__ import annotations

import csv
import importlib.util
import tomllib

import pytest

from assure.results import Verdict
from conftest import REPO, SUBMISSIONS, result

RULES = tomllib.loads((REPO / "rules" / "plan_batch_b.toml").read_text("utf-8"))["rules"]
PLACES = ["E06000049", "E06000050", "E06000006", "E06000007", "E08000011", "E08000012", "E08000013",
          "E08000014", "E08000015"]
MY_DATASETS = ("milestones", "hypertension_core20_quarterly", "beacon_indicators_annual", "cyp_mh_access_monthly",
               "iapt_access_monthly")


def rows(period: str, dataset: str) -> list[dict]:
    with open(SUBMISSIONS / period / f"{dataset}_{period}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def generator():
    spec = importlib.util.spec_from_file_location("generate_batch_b", REPO / "fixtures" / "generate_batch_b.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- milestones ---------------------------------------------------------------------------

MILESTONE_STORY = [  # rule, milestone id, verdict in 2024-03, words in the reason
    ("ms_strategic_workforce_plan_mar_2024", "WORKFORCE-PLAN", Verdict.MET, "delivered on 2024-03-27, by the deadline"),
    ("ms_carers_charter_dec_2023", "CARERS-CHARTER", Verdict.MET, "delivered on 2023-12-14, by the deadline"),
    ("ms_financial_strategy_sept_2023", "FIN-STRATEGY", Verdict.MISSED, "delivered late, on 2023-11-29"),
    ("ms_performance_information_system_mar_2024", "PERF-INFO-SYSTEM", Verdict.MISSED, "overdue: due by 2024-03"),
    ("ms_cipha_tre_mar_2025", "CIPHA-TRE", Verdict.NOT_DUE, "due by 2025-03"),
]


@pytest.mark.parametrize("rule, milestone, verdict, words", MILESTONE_STORY, ids=[s[0] for s in MILESTONE_STORY])
def test_milestone_verdicts_in_2024_03(run_2024_03, rule, milestone, verdict, words):
    row = next(r for r in rows("2024-03", "milestones") if r["milestone_id"] == milestone)
    assert RULES[rule]["milestone"] == milestone
    r = result(run_2024_03, rule, "QYG")
    assert r.value == (1.0 if row["status"] == "delivered" else 0.0)
    assert r.verdict is verdict and words in r.reason
    if row["delivered_on"]:  # met on time or missed late, from the dates in the file
        on_time = row["delivered_on"] <= {"2023-09": "2023-09-30", "2023-12": "2023-12-31",
                                          "2024-03": "2024-03-31"}[RULES[rule]["deadline"]]
        assert (r.verdict is Verdict.MET) == on_time


@pytest.mark.parametrize("period, verdict, words", [
    ("2023-08", Verdict.NOT_DUE, "due by 2023-09; status in progress"),
    ("2023-09", Verdict.MISSED, "overdue: due by 2023-09"),
    ("2023-10", Verdict.MISSED, "overdue"),
    ("2023-11", Verdict.MISSED, "delivered late, on 2023-11-29"),
])
def test_late_milestone_reads_overdue_then_late(runs_by_period, period, verdict, words):
    r = result(runs_by_period[period], "ms_financial_strategy_sept_2023", "QYG")
    assert r.verdict is verdict and words in r.reason


def test_milestone_met_from_the_month_it_was_delivered(runs_by_period):
    assert result(runs_by_period["2023-11"], "ms_carers_charter_dec_2023", "QYG").verdict is Verdict.NOT_DUE
    assert result(runs_by_period["2023-12"], "ms_carers_charter_dec_2023", "QYG").verdict is Verdict.MET
    assert result(runs_by_period["2024-02"], "ms_strategic_workforce_plan_mar_2024", "QYG").verdict is Verdict.NOT_DUE


# -- Core20 hypertension gap ---------------------------------------------------------------

def icb_gap(period: str) -> float:
    data = rows(period, "hypertension_core20_quarterly")
    core = sum(int(r["core20_treated_to_target"]) for r in data) / sum(
        int(r["core20_patients_with_hypertension"]) for r in data) * 100
    other = sum(int(r["other_treated_to_target"]) for r in data) / sum(
        int(r["other_patients_with_hypertension"]) for r in data) * 100
    return abs(core - other)


def test_gap_baseline_is_the_first_fixture_quarter():
    assert RULES["htn_core20_gap_narrow"]["baseline"]["period"] == "2023-06"
    assert RULES["htn_core20_gap_narrow"]["baseline"]["value"] == round(icb_gap("2023-06"), 2)


def test_gap_has_narrowed_by_2024_03(run_2024_03):
    r = result(run_2024_03, "htn_core20_gap_narrow", "QYG")
    assert r.value == pytest.approx(icb_gap("2024-03"), abs=1e-6)
    assert r.target == RULES["htn_core20_gap_narrow"]["baseline"]["value"]
    assert r.value < r.target and r.verdict is Verdict.MET


def test_gap_is_judged_each_quarter_after_the_baseline(runs_by_period):
    assert result(runs_by_period["2023-06"], "htn_core20_gap_narrow", "QYG").verdict is Verdict.NOT_DUE
    for period in ("2023-09", "2023-12"):
        r = result(runs_by_period[period], "htn_core20_gap_narrow", "QYG")
        assert r.value == pytest.approx(icb_gap(period), abs=1e-6) and r.verdict is Verdict.MET
    assert not [r for r in runs_by_period["2023-11"].results if r.rule == "htn_core20_gap_narrow"]


def test_core20_split_adds_up_to_the_hypertension_return():
    for period in ("2023-06", "2023-09", "2023-12", "2024-03"):
        whole = {r["org_code"]: r for r in rows(period, "hypertension_quarterly")}
        for r in rows(period, "hypertension_core20_quarterly"):
            w = whole[r["org_code"]]
            assert int(r["core20_patients_with_hypertension"]) + int(r["other_patients_with_hypertension"]) == int(
                w["patients_with_hypertension"])
            assert int(r["core20_treated_to_target"]) + int(r["other_treated_to_target"]) == int(w["treated_to_target"])


# -- Beacon indicators ---------------------------------------------------------------------

BEACON = {  # rule: (value from a row, Places that miss in 2024-03)
    "beacon_hle_female_increase": (lambda r: float(r["hle_female_years"]), {"E06000050", "E08000011", "E08000014"}),
    "beacon_hle_male_increase": (lambda r: float(r["hle_male_years"]), {"E06000006", "E08000012", "E08000015"}),
    "beacon_gld_reception_increase": (
        lambda r: int(r["gld_reception_achieved"]) / int(r["gld_reception_pupils"]) * 100,
        {"E06000050", "E08000012", "E08000015"}),
    "beacon_self_harm_15_19_reduce": (lambda r: float(r["self_harm_15_19_per_100k"]),
                                      {"E06000050", "E08000011", "E08000014"}),
    "beacon_children_workless_reduce": (lambda r: float(r["children_workless_households_pct"]),
                                        {"E06000006", "E06000007", "E08000014"}),
}


@pytest.mark.parametrize("rule", sorted(BEACON))
def test_beacon_place_values_and_verdicts(run_2024_03, rule):
    value_of, missing = BEACON[rule]
    spec = RULES[rule]
    assert spec["scope"] == ["place"] and "marmot" in spec["tags"]
    data = {r["org_code"]: r for r in rows("2024-03", "beacon_indicators_annual")}
    assert sorted(data) == sorted(PLACES)
    for code in PLACES:
        value, baseline = value_of(data[code]), spec["targets"][code]
        better = value > baseline if spec["direction"] == "increase" else value < baseline
        r = result(run_2024_03, rule, code)
        assert r.value == pytest.approx(value, abs=1e-6), code
        assert r.target == baseline
        assert r.verdict is (Verdict.MET if better else Verdict.MISSED), code
        assert (code in missing) == (not better), code
    assert not [r for r in run_2024_03.results if r.rule == rule and r.geography.level != "place"]


def test_beacon_baselines_match_the_generator_story():
    story = generator().BEACON
    column = {"beacon_hle_female_increase": "hle_female_years", "beacon_hle_male_increase": "hle_male_years",
              "beacon_gld_reception_increase": "gld_reception_pct",
              "beacon_self_harm_15_19_reduce": "self_harm_15_19_per_100k",
              "beacon_children_workless_reduce": "children_workless_households_pct"}
    for rule, key in column.items():
        assert [RULES[rule]["targets"][code] for code in PLACES] == [base for base, _ in story[key]], rule


def test_annual_beacon_return_is_judged_only_in_march(runs_by_period):
    assert not list((SUBMISSIONS / "2023-12").glob("beacon_indicators_annual*"))
    assert not [r for r in runs_by_period["2023-12"].results if r.rule.startswith("beacon_")]


# -- mental health access ------------------------------------------------------------------

@pytest.mark.parametrize("rule, dataset, column, verdict", [
    ("cyp_mh_access_135601", "cyp_mh_access_monthly", "cyp_supported_ytd", Verdict.MET),
    ("iapt_access_72724", "iapt_access_monthly", "iapt_access_ytd", Verdict.MISSED),
])
def test_cumulative_access_counts_against_the_plan(run_2024_03, rule, dataset, column, verdict):
    total = sum(int(r[column]) for r in rows("2024-03", dataset))
    r = result(run_2024_03, rule, "QYG")
    assert r.value == total and r.target == RULES[rule]["target"]
    assert r.verdict is verdict and (total >= RULES[rule]["target"]) == (verdict is Verdict.MET)


@pytest.mark.parametrize("dataset, column", [("cyp_mh_access_monthly", "cyp_supported_ytd"),
                                             ("iapt_access_monthly", "iapt_access_ytd")])
def test_cumulative_counts_never_fall_during_the_year(dataset, column):
    periods = sorted(p.name for p in SUBMISSIONS.iterdir() if p.is_dir())
    series = [{r["org_code"]: int(r[column]) for r in rows(p, dataset)} for p in periods]
    for earlier, later in zip(series, series[1:]):
        assert all(later[code] >= earlier[code] for code in earlier)


def test_access_is_not_due_before_march(runs_by_period):
    assert result(runs_by_period["2024-02"], "iapt_access_72724", "QYG").verdict is Verdict.NOT_DUE


# -- the generator -------------------------------------------------------------------------

def test_generator_is_deterministic_and_writes_only_its_own_files(tmp_path, monkeypatch):
    module = generator()
    monkeypatch.setattr(module, "OUT", tmp_path)
    module.main()
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert written and all(p.name.startswith(MY_DATASETS) for p in written)
    for path in written:
        shipped = SUBMISSIONS / path.relative_to(tmp_path)
        assert shipped.read_bytes() == path.read_bytes(), path.name
    # milestones_plan_* is the same dataset, written by generate_milestones.py.
    shipped_mine = sorted(p.relative_to(SUBMISSIONS) for p in SUBMISSIONS.rglob("*")
                          if p.is_file() and p.name.startswith(MY_DATASETS) and not p.name.startswith("milestones_plan_"))
    assert shipped_mine == [p.relative_to(tmp_path) for p in written]


def test_batch_b_returns_are_clean(run_2024_03, runs_by_period):
    for run in list(runs_by_period.values()) + [run_2024_03]:
        for s in run.submissions:
            if s.dataset in MY_DATASETS:
                assert s.valid and not s.failures, s.file
