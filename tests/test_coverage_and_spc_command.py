"""`assure coverage` joins the register to the rules; `assure spc` reads any series."""

from __future__ import annotations

import json

from conftest import REPO, cli


def test_coverage_counts_every_register_entry_once():
    code, out, _ = cli("coverage", "--project", REPO, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["problems"] == []
    totals = doc["totals"]
    assert totals["commitments"] == totals["encoded"] + totals["to_encode"] + totals["not_testable"]
    assert len({e["id"] for e in doc["entries"]}) == totals["commitments"]
    encoded = {e["id"]: e["rules"] for e in doc["entries"] if e["status"] == "encoded"}
    assert encoded["SUM-APX1-001"] == ["ae_4hr_76"]


def test_every_not_testable_entry_has_a_reason():
    _, out, _ = cli("coverage", "--project", REPO, "--format", "json")
    missing = [e["id"] for e in json.loads(out)["entries"] if e["status"] == "not_testable" and not e["reason"].strip()]
    assert missing == []


def test_every_commitment_is_encoded_or_not_testable_with_a_reason():
    """Issue 3's promise: nothing the plan commits to is left undecided."""
    _, out, _ = cli("coverage", "--project", REPO, "--format", "json")
    doc = json.loads(out)
    assert doc["totals"]["to_encode"] == 0, [e["id"] for e in doc["entries"] if e["status"] == "to_encode"]
    numeric = [e for e in doc["entries"] if e["kind"] in ("target", "target_undated")]
    assert len(numeric) > 100 and all(e["status"] == "encoded" or e["reason"].strip() for e in numeric)


def test_a_not_testable_entry_without_a_reason_fails_coverage(project):
    (project / "register").mkdir()
    for f in (REPO / "register").glob("*.toml"):
        (project / "register" / f.name).write_text(f.read_text())
    part = project / "register" / "commitments_part1.toml"
    text = part.read_text()
    reason = 'reason = "purely qualitative: a promise of activity or intent with no measure, number or date"'
    part.write_text(text.replace(reason, 'reason = ""', 1))
    code, out, _ = cli("coverage", "--project", project)
    assert code == 1 and "JFP-0-001 is not testable but gives no reason" in out


def test_register_statements_are_quoted_from_their_first_location():
    _, out, _ = cli("coverage", "--project", REPO, "--format", "json")
    cache = {}
    wrong = []
    for e in json.loads(out)["entries"]:
        first = e["locations"][0]
        lines = cache.setdefault(first["file"], (REPO / "sources" / first["file"]).read_text().splitlines())
        if " ".join(e["statement"].split()) not in " ".join(lines[first["line"] - 1].split()):
            wrong.append(e["id"])
    assert wrong == []


def test_rule_citing_no_register_entry_fails_coverage(project):
    path = project / "rules" / "urgent_care.toml"
    path.write_text(path.read_text().replace('register = ["SUM-APX1-001"]\n', "", 1))
    (project / "register").mkdir()
    for f in (REPO / "register").glob("*.toml"):
        (project / "register" / f.name).write_text(f.read_text())
    code, out, _ = cli("coverage", "--project", project)
    assert code == 1 and "rule `ae_4hr_76` cites no register entry" in out


def series_file(tmp_path, values):
    path = tmp_path / "series.csv"
    path.write_text("period,value\n" + "".join(f"2023-{i + 1:02d},{v}\n" if i < 12 else f"2024-{i - 11:02d},{v}\n"
                                               for i, v in enumerate(values)))
    return path


def test_spc_command_flags_a_point_outside_the_limits(tmp_path):
    values = [50, 52, 51, 49, 50, 51, 50, 52, 49, 50, 51, 50, 80]
    code, out, _ = cli("spc", series_file(tmp_path, values), "--date", "period", "--value", "value",
                       "--format", "json", "--improvement", "increase")
    doc = json.loads(out)
    assert code == 0
    assert doc["points"][-1]["rules"] == ["outside_limits"]
    assert doc["points"][-1]["variation"] == "special_cause_improving"
    assert doc["series"]["variation_icon"] == "improving_high"


def test_spc_command_reports_a_bad_value_with_its_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("period,value\n2024-01,1\n2024-02,n/a\n")
    code, _, err = cli("spc", path, "--date", "period", "--value", "value")
    assert code == 4 and "s.csv:3" in err and "'n/a'" in err


def test_spc_command_rejects_an_unknown_rebase_date(tmp_path):
    code, _, err = cli("spc", series_file(tmp_path, range(14)), "--date", "period", "--value", "value",
                       "--rebase", "2030-01")
    assert code == 4 and "--rebase 2030-01" in err
