"""Direction batch A (rules/plan_directions_a.toml): for every rule on the batch's own
returns, the baseline value and the 2024-03 value of every geography in scope are worked
out here by hand from the fixture CSVs with the csv module, independently of DuckDB; the
engine's value, its target (the measured or stated baseline) and its verdict must agree.
Rules on metrics reused from other batches are checked by hand for a few geographies.

Also: fixtures/generate_directions_a.py is deterministic and writes only its own files,
and the batch's rules and metric definitions lint clean with their citations holding."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict

import pytest

from assure.results import Verdict
from conftest import REPO, result
import batch_checks
from batch_checks import key as _key, rows, num

ICB = "QYG"
PERIOD = "2024-03"
BATCH = "directions_a"
RULES = tomllib.loads((REPO / "rules" / f"plan_{BATCH}.toml").read_text("utf-8"))["rules"]
METRICS = tomllib.loads((REPO / "metric_defs" / f"plan_{BATCH}.toml").read_text("utf-8"))["metrics"]
DATASETS = ("outcome_indicators_quarterly_directions_a", "programme_tracker_directions_a",
            "dm01_modality_monthly")  # rtt_functions_monthly, which the batch also reads, is directions B's
OWN_FILES = {"outcome_indicators_quarterly": "outcome_indicators_quarterly_directions_a",
             "programme_tracker": "programme_tracker_directions_a",
             "dm01_modality_monthly": "dm01_modality_monthly", "rtt_functions_monthly": "rtt_functions_monthly",
             "op_followups_monthly": "op_followups_monthly"}
SCALE = {"percent": 100.0, "per_100k": 100000.0, "per_1000": 1000.0}
BASELINE = {"outcome_indicators_quarterly": "2023-06"}


# -- by hand -------------------------------------------------------------------------------


PLACE_OF = batch_checks.host_place(places_host_themselves=True)


def parse(metric: dict):
    """(filter column, allowed keys) from the metric's FILTER, and its shape."""
    sql = metric.get("numerator") or metric["value"]
    col, keys = None, None
    m = re.search(r"WHERE (\w+) (?:= '([^']+)'|IN \(([^)]*)\))", sql)
    if m:
        col = m.group(1)
        keys = {m.group(2)} if m.group(2) else set(re.findall(r"'([^']+)'", m.group(3)))
    shape = "ratio" if "numerator" in metric else ("none" if metric.get("rollup") == "none" else "sum")
    return col, keys, shape


def per_org(metric: dict, period: str) -> dict:
    """org -> (numerator, denominator) for the metric, by hand."""
    ds = metric["dataset"]
    col, keys, shape = parse(metric)
    out = defaultdict(lambda: [None, None])
    for r in rows(OWN_FILES[ds], period):
        if col and r[_key(col)] not in keys:
            continue
        if ds == "outcome_indicators_quarterly":
            n, d = (num(r["numerator"]), num(r["denominator"])) if shape == "ratio" else (num(r["value"]), None)
        elif ds == "programme_tracker":
            n, d = num(r["value"]), num(r["denominator"])
        elif ds == "dm01_modality_monthly":
            n, d = ((num(r["activitycdc"]), num(r["activity"])) if shape == "ratio" else (num(r["waiting6wkplus"]), None))
        elif ds == "rtt_functions_monthly":
            n, d = ((num(r["within18wk"]), num(r["totalincomplete"])) if shape == "ratio" else (num(r["totalincomplete"]), None))
        else:  # op_followups_monthly
            n, d = num(r["followupsall"]), None
        o = out[r["orgcode"]]
        o[0] = n if o[0] is None else o[0] + n
        if d is not None:
            o[1] = d if o[1] is None else o[1] + d
    return out


def members(code: str, level: str, orgs) -> list[str]:
    if level == "icb":
        return list(orgs)
    if level == "place":
        return [o for o in orgs if PLACE_OF.get(o) == code]
    return [o for o in orgs if o == code]


def value_of(metric: dict, by_org: dict, code: str, level: str) -> float | None:
    _, _, shape = parse(metric)
    parts = members(code, level, by_org)
    if shape == "none" and len(parts) != 1:
        return None
    ns = [by_org[o][0] for o in parts if by_org[o][0] is not None]
    if not ns:
        return None
    if shape == "ratio":
        den = sum(by_org[o][1] for o in parts if by_org[o][1] is not None)
        return sum(ns) / den * SCALE.get(metric["unit"], 1.0) if den else None
    return sum(ns)


def expected(rule: dict, value: float, target: float) -> Verdict:
    if rule.get("deadline") and PERIOD < rule["deadline"]:
        return Verdict.NOT_DUE
    if rule.get("kind") == "direction":
        if "by" in rule:
            return Verdict.MET if (value >= target if rule["direction"] == "increase" else value <= target) else Verdict.MISSED
        return Verdict.MET if (value > target if rule["direction"] == "increase" else value < target) else Verdict.MISSED
    ok = value >= target if rule["comparator"] == ">=" else value > target
    return Verdict.MET if ok else Verdict.MISSED


OWN_RULES = sorted(rid for rid, r in RULES.items() if r["metric"] in METRICS)


@pytest.mark.parametrize("rid", OWN_RULES)
def test_own_rule_by_hand(run_2024_03, rid):
    rule = RULES[rid]
    metric = METRICS[rule["metric"]]
    base = rule.get("baseline", {})
    now = per_org(metric, PERIOD)
    then = per_org(metric, base["period"]) if base and "value" not in base else None
    results = [r for r in run_2024_03.results if r.rule == rid]
    assert results, rid
    assert {r.geography.level for r in results} <= set(rule["scope"])
    if rule.get("orgs"):
        assert {r.geography.code for r in results} <= set(rule["orgs"])
    verdicts = set()
    for r in results:
        code, level = r.geography.code, r.geography.level
        value = value_of(metric, now, code, level)
        assert value is not None, (rid, code)
        assert r.value == pytest.approx(value, rel=1e-9, abs=1e-6), (rid, code)
        if rule.get("kind") != "direction":
            target = rule["target"]
        elif "value" in base:
            target = base["value"]
        else:
            target = round(value_of(metric, then, code, level), 6)
        if r.verdict is not Verdict.NOT_DUE or rule.get("deadline"):
            assert r.target == pytest.approx(target, rel=1e-9, abs=1e-6), (rid, code)
        assert r.verdict is expected(rule, value, target), (rid, code, r.reason)
        verdicts.add(r.verdict)
    if not rule.get("deadline") or rule["deadline"] <= PERIOD:
        assert verdicts <= {Verdict.MET, Verdict.MISSED}, (rid, verdicts)


def test_verdicts_vary_across_geographies(run_2024_03):
    """Place- and trust-level rules on the batch's own returns have both met and missed
    geographies in March 2024 (the fixture story)."""
    mixed = 0
    for rid in OWN_RULES:
        got = {r.verdict for r in run_2024_03.results if r.rule == rid}
        mixed += got >= {Verdict.MET, Verdict.MISSED}
    assert mixed >= 60


def test_stated_baselines(run_2024_03):
    r = result(run_2024_03, "da_social_value_award_increase", ICB)
    assert r.target == 63.0 and r.value == 74.0 and r.verdict is Verdict.MET
    by_place = {r.geography.code: r for r in run_2024_03.results if r.rule == "da_alcohol_above_guidelines_reduces"}
    assert all(r.target == 26.5 for r in by_place.values())
    assert {r.verdict for r in by_place.values()} == {Verdict.MET, Verdict.MISSED}


# -- reused metrics, by hand for a few geographies -------------------------------------------

def _ratio(data, num_col, den_col, orgs):
    sel = [r for r in data if r["orgcode"] in orgs]
    return sum(float(r[num_col]) for r in sel) / sum(float(r[den_col]) for r in sel) * 100


def test_dementia_improves_on_april_2023(run_2024_03):
    for place in ("E08000012", "E06000049"):
        base = round(_ratio(rows("dementia_monthly", "2023-04"), "diagnosed", "estimatedprevalence", {place}), 6)
        now = _ratio(rows("dementia_monthly", PERIOD), "diagnosed", "estimatedprevalence", {place})
        r = result(run_2024_03, "da_dementia_diagnosis_improves", place)
        assert r.value == pytest.approx(now) and r.target == pytest.approx(base)
        assert r.verdict is (Verdict.MET if now > base else Verdict.MISSED)


def test_smi_checks_improve_on_april_2023(run_2024_03):
    for place in ("E08000015", "E06000006"):
        base = round(_ratio(rows("smi_health_checks_monthly", "2023-04"), "smifullchecks12m", "smiregister", {place}), 6)
        now = _ratio(rows("smi_health_checks_monthly", PERIOD), "smifullchecks12m", "smiregister", {place})
        r = result(run_2024_03, "da_smi_checks_increase", place)
        assert r.value == pytest.approx(now) and r.target == pytest.approx(base)
        assert r.verdict is (Verdict.MET if now > base else Verdict.MISSED)


def test_dm01_waits_improve_by_march_2024(run_2024_03):
    def within(data, orgs):
        sel = [r for r in data if r["orgcode"] in orgs]
        return sum(int(r["totalwaiting"]) - int(r["waiting6wkplus"]) for r in sel) / sum(int(r["totalwaiting"]) for r in sel) * 100
    for org in ("REM", "RBL"):
        base = round(within(rows("diagnostics_dm01_monthly", "2023-04"), {org}), 6)
        now = within(rows("diagnostics_dm01_monthly", PERIOD), {org})
        r = result(run_2024_03, "da_dm01_waits_improve", org)
        assert r.value == pytest.approx(now) and r.target == pytest.approx(base)
        assert r.verdict is (Verdict.MET if now > base else Verdict.MISSED)


def test_rtt_65wk_reduces_against_april_2023(run_2024_03):
    for org in ("REM", "RBN"):
        base = sum(int(r["waiting65wkplus"]) for r in rows("rtt_long_waits_monthly", "2023-04") if r["orgcode"] == org)
        now = sum(int(r["waiting65wkplus"]) for r in rows("rtt_long_waits_monthly", PERIOD) if r["orgcode"] == org)
        r = result(run_2024_03, "da_rtt_65wk_reduces", org)
        assert r.value == now and r.target == base
        assert r.verdict is (Verdict.MET if now < base else Verdict.MISSED)


def test_smoking_prevalence_against_stated_12_5(run_2024_03):
    data = rows("smoking_prevalence_annual", PERIOD)
    for place in ("E08000011", "E06000007"):
        now = _ratio(data, "weightedsmokers", "weightedadults", {place})
        r = result(run_2024_03, "da_smoking_prevalence_reduces", place)
        assert r.value == pytest.approx(now) and r.target == 12.5
        assert r.verdict is (Verdict.MET if now < 12.5 else Verdict.MISSED)
    got = {r.verdict for r in run_2024_03.results if r.rule == "da_smoking_prevalence_reduces"}
    assert got == {Verdict.MET, Verdict.MISSED}


def test_annual_measures_are_not_due_in_their_baseline_year(run_2024_03):
    for rid in ("da_hle_female_increase", "da_hle_male_increase", "da_cyp_t2_checks_increase"):
        got = {r.verdict for r in run_2024_03.results if r.rule == rid}
        assert got <= {Verdict.NOT_DUE, Verdict.NO_DATA}, rid


def test_other_reused_measures_are_judged_against_a_measured_baseline(run_2024_03):
    """Metrics of other batches (D, E, F, directions B, the shipped set): where their returns exist, the engine's verdict
    follows from its own value and target (their numbers are checked in their own tests)."""
    reused = [rid for rid, r in RULES.items() if r["metric"] not in METRICS and "value" not in r.get("baseline", {})
              and r["baseline"]["period"] < PERIOD and not r.get("deadline", "") > PERIOD]
    assert len(reused) >= 15
    for rid in sorted(reused):
        results = [r for r in run_2024_03.results if r.rule == rid]
        judged = [r for r in results if r.verdict in (Verdict.MET, Verdict.MISSED)]
        assert judged, f"{rid}: the reused return is not in the fixtures"
        for r in judged:
            up = RULES[rid]["direction"] == "increase"
            if abs(r.value - r.target) < 1e-5:  # within the six-decimal rounding of the baseline
                continue
            assert r.verdict is (Verdict.MET if (r.value > r.target if up else r.value < r.target) else Verdict.MISSED)


# -- the batch's own checks ---------------------------------------------------------------------

def test_generator_reproduces_fixtures(tmp_path):
    batch_checks.generator_reproduces_fixtures(BATCH, DATASETS, tmp_path, 12 + 4 + 12)


def test_lints_clean():
    batch_checks.lints_clean(BATCH)


def test_citations_hold():
    batch_checks.citations_hold(BATCH, sorted(RULES))
