"""The plan's dated deliverables (rules/plan_milestones_*.toml): every milestone rule's
verdict in 2024-03 is the one worked out here by hand from the milestone return, its
deadline is the month its quote names, and the generator of its rows is deterministic."""

from __future__ import annotations

import calendar
import csv
import importlib.util
import re
import tomllib
from datetime import date

import pytest

import batch_checks
from assure.results import Verdict
from conftest import REPO, SUBMISSIONS, result

BATCHES = sorted(p.stem.removeprefix("plan_") for p in (REPO / "rules").glob("plan_milestones_*.toml"))
RULES = {rid: rule for b in BATCHES
         for rid, rule in tomllib.loads((REPO / "rules" / f"plan_{b}.toml").read_text("utf-8"))["rules"].items()}


def march_rows() -> dict:
    with open(SUBMISSIONS / "2024-03" / "milestones_plan_2024-03.csv", newline="", encoding="utf-8") as handle:
        return {row["milestone_id"]: row for row in csv.DictReader(handle)}


def by_hand(rule: dict, row: dict) -> Verdict:
    year, month = map(int, rule["deadline"].split("-"))
    due = date(year, month, calendar.monthrange(year, month)[1])
    if row["status"] == "delivered":
        return Verdict.MET if date.fromisoformat(row["delivered_on"]) <= due else Verdict.MISSED
    return Verdict.MISSED if rule["deadline"] <= "2024-03" else Verdict.NOT_DUE


def test_there_are_milestone_batches():
    assert BATCHES and len(RULES) > 100


def test_every_milestone_is_judged_from_its_row_as_worked_out_by_hand(run_2024_03):
    rows = march_rows()
    assert sorted(rows) == sorted(rule["milestone"] for rule in RULES.values())
    seen = set()
    for rid, rule in RULES.items():
        r = result(run_2024_03, rid, "QYG")
        assert r.verdict is by_hand(rule, rows[rule["milestone"]]), (rid, r.reason)
        seen.add(r.verdict)
        assert [x for x in run_2024_03.results if x.rule == rid] == [r]  # the ICB only
    assert seen == {Verdict.MET, Verdict.MISSED, Verdict.NOT_DUE}


def test_milestone_ids_are_unique_across_the_project():
    ids = [rule["milestone"] for p in sorted((REPO / "rules").glob("*.toml"))
           for rule in tomllib.loads(p.read_text("utf-8")).get("rules", {}).values() if rule.get("kind") == "milestone"]
    assert len(ids) == len(set(ids))


MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}


@pytest.mark.parametrize("rid", sorted(RULES))
def test_a_deadline_named_as_a_month_in_the_quote_is_that_month(rid):
    """Where the quote says 'March 2024' (or 'Mar 2024'), the deadline is 2024-03: the
    dates a committee reads are the dates judged. A quote naming several dates is
    read by the rule's rationale, and is not checked here."""
    rule = RULES[rid]
    named = {f"{year}-{MONTHS[month.lower()]:02d}" for month, year in
             re.findall(r"\b(" + "|".join(MONTHS) + r")\s+(20\d\d)\b", rule["source"]["quote"], re.I)}
    if len(named) == 1:
        assert rule["deadline"] in named, (rid, named, rule["deadline"])


@pytest.mark.parametrize("batch", BATCHES)
def test_milestone_files_lint_clean_and_cite_their_lines(batch):
    batch_checks.lints_clean(batch)
    rules = tomllib.loads((REPO / "rules" / f"plan_{batch}.toml").read_text("utf-8"))["rules"]
    batch_checks.citations_hold(batch, list(rules))


def test_generator_reproduces_the_fixtures(tmp_path):
    spec = importlib.util.spec_from_file_location("generate_milestones", REPO / "fixtures" / "generate_milestones.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first, second = module.main(tmp_path / "a"), module.main(tmp_path / "b")
    assert len(first) == 12
    for a, b in zip(first, second):
        rel = a.relative_to(tmp_path / "a")
        assert a.read_bytes() == b.read_bytes() == (SUBMISSIONS / rel).read_bytes(), f"{rel}: rerun the generator"
