"""Every fault planted in the fixtures is reported at its exact file, row and column,
and nothing else in the fixtures is reported as an error."""

from __future__ import annotations

import tomllib

import pytest

from conftest import REPO

CODE_OF_KIND = {
    "below_minimum": "DQ04", "missing_column": "DQ01", "period_mismatch": "DQ09",
    "numerator_above_denominator": "DQ08", "duplicate_key": "DQ07", "nhs_number_check_digit": "DQ17",
    "departure_before_arrival": "DQ18", "wrong_type": "DQ03", "missing_submitter": "DQ12",
    "expired_org": "DQ11", "unmatched_file": "DQ15",
}
FAULTS = tomllib.loads((REPO / "fixtures" / "planted_faults.toml").read_text())["fault"]


def everything(runs):
    found = []
    for run in runs.values():
        for s in run.submissions:
            found += s.failures
        found += run.unmatched
    return found


@pytest.mark.parametrize("fault", FAULTS, ids=[f"{f['kind']}:{f['file']}" for f in FAULTS])
def test_planted_fault_is_found_where_it_was_planted(runs_by_period, fault):
    found = [(f.file, f.row, f.column, f.code) for f in everything(runs_by_period)]
    expected_file = fault["file"]
    if fault["kind"] == "missing_submitter":
        assert (expected_file, 0, fault["column"], "DQ12") in found
        failure = next(f for f in everything(runs_by_period) if f.code == "DQ12" and f.file == expected_file)
        assert fault["value"] in failure.value
    else:
        assert (expected_file, fault["row"], fault["column"], CODE_OF_KIND[fault["kind"]]) in found
        failure = next(f for f in everything(runs_by_period)
                       if (f.file, f.row, f.code) == (expected_file, fault["row"], CODE_OF_KIND[fault["kind"]]))
        assert failure.value == fault["value"]


def test_no_errors_beyond_the_planted_faults(runs_by_period):
    planted_files = {f["file"] for f in FAULTS}
    stray = [f for f in everything(runs_by_period) if f.severity == "error" and f.file not in planted_files]
    assert stray == []


def test_expired_code_message_says_when_it_closed_and_what_replaced_it(run_2024_03):
    failure = next(f for s in run_2024_03.submissions for f in s.failures if f.code == "DQ11")
    assert "closed on 2023-06-30" in failure.message and "RBN" in failure.message


def test_misspelt_header_is_named_in_the_message(runs_by_period):
    failure = next(f for s in runs_by_period["2023-11"].submissions for f in s.failures if f.code == "DQ01")
    assert "total_waitng" in failure.message


def test_every_row_of_a_mismatched_period_is_reported(runs_by_period):
    rows = [f.row for s in runs_by_period["2024-01"].submissions for f in s.failures if f.code == "DQ09"]
    assert rows == list(range(2, 11))
