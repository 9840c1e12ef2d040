"""Reading returns: forgiving headers, encodings, delimiters, Excel and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assure import api
from assure.inputs import normalise
from conftest import REPO

HEADER = "period,org_code,patients_told,told_within_28d\n"


def check_one(tmp_path, name: str, content: bytes):
    folder = tmp_path / "2024-03"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    run = api.check(str(folder), project_dir=str(REPO))
    return [s for s in run.submissions if s.file.endswith(name)], run


@pytest.mark.parametrize("header", ["Org Code", "org_code", " ORG_CODE ", "Org-Code"])
def test_header_matching_forgives_case_spacing_and_punctuation(tmp_path, header):
    text = f"period,{header},patients_told,told_within_28d\n2024-03,REM,100,80\n"
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", text.encode())
    assert [f.code for f in sub.failures if f.severity == "error"] == []


@given(st.text(min_size=1, max_size=20))
def test_normalise_is_idempotent_and_ignores_case(text):
    assert normalise(normalise(text)) == normalise(text)
    assert normalise(text.upper()) == normalise(text.lower()) or not text.isascii()


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
def test_encodings(tmp_path, encoding, bom):
    text = "period;org_code;place_name;diagnosed;estimated_prevalence;notes\n2024-03;E08000012;Liverpool;10;20;Don’t – £5\n"
    (sub,), _ = check_one(tmp_path, "dementia_monthly_x.csv", bom + text.encode(encoding))
    assert sub.valid and sub.rows == 1


def test_text_in_a_count_column_is_located(tmp_path):
    content = (HEADER + "2024-03,REM,100,80\n2024-03,RBL,lots,3\n").encode()
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", content)
    assert [(f.row, f.column, f.code, f.value) for f in sub.failures if f.severity == "error"] == [
        (3, "patients_told", "DQ03", "lots")]


def test_ragged_csv_is_unreadable_with_its_line(tmp_path):
    content = (HEADER + "2024-03,REM,100,80\n2024-03,RBL\n").encode()
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", content)
    assert [(f.row, f.code) for f in sub.failures] == [(3, "DQ14")]


def test_empty_file(tmp_path):
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", HEADER.encode())
    assert [f.code for f in sub.failures] == ["DQ13"]


def test_broken_excel_is_reported_not_raised(tmp_path):
    (sub,), _ = check_one(tmp_path, "bed_occupancy_monthly_x.xlsx", b"PK\x03\x04 not really a workbook")
    assert [f.code for f in sub.failures] == ["DQ14"] and not sub.valid


def test_excel_row_numbers_are_sheet_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "read me"
    sheet = book.create_sheet("Data")
    sheet.append(["period", "org_code", "ga_beds_available_adult", "ga_beds_occupied_adult"])
    sheet.append(["2024-03", "REM", 100, 90])
    sheet.append(["2024-03", "RBL", 100, -1])
    folder = tmp_path / "2024-03"
    folder.mkdir()
    book.save(folder / "bed_occupancy_monthly_x.xlsx")
    run = api.check(str(folder), project_dir=str(REPO))
    sub = next(s for s in run.submissions if s.file.endswith(".xlsx"))
    assert sub.sheet == "Data"
    assert [(f.row, f.column, f.code) for f in sub.failures if f.severity == "error"] == [(3, "ga_beds_occupied_adult", "DQ04")]


def test_file_matched_by_header_when_its_name_is_unknown(tmp_path):
    (sub,), _ = check_one(tmp_path, "march return.csv", (HEADER + "2024-03,REM,100,80\n").encode())
    assert sub.dataset == "cancer_fds_monthly"


def test_unknown_extra_column_is_a_warning(tmp_path):
    content = "period,org_code,patients_told,told_within_28d,comment\n2024-03,REM,100,80,x\n".encode()
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", content)
    assert sub.valid and [(f.code, f.severity) for f in sub.failures if f.code != "DQ12"] == [("DQ02", "warning")]


def test_unknown_org_code(tmp_path):
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", (HEADER + "2024-03,XYZ,100,80\n").encode())
    assert [(f.row, f.code) for f in sub.failures if f.severity == "error"] == [(2, "DQ10")]


def test_rule_sql_cannot_read_other_files(tmp_path, project):
    path = project / "metric_defs" / "planned_care.toml"
    path.write_text(path.read_text().replace('value = "sum(waiting_65wk_plus)"',
                                             "value = \"(SELECT count(*) FROM read_csv('/etc/passwd'))\""))
    from assure.errors import ProjectError

    with pytest.raises(ProjectError) as caught:
        api.check(str(Path(REPO) / "fixtures/submissions/2024-03"), project_dir=str(project))
    assert "PJ08" in caught.value.diagnostics[0].code


def test_a_decimal_in_a_count_column_is_not_silently_rounded(tmp_path):
    content = (HEADER + "2024-03,REM,100,80\n2024-03,RBL,3.5,3\n2024-03,RBN,12.0,3\n").encode()
    (sub,), _ = check_one(tmp_path, "cancer_fds_monthly_x.csv", content)
    assert [(f.row, f.column, f.code, f.value) for f in sub.failures if f.severity == "error"] == [
        (3, "patients_told", "DQ03", "3.5")]


def test_an_optional_column_left_out_still_lets_metrics_run(tmp_path):
    text = "period,org_code,ae_type,attendances,breaches_4hr\n2024-03,REM,1,100,20\n"
    (sub,), run = check_one(tmp_path, "ae_monthly_x.csv", text.encode())
    assert sub.valid
    assert next(r for r in run.results if r.rule == "ae_4hr_76" and r.geography.code == "REM").value == 80.0
