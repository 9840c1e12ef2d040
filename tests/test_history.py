"""The history database: what a run records, versions of resubmitted returns, and that
a killed or concurrent run never damages it."""

from __future__ import annotations

import dataclasses
import os
import pickle
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assure import db, history
from assure.errors import AssureError, ExitCode
from assure.results import Provenance, Run, Submission, Verdict

REPO = Path(__file__).resolve().parent.parent
MARCH = REPO / "fixtures" / "submissions" / "2024-03"
T1, T2, T3 = "2024-04-05T09:00:00Z", "2024-04-12T09:00:00Z", "2024-04-19T09:00:00Z"


@pytest.fixture(scope="session")
def run_a():
    from assure import api

    return api.check(str(MARCH), project_dir=str(REPO))


@pytest.fixture(scope="session")
def run_b(tmp_path_factory):
    """The same month with one value of the A&E return changed, as a resubmission would be."""
    from assure import api

    root = tmp_path_factory.mktemp("resubmitted")
    shutil.copytree(MARCH, root / "2024-03")
    csv = root / "2024-03" / "ae_monthly_2024-03.csv"
    text = csv.read_text()
    assert "2024-03,REM,1,17742,6310,5416" in text
    csv.write_text(text.replace("2024-03,REM,1,17742,6310,5416", "2024-03,REM,1,17742,99999,5416"))
    return api.check(str(root / "2024-03"), project_dir=str(REPO))


def dump(path) -> dict:
    """Every table of the file, every row, in a stable order."""
    con = db.connect(str(path))
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
    finally:
        con.close()


def _sub(run: Run, dataset: str) -> Submission:
    return next(s for s in run.submissions if s.dataset == dataset)


# ---------------------------------------------------------------- what is recorded


def test_a_run_reads_back_whole(tmp_path, run_a):
    path = tmp_path / "h.duckdb"
    history.record(str(path), run_a, recorded_at=T1)

    [info] = history.runs(str(path))
    p = run_a.provenance
    assert (info.run_id, info.period, info.engine_version, info.rules_version, info.project) == (
        p.run_id, p.period, p.engine_version, p.rules_version, p.project)
    assert info.recorded_at == "2024-04-05T09:00:00.000000Z"
    assert info.results == len(run_a.results) == len(dump(path)["results"])
    assert info.submissions == len(run_a.submissions)
    assert info.invalid_submissions == sum(not s.valid for s in run_a.submissions)

    listed = history.returns(str(path))
    assert sorted((r.file, r.sha256, r.valid, r.failure_count, r.version) for r in listed) == sorted(
        (s.file, s.sha256, s.valid, s.failure_count, 1) for s in run_a.submissions)
    assert {r.period for r in listed} == {"2024-03"}
    assert history.returns(str(path), period="2024-02") == []

    # Everything recorded comes back equal: provenance, returns with every failure,
    # results with SPC, escalation, series and contributions, unmatched files.
    assert history.load_run(str(path), p.run_id[:8]) == run_a


STORED = {
    "Run": {"provenance", "submissions", "results", "unmatched", "notes"},
    "Provenance": {"engine_version", "rules_version", "project", "period", "inputs", "run_id"},
    "Submission": {"file", "dataset", "period", "sha256", "rows", "failures", "failure_count", "sheet"},
    "Failure": {"file", "row", "column", "value", "code", "message", "severity", "org"},
    "Result": {"rule", "metric", "geography", "period", "value", "numerator", "denominator", "target",
               "target_kind", "verdict", "reason", "caveats", "escalation", "spc", "series", "contributions",
               "verdicts", "rule_path", "rule_line"},
    "Geography": {"level", "code", "name"},
    "Escalation": {"level", "reasons"},
    "SpcSummary": {"variation", "assurance", "points", "mean", "lpl", "upl", "rules", "warning"},
}


@pytest.mark.parametrize("name", sorted(STORED))
def test_history_stores_every_field_of_a_run(name):
    """A field added to a run's values needs a column in assure/history.py (and a line here)."""
    from assure import results

    fields = {f.name for f in dataclasses.fields(getattr(results, name))}
    assert fields == STORED[name], f"assure/history.py does not store {name}.{sorted(fields - STORED[name])}"


def test_recording_the_same_run_again_changes_nothing(tmp_path, run_a):
    path = tmp_path / "h.duckdb"
    history.record(str(path), run_a, recorded_at=T1)
    first = dump(path)
    history.record(str(path), run_a, recorded_at=T1)
    assert dump(path) == first

    history.record(str(path), run_a)   # now: only the times move
    [info] = history.runs(str(path))
    assert info.recorded_at > T1
    again = dump(path)
    assert {t: len(rows) for t, rows in again.items()} == {t: len(rows) for t, rows in first.items()}
    assert again["results"] == first["results"] and again["failures"] == first["failures"]


def test_a_resubmitted_return_is_a_new_version_and_the_old_one_stays(tmp_path, run_a, run_b):
    path = str(tmp_path / "h.duckdb")
    history.record(path, run_a, recorded_at=T1)
    history.record(path, run_b, recorded_at=T2)
    old, new = _sub(run_a, "ae_monthly"), _sub(run_b, "ae_monthly")
    assert old.file == new.file and old.sha256 != new.sha256

    v1, v2 = history.versions(path, "ae_monthly", "2024-03")
    assert (v1.version, v1.sha256, v1.first_seen_run, v1.latest) == (1, old.sha256, run_a.provenance.run_id, False)
    assert (v2.version, v2.sha256, v2.first_seen_run, v2.latest) == (2, new.sha256, run_b.provenance.run_id, True)
    assert v2.failure_count == old.failure_count + 1

    listed = history.returns(path, period="2024-03")
    assert len(listed) == len(run_a.submissions) + 1       # every other return is unchanged: still version 1
    assert {(r.file, r.version) for r in listed if r.dataset != "ae_monthly"} == {
        (s.file, 1) for s in run_a.submissions if s.dataset != "ae_monthly"}
    unchanged = next(r for r in listed if r.dataset == "ambulance_monthly")
    assert (unchanged.first_seen_run, unchanged.last_seen_run) == (run_a.provenance.run_id, run_b.provenance.run_id)

    change = history.compare(path, old.sha256[:10], new.sha256)
    assert change.removed == ()
    [added] = change.added
    assert (added.row, added.column, added.value, added.code) == (2, "breaches_4hr", "99999", "DQ08")
    assert change.unchanged == len(old.failures)

    # The old content sent again is the old version, not a third one.
    history.record(path, run_a, recorded_at=T3)
    assert [(v.version, v.sha256) for v in history.versions(path, "ae_monthly", "2024-03")] == [
        (1, old.sha256), (2, new.sha256)]
    assert history.latest_valid(path, "ae_monthly", "2024-03") is None   # neither version is fit to use
    assert history.latest_valid(path, "ambulance_monthly", "2024-03").version == 1
    assert len(history.runs(path)) == 2


def test_series_takes_each_period_from_its_latest_run(tmp_path, run_a, run_b):
    path = str(tmp_path / "h.duckdb")
    history.record(path, run_a, recorded_at=T1)
    earlier = _as_period(run_a, "2024-02", "earlier-run")
    history.record(path, earlier, recorded_at=T1)
    history.record(path, run_b, recorded_at=T2)

    points = history.series(path, "ae_4hr_76", "QYG")
    assert [(p.period, p.run_id) for p in points] == [("2024-02", "earlier-run"),
                                                      ("2024-03", run_b.provenance.run_id)]
    b = next(r for r in run_b.results if r.rule == "ae_4hr_76" and r.geography.code == "QYG")
    period, value, verdict, run_id = points[1][:4]
    assert (period, value, verdict, run_id) == ("2024-03", b.value, b.verdict.value, run_b.provenance.run_id)
    assert history.series(path, "ae_4hr_76", "NOWHERE") == []
    assert ("icb", "QYG", b.geography.name) in history.geographies(path, "ae_4hr_76")


def test_series_can_prefer_a_valid_result(tmp_path, run_a):
    path = str(tmp_path / "h.duckdb")
    good = _with_verdict(run_a, "good", Verdict.MET)
    bad = _with_verdict(run_a, "bad", Verdict.INVALID_DATA)
    history.record(path, good, recorded_at=T1)
    history.record(path, bad, recorded_at=T2)
    assert [p.verdict for p in history.series(path, "ae_4hr_76", "QYG")] == ["invalid_data"]
    assert [p.run_id for p in history.series(path, "ae_4hr_76", "QYG", prefer_valid=True)] == ["good"]


def _as_period(run: Run, period: str, run_id: str) -> Run:
    provenance = dataclasses.replace(run.provenance, period=period, run_id=run_id)
    return dataclasses.replace(
        run, provenance=provenance,
        submissions=tuple(dataclasses.replace(s, period=period, file=s.file.replace("2024-03", period))
                          for s in run.submissions),
        results=tuple(dataclasses.replace(r, period=period) for r in run.results))


def _with_verdict(run: Run, run_id: str, verdict: Verdict) -> Run:
    return dataclasses.replace(run, provenance=dataclasses.replace(run.provenance, run_id=run_id),
                               results=tuple(dataclasses.replace(r, verdict=verdict) for r in run.results))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.sampled_from("xyz"), st.sampled_from("abcd")), max_size=3,
                         unique_by=lambda t: t[0]), min_size=1, max_size=4))
def test_versions_number_each_new_content_in_the_order_first_seen(sends):
    """Each send is a run holding some files (name, content); a version is a content first
    seen under that name, numbered from 1."""
    expected: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "h.duckdb")
        for i, send in enumerate(sends):
            subs = tuple(Submission(f"2024-03/{name}.csv", "ds", "2024-03", content * 64, 1, (), 0)
                         for name, content in send)
            provenance = Provenance("0", "r", "p", "2024-03", tuple((s.file, s.sha256) for s in subs), f"run{i}")
            history.record(path, Run(provenance, subs, ()), recorded_at=f"2024-04-{i + 1:02d}T00:00:00Z")
            for name, content in send:
                seen = expected.setdefault(f"2024-03/{name}.csv", [])
                if content * 64 not in seen:
                    seen.append(content * 64)
        got: dict[str, list[str]] = {}
        for v in history.versions(path, "ds", "2024-03"):
            got.setdefault(v.file, []).append(v.sha256)
            assert v.version == len(got[v.file])
        assert got == expected


# ---------------------------------------------------------------- killed runs leave no trace

CHILD = textwrap.dedent("""
    import pickle, sys, time
    from assure import history

    path, run_file, pause_at, recorded_at = sys.argv[1:5]

    def pause():
        print("paused", flush=True)
        time.sleep(120)

    if pause_at == "before-commit":       # every row written, COMMIT not yet run
        write = history._write
        def _write(con, run, when):
            write(con, run, when)
            pause()
        history._write = _write
    else:                                 # part-way: after the results table's rows
        insert = history._insert
        def _insert(con, table, rows, *args):
            insert(con, table, rows, *args)
            if table == pause_at:
                pause()
        history._insert = _insert

    with open(run_file, "rb") as handle:
        run = pickle.load(handle)
    history.record(path, run, recorded_at=recorded_at)
    print("finished", flush=True)
""")


def _spawn(tmp_path, script: str, *args) -> subprocess.Popen:
    child = tmp_path / "child.py"
    child.write_text(script)
    return subprocess.Popen([sys.executable, str(child), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO))


def _wait_for(proc: subprocess.Popen, word: str, timeout: float = 60) -> None:
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            line = proc.stdout.readline()
            if line.strip() == word:
                return
            if not line:
                break
    proc.kill()
    raise AssertionError(f"the child never said {word!r}: {proc.stderr.read()}")


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("pause_at, which", [
    ("before-commit", "new run"),
    ("results", "new run"),
    ("failures", "new run"),
    ("before-commit", "same run again"),
])
def test_a_run_killed_mid_write_leaves_the_history_as_it_was(tmp_path, run_a, run_b, pause_at, which):
    path = tmp_path / "h.duckdb"
    history.record(str(path), run_a, recorded_at=T1)
    before = dump(path)
    pickled = tmp_path / "run.pickle"
    pickled.write_bytes(pickle.dumps(run_b if which == "new run" else run_a))

    child = _spawn(tmp_path, CHILD, path, pickled, pause_at, T2)
    try:
        _wait_for(child, "paused")
    finally:
        _kill(child)

    assert dump(path) == before
    assert [r.run_id for r in history.runs(str(path))] == [run_a.provenance.run_id]
    assert history.load_run(str(path), run_a.provenance.run_id) == run_a
    # And the file still takes the next run.
    history.record(str(path), run_b, recorded_at=T3)
    assert len(history.runs(str(path))) == 2


def test_a_first_run_killed_mid_write_leaves_no_history(tmp_path, run_a):
    path = tmp_path / "h.duckdb"
    pickled = tmp_path / "run.pickle"
    pickled.write_bytes(pickle.dumps(run_a))
    child = _spawn(tmp_path, CHILD, path, pickled, "before-commit", T1)
    try:
        _wait_for(child, "paused")
    finally:
        _kill(child)
    assert history.runs(str(path)) == [] and history.returns(str(path)) == []
    assert all(rows == [] for rows in dump(path).values())
    history.record(str(path), run_a, recorded_at=T1)
    assert len(history.runs(str(path))) == 1


def test_an_unkilled_child_finishes(tmp_path, run_a):
    """The kill tests' child really records when left alone (so a pause is what they test)."""
    path = tmp_path / "h.duckdb"
    pickled = tmp_path / "run.pickle"
    pickled.write_bytes(pickle.dumps(run_a))
    child = _spawn(tmp_path, CHILD, path, pickled, "no-such-table", T1)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.strip() == "finished"
    assert history.load_run(str(path), run_a.provenance.run_id) == run_a


# ---------------------------------------------------------------- two runs at once

HOLDER = textwrap.dedent("""
    import sys, time
    from assure import db

    path, seconds = sys.argv[1], float(sys.argv[2])
    con = db.connect(path)
    con.execute("BEGIN TRANSACTION")
    con.execute("CREATE TABLE IF NOT EXISTS scratch (x INTEGER)")
    print("holding", flush=True)
    time.sleep(seconds)
    con.execute("ROLLBACK")
    con.close()
""")


def test_a_second_run_fails_clearly_while_the_first_holds_the_file(tmp_path, run_a, run_b):
    path = tmp_path / "h.duckdb"
    history.record(str(path), run_a, recorded_at=T1)
    before = dump(path)
    holder = _spawn(tmp_path, HOLDER, path, 120)
    try:
        _wait_for(holder, "holding")
        started = time.monotonic()
        with pytest.raises(history.HistoryBusy) as caught:
            history.record(str(path), run_b, recorded_at=T2, wait=1)
        assert time.monotonic() - started >= 1
        with pytest.raises(history.HistoryBusy):
            history.runs(str(path), wait=0)
    finally:
        _kill(holder)
    error = caught.value
    assert isinstance(error, AssureError) and error.exit_code == ExitCode.USAGE == 4
    assert str(path) in error.message and "in use by another assure run" in error.message
    assert f"PID {holder.pid}" in error.message and error.pid == holder.pid
    assert "--no-history" in error.hint
    assert dump(path) == before


def test_a_second_run_waits_for_the_first(tmp_path, run_a, run_b):
    path = tmp_path / "h.duckdb"
    history.record(str(path), run_a, recorded_at=T1)
    holder = _spawn(tmp_path, HOLDER, path, 1.5)
    try:
        _wait_for(holder, "holding")
        history.record(str(path), run_b, recorded_at=T2, wait=60)
    finally:
        holder.wait(timeout=60)
    assert holder.returncode == 0, holder.stderr.read()
    assert len(history.runs(str(path))) == 2


# ---------------------------------------------------------------- files that are not a history


def test_a_file_that_is_not_duckdb_is_reported_and_left_alone(tmp_path, run_a):
    path = tmp_path / "h.duckdb"
    garbage = b"this is not a database\n" * 500
    path.write_bytes(garbage)
    with pytest.raises(AssureError) as caught:
        history.record(str(path), run_a)
    assert str(path) in caught.value.message and "not an assure history" in caught.value.message
    with pytest.raises(AssureError):
        history.runs(str(path))
    assert path.read_bytes() == garbage
    assert not Path(str(path) + ".wal").exists()


def test_an_empty_file_is_not_taken_for_a_history(tmp_path, run_a):
    path = tmp_path / "h.duckdb"
    path.write_bytes(b"")
    with pytest.raises(AssureError):
        history.record(str(path), run_a)
    assert path.read_bytes() == b""


def test_another_duckdb_database_is_reported_and_left_alone(tmp_path, run_a):
    path = tmp_path / "other.duckdb"
    con = db.connect(str(path))
    con.execute("CREATE TABLE patients (id INTEGER)")
    con.execute("INSERT INTO patients VALUES (1), (2)")
    con.close()
    before = dump(path)
    with pytest.raises(AssureError) as caught:
        history.record(str(path), run_a)
    assert "not an assure history" in caught.value.message
    assert dump(path) == before


def test_a_folder_at_the_path_is_reported(tmp_path, run_a):
    with pytest.raises(AssureError) as caught:
        history.record(str(tmp_path), run_a)
    assert "is a folder" in caught.value.message


def test_a_newer_schema_is_refused(tmp_path, run_a):
    path = tmp_path / "h.duckdb"
    history.record(str(path), run_a, recorded_at=T1)
    con = db.connect(str(path))
    con.execute("UPDATE schema_version SET version = 99")
    con.close()
    before = dump(path)
    with pytest.raises(AssureError) as caught:
        history.record(str(path), run_a)
    assert "newer assure" in caught.value.message
    assert dump(path) == before


def test_reading_a_missing_history_creates_nothing(tmp_path):
    path = tmp_path / "nothing" / "h.duckdb"
    assert history.runs(str(path)) == []
    assert history.returns(str(path)) == []
    assert history.series(str(path), "ae_4hr_76", "QYG") == []
    assert not path.parent.exists()
    with pytest.raises(AssureError):
        history.compare(str(path), "abc", "def")


def test_unknown_hashes_and_run_ids_are_clear_errors(tmp_path, run_a):
    path = str(tmp_path / "h.duckdb")
    history.record(path, run_a, recorded_at=T1)
    with pytest.raises(AssureError, match="no return hash starting 'ffff'"):
        history.compare(path, "ffff", "eeee")
    with pytest.raises(AssureError, match="no run id starting"):
        history.load_run(path, "zzzz")
    with pytest.raises(AssureError, match="ISO 8601"):
        history.record(path, run_a, recorded_at="last Tuesday")


def test_the_record_creates_missing_folders(tmp_path, run_a):
    path = tmp_path / ".assure" / "deep" / "h.duckdb"
    history.record(str(path), run_a)
    assert len(history.runs(str(path))) == 1


# ---------------------------------------------------------------- configuration


def test_default_path_follows_assure_toml(project, monkeypatch):
    monkeypatch.delenv("ASSURE_HISTORY", raising=False)
    assert history.default_path(str(project)) == str(project / ".assure" / "history.duckdb")
    config = project / "assure.toml"
    config.write_text(config.read_text().replace('history = ".assure/history.duckdb"',
                                                 'history = "data/runs.duckdb"'))
    assert history.default_path(str(project)) == str(project / "data" / "runs.duckdb")


def test_table_lines_up_columns():
    text = history.table(("name", "n"), [("a", 1), ("bbb", 22), ("c", None)])
    assert text.splitlines() == ["name   n", "a      1", "bbb   22", "c      -"]


def test_the_environment_overrides_the_project(project, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSURE_HISTORY", str(tmp_path / "ci.duckdb"))
    assert history.default_path(str(project)) == str(tmp_path / "ci.duckdb")


def test_a_month_checked_alone_takes_its_earlier_months_from_the_history(tmp_path):
    """Checking March alone after the year was recorded gives the same series, SPC and
    escalation as checking the whole year's folders."""
    from assure import api
    from assure.history import record

    root = str(REPO / "fixtures" / "submissions")
    store = str(tmp_path / "h.duckdb")
    for month in ("2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09", "2023-10", "2023-11",
                  "2023-12", "2024-01", "2024-02"):
        record(store, api.check(f"{root}/{month}", project_dir=str(REPO)), recorded_at="2024-04-01T00:00:00")
    alone = api.check(f"{root}/2024-03", project_dir=str(REPO), history=store)
    whole = api.check(root, project_dir=str(REPO), period="2024-03")
    pick = lambda run: {(r.rule, r.geography.code): (r.series, r.spc, r.escalation) for r in run.results}  # noqa: E731
    assert pick(alone)[("ae_4hr_76", "RBT")] == pick(whole)[("ae_4hr_76", "RBT")]
    assert len(pick(alone)[("cancer_fds_75", "QYG")][0]) == 12
