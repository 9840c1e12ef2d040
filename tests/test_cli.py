"""The command line as a user meets it: help, output formats, reproducibility, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO, cli


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from assure.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pandera', 'duckdb', 'ibis') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_check_help_teaches():
    code, out, _ = cli("check", "--help")
    assert code == 0 and "--fail-on" in out and "Examples" in out and "Exit codes" in out


def test_json_is_byte_identical_and_matches_its_schema(tmp_path):
    import jsonschema

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for target in (first, second):
        code, _, _ = cli("check", REPO / "fixtures/submissions/2024-03", "--project", REPO, "--out", target, "-q")
        assert code == 0
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text())
    schema = json.loads((REPO / "assure/schemas/results.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["provenance"]["inputs"] and document["results"]


def test_text_summary_lists_invalid_returns_with_locations():
    code, out, _ = cli("check", REPO / "fixtures/submissions/2024-03", "--project", REPO)
    assert code == 0
    assert "2024-03/ae_monthly_2024-03.csv:7 [org_code] DQ11" in out
    assert "ae_4hr_76" in out


def test_fail_on_invalid_exits_2_on_the_demo_month():
    code, _, _ = cli("check", REPO / "fixtures/submissions/2024-03", "--project", REPO, "--fail-on", "invalid")
    assert code == 2


def test_fail_on_missed_exits_1_on_a_clean_month_with_misses():
    code, _, _ = cli("check", REPO / "fixtures/submissions/2023-12", "--project", REPO, "--fail-on", "missed")
    assert code == 1


def test_bad_period_is_a_usage_error():
    code, _, err = cli("check", REPO / "fixtures/submissions", "--project", REPO, "--period", "March 2024")
    assert code == 4 and "YYYY-MM" in err


def test_missing_folder_is_a_usage_error():
    code, _, err = cli("check", REPO / "no/such/folder", "--project", REPO)
    assert code == 4 and "is not a folder" in err


def test_a_mistyped_option_is_a_usage_error_with_exit_4():
    code, _, err = cli("check", REPO / "fixtures/submissions", "--fail-on", "sometimes")
    assert code == 4 and "sometimes" in err
