"""`assure explain` reproduces a result's numbers exactly, and its SQL runs on its own."""

from __future__ import annotations

import json

import duckdb
import pytest

from conftest import REPO, cli, result

SUBS = REPO / "fixtures" / "submissions"


@pytest.mark.parametrize("rule, geography", [("ae_4hr_76", "E06000049"), ("cancer_fds_75", "QYG"),
                                             ("amb_cat2_nwas_33", "RX7")])
def test_explain_matches_the_check_result_and_its_sql_reproduces_it(run_2024_03, rule, geography):
    code, out, _ = cli("explain", rule, "--period", "2024-03", "--geography", geography,
                       "--submissions", SUBS, "--project", REPO, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    checked = result(run_2024_03, rule, geography)
    assert (doc["numerator"], doc["denominator"], doc["value"], doc["verdict"]) == (
        checked.numerator, checked.denominator, checked.value, checked.verdict.value)
    rows = dict((org, (num, den)) for org, num, den in duckdb.connect().execute(doc["sql"]).fetchall())
    contributors = [c["org"] for c in doc["contributions"]]
    assert sum(rows[o][0] for o in contributors) == pytest.approx(doc["numerator"])
    if doc["denominator"] is not None:
        assert sum(rows[o][1] for o in contributors) == pytest.approx(doc["denominator"])


def test_explain_markdown_is_ready_for_a_committee_paper():
    code, out, _ = cli("explain", "ae_4hr_76", "--geography", "RBT", "--submissions", SUBS / "2024-03",
                       "--project", REPO, "--format", "markdown")
    assert code == 0
    assert out.startswith("# ae_4hr_76") and "```sql" in out and "000_0a303dff798ab43a.txt line 672" in out


def test_explain_a_code_prints_its_documentation():
    code, out, _ = cli("explain", "DQ11")
    assert code == 0 and "What it checks" in out and "Use instead" in out


def test_unknown_rule_suggests_the_nearest():
    code, _, err = cli("explain", "ae_4hr_67", "--project", REPO)
    assert code == 4 and "did you mean `ae_4hr_76`?" in err
