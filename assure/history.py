"""The history database: every checked run, every return as submitted, every result.

One embedded DuckDB file (by default `.assure/history.duckdb` in the rules project;
`[project] history = "..."` in assure.toml moves it). `record()` writes a whole run in
one transaction, so a run killed at any point leaves the file exactly as it was; a
second process that finds the file in use waits a little, then fails with
`HistoryBusy` rather than corrupting it. Everything else here only reads.

A return is identified by its period and file name (`2024-03/ae_monthly_2024-03.csv`);
each different content (SHA-256) seen under that name is a new version, numbered in the
order first seen. Identical content sent again is the same version. Every version stays.

Queries return frozen values and never print; the CLI formats them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, Optional

from . import db
from .errors import AssureError, ExitCode
from .results import (Escalation, Failure, Geography, Provenance, Result, Run, SpcSummary, Submission,
                      Verdict)

SCHEMA_VERSION = 1
DEFAULT_PATH = ".assure/history.duckdb"
DEFAULT_WAIT = 10.0
ENV_VAR = "ASSURE_HISTORY"

# Every table, in dependency order. No keys or indexes: DuckDB checks unique keys
# eagerly, which breaks delete-then-insert of the same run in one transaction; the
# code below keeps the rows unique instead.
TABLES = ("schema_version", "runs", "inputs", "submission_versions", "submissions", "failures", "results")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER NOT NULL, engine_version VARCHAR NOT NULL, created_at VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR NOT NULL, recorded_at VARCHAR NOT NULL, period VARCHAR NOT NULL,
        engine_version VARCHAR NOT NULL, rules_version VARCHAR NOT NULL, project VARCHAR NOT NULL,
        submissions INTEGER NOT NULL, invalid_submissions INTEGER NOT NULL, results INTEGER NOT NULL,
        escalated INTEGER NOT NULL, notes VARCHAR[] NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS inputs (
        run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL)""",
    # One row per (period, file, sha256): the versions of each return.
    """CREATE TABLE IF NOT EXISTS submission_versions (
        period VARCHAR NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
        version INTEGER NOT NULL, rows BIGINT NOT NULL,
        first_seen_run VARCHAR NOT NULL, first_seen_at VARCHAR NOT NULL,
        last_seen_run VARCHAR NOT NULL, last_seen_at VARCHAR NOT NULL)""",
    # Each run's validation outcome of each return it read (rules change, so outcomes may).
    """CREATE TABLE IF NOT EXISTS submissions (
        run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, file VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
        period VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, sheet VARCHAR NOT NULL, rows BIGINT NOT NULL,
        valid BOOLEAN NOT NULL, failure_count BIGINT NOT NULL, version INTEGER NOT NULL,
        submitters VARCHAR[] NOT NULL)""",
    # Row-level failures of each return (sha256 set) and the run's unmatched files (sha256 NULL).
    """CREATE TABLE IF NOT EXISTS failures (
        run_id VARCHAR NOT NULL, sha256 VARCHAR, seq INTEGER NOT NULL, file VARCHAR NOT NULL,
        "row" BIGINT NOT NULL, "column" VARCHAR NOT NULL, value VARCHAR NOT NULL, code VARCHAR NOT NULL,
        severity VARCHAR NOT NULL, message VARCHAR NOT NULL, org VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS results (
        run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, rule VARCHAR NOT NULL, metric VARCHAR NOT NULL,
        level VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL, period VARCHAR NOT NULL,
        value DOUBLE, numerator DOUBLE, denominator DOUBLE, target DOUBLE, target_kind VARCHAR NOT NULL,
        verdict VARCHAR NOT NULL, reason VARCHAR NOT NULL, caveats VARCHAR[] NOT NULL,
        escalation_level VARCHAR NOT NULL, escalation_reasons VARCHAR NOT NULL,
        spc_variation VARCHAR NOT NULL, spc_assurance VARCHAR NOT NULL, spc_points INTEGER NOT NULL,
        spc_mean DOUBLE, spc_lpl DOUBLE, spc_upl DOUBLE, spc_rules VARCHAR[] NOT NULL,
        spc_warning VARCHAR NOT NULL, series VARCHAR NOT NULL, contributions VARCHAR NOT NULL,
        verdicts VARCHAR NOT NULL, rule_path VARCHAR NOT NULL, rule_line INTEGER NOT NULL)""",
)


class HistoryError(AssureError):
    """The history database cannot be opened, read or written."""

    exit_code = ExitCode.USAGE


class HistoryBusy(HistoryError):
    """Another process holds the history database."""

    def __init__(self, path: str, pid: Optional[int] = None, waited: float = 0.0):
        self.path = str(path)
        self.pid = pid
        holder = f" (PID {pid})" if pid else ""
        after = f" after waiting {waited:g} s" if waited else ""
        super().__init__(f"the history database {self.path} is in use by another assure run{holder}{after}; "
                         "try again when it finishes",
                         hint="or pass --no-history to check without recording the run")


# ---------------------------------------------------------------- values read back


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    recorded_at: str
    period: str
    engine_version: str
    rules_version: str
    project: str
    submissions: int
    invalid_submissions: int
    results: int
    escalated: int


@dataclass(frozen=True)
class ReturnVersion:
    """One version of one return, with its validation outcome in the latest run that read it."""

    period: str
    dataset: str
    file: str
    version: int
    sha256: str
    rows: int
    valid: bool
    failure_count: int
    first_seen_run: str
    first_seen_at: str
    last_seen_run: str
    last_seen_at: str
    latest: bool        # the highest version of this return


class SeriesPoint(NamedTuple):
    period: str
    value: Optional[float]
    verdict: str
    run_id: str
    target: Optional[float] = None
    escalation: str = "none"


@dataclass(frozen=True)
class Comparison:
    """Failures of version b that version a did not have (added) and the reverse (removed)."""

    a: ReturnVersion
    b: ReturnVersion
    added: tuple[Failure, ...]
    removed: tuple[Failure, ...]
    unchanged: int


# ---------------------------------------------------------------- where the file is


def default_path(project_dir: Optional[str] = None) -> str:
    """The history file of a rules project: the ASSURE_HISTORY environment variable if set,
    else `[project] history` in assure.toml, relative to the project folder, else
    `.assure/history.duckdb` there. Reads only assure.toml."""
    import os
    import tomllib

    from .project import CONFIG, find_root

    if os.environ.get(ENV_VAR):
        return str(Path(os.environ[ENV_VAR]).expanduser())
    root = find_root(project_dir)
    try:
        with open(root / CONFIG, "rb") as handle:
            settings = tomllib.load(handle).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        settings = {}   # `assure check` reports a broken assure.toml with its line
    configured = settings.get("history") if isinstance(settings, dict) else None
    path = Path(configured if isinstance(configured, str) and configured else DEFAULT_PATH).expanduser()
    return str(path if path.is_absolute() else root / path)


# ---------------------------------------------------------------- opening


def _open(path: str, *, create: bool, wait: float):
    """A connection to an assure history file, or None when reading one that does not exist.

    Waits up to `wait` seconds for another process to let go of the file; never
    writes to a file that is not an assure history."""
    import duckdb

    target = Path(path)
    if target.is_dir():
        raise HistoryError(f"the history database {path} is a folder, not a file",
                           hint="set `history` in assure.toml to a file path")
    if not target.exists():
        if not create:
            return None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create the folder for the history database {path}: {exc.strerror}") from None
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            con = db.connect(str(target))
            break
        except duckdb.Error as exc:
            text = str(exc)
            if "lock" in text.lower():
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    time.sleep(min(delay, remaining))
                    delay = min(delay * 2, 0.5)
                    continue
                pid = re.search(r"PID (\d+)", text)
                raise HistoryBusy(path, int(pid.group(1)) if pid else None, wait) from None
            raise _open_error(path, text) from None
    try:
        _check_schema(con, path)
    except BaseException:
        con.close()
        raise
    return con


def _open_error(path: str, text: str) -> HistoryError:
    if "not a valid DuckDB database" in text:
        return HistoryError(f"{path} is not an assure history database (it is not a DuckDB file); "
                            "it was left untouched",
                            hint="move it aside, or set `history` in assure.toml to another file")
    if "version" in text.lower() and "storage" in text.lower():
        return HistoryError(f"the history database {path} was written by a different DuckDB version: {text}")
    text = re.sub(r"^[A-Za-z ]*Error: ", "", text)
    return HistoryError(f"cannot open the history database {path}: {text}")


def _tables(con) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables "
                       "WHERE table_catalog = current_database() AND table_schema = 'main'").fetchall()
    return {name for (name,) in rows}


def _check_schema(con, path: str) -> None:
    """A usable history: empty (a new file), or ours at a schema version we understand."""
    tables = _tables(con)
    if not tables:
        return
    if "schema_version" not in tables or not set(TABLES) <= tables:
        raise HistoryError(f"{path} is a DuckDB database but not an assure history; it was left untouched",
                           hint="set `history` in assure.toml to another file")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    if row[0] is not None and row[0] > SCHEMA_VERSION:
        raise HistoryError(f"the history database {path} has schema version {row[0]}, written by a newer "
                           f"assure; this one understands version {SCHEMA_VERSION}",
                           hint="upgrade assure")


def _fail(path: str, action: str, exc: Exception) -> HistoryError:
    text = re.sub(r"^[A-Za-z ]*Error: ", "", str(exc))
    return HistoryError(f"cannot {action} the history database {path}: {text}")


# ---------------------------------------------------------------- writing


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _timestamp(value: Optional[str]) -> str:
    """ISO 8601 in UTC with microseconds, so that text order is time order."""
    if value is None:
        return now()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HistoryError(f"recorded_at must be an ISO 8601 time, not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(path: str, run: Run, *, recorded_at: Optional[str] = None, wait: float = DEFAULT_WAIT) -> None:
    """Record a run: all of it in one transaction, or (killed, failed) none of it.

    Recording a run id again replaces that run's rows (the same inputs and rules give the
    same run id, so checking the same returns twice keeps one run)."""
    import duckdb

    from . import __version__

    when = _timestamp(recorded_at)
    con = _open(str(path), create=True, wait=wait)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in SCHEMA:
                con.execute(statement)
            if con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [SCHEMA_VERSION, __version__, when])
            _write(con, run, when)
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
    except duckdb.Error as exc:
        raise _fail(str(path), "record the run in", exc) from None
    finally:
        con.close()


def _write(con, run: Run, when: str) -> None:
    """Every row of one run, inside the caller's transaction."""
    p = run.provenance
    for table in ("runs", "inputs", "submissions", "failures", "results"):
        con.execute(f"DELETE FROM {table} WHERE run_id = ?", [p.run_id])
    _insert(con, "runs", [(
        p.run_id, when, p.period, p.engine_version, p.rules_version, p.project, len(run.submissions),
        sum(not s.valid for s in run.submissions), len(run.results),
        sum(r.escalation.level == "escalate" for r in run.results), list(run.notes),
    )])
    _insert(con, "inputs", [(p.run_id, i, f, h) for i, (f, h) in enumerate(p.inputs)])
    versions = [_version(con, s, p.run_id, when) for s in run.submissions]
    _insert(con, "submissions", [
        (p.run_id, i, s.file, s.dataset, s.period, s.sha256, s.sheet, s.rows, s.valid, s.failure_count, v,
         sorted(getattr(s, "orgs", ()) or ()))
        for i, (s, v) in enumerate(zip(run.submissions, versions))])
    failures = [(p.run_id, s.sha256, f) for s in run.submissions for f in s.failures]
    failures += [(p.run_id, None, f) for f in run.unmatched]
    _insert(con, "failures", [
        (run_id, sha, i, f.file, f.row, f.column, f.value, f.code, f.severity, f.message, f.org)
        for i, (run_id, sha, f) in enumerate(failures)])
    _insert(con, "results", [_result_row(p.run_id, i, r) for i, r in enumerate(run.results)])


def _version(con, s: Submission, run_id: str, when: str) -> int:
    """The version of a return: the one already holding this content, or the next."""
    seen = con.execute("SELECT sha256, version FROM submission_versions WHERE period = ? AND file = ?",
                       [s.period, s.file]).fetchall()
    for sha, version in seen:
        if sha == s.sha256:
            con.execute("UPDATE submission_versions SET last_seen_run = ?, last_seen_at = ? "
                        "WHERE period = ? AND file = ? AND sha256 = ?", [run_id, when, s.period, s.file, s.sha256])
            return version
    version = max((v for _, v in seen), default=0) + 1
    _insert(con, "submission_versions",
            [(s.period, s.file, s.sha256, s.dataset, version, s.rows, run_id, when, run_id, when)])
    return version


def _result_row(run_id: str, seq: int, r: Result) -> tuple:
    return (
        run_id, seq, r.rule, r.metric, r.geography.level, r.geography.code, r.geography.name, r.period,
        r.value, r.numerator, r.denominator, r.target, r.target_kind, r.verdict.value, r.reason,
        list(r.caveats), r.escalation.level, json.dumps([list(x) for x in r.escalation.reasons]),
        r.spc.variation, r.spc.assurance, r.spc.points, r.spc.mean, r.spc.lpl, r.spc.upl, list(r.spc.rules),
        r.spc.warning, json.dumps([list(x) for x in r.series]), json.dumps([list(x) for x in r.contributions]),
        json.dumps([[p, Verdict(v).value] for p, v in r.verdicts]), r.rule_path, r.rule_line,
    )


def _insert(con, table: str, rows: list, chunk: int = 256) -> None:
    # One multi-row INSERT per chunk: executemany costs a statement per row.
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        marks = "(" + ", ".join("?" * len(part[0])) + ")"
        con.execute(f"INSERT INTO {table} VALUES " + ", ".join([marks] * len(part)),
                    [value for row in part for value in row])


# ---------------------------------------------------------------- reading


def _read(path: str, query, *, wait: float = DEFAULT_WAIT, empty=()):
    """Run `query(con)` on the history, or give `empty` when there is none yet."""
    import duckdb

    con = _open(str(path), create=False, wait=wait)
    if con is None:
        return empty
    try:
        if not _tables(con):
            return empty   # a file whose first run never committed
        return query(con)
    except duckdb.Error as exc:
        raise _fail(str(path), "read", exc) from None
    finally:
        con.close()


_RUN_COLUMNS = ("run_id, recorded_at, period, engine_version, rules_version, project, submissions, "
                "invalid_submissions, results, escalated")


def runs(path: str, *, wait: float = DEFAULT_WAIT) -> list[RunInfo]:
    """Every recorded run, newest first."""
    return _read(path, lambda con: [RunInfo(*row) for row in con.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY recorded_at DESC, run_id").fetchall()], wait=wait, empty=[])


_VERSIONS = """
    WITH outcome AS (
        SELECT s.period, s.file, s.sha256, s.valid, s.failure_count,
               row_number() OVER (PARTITION BY s.period, s.file, s.sha256
                                  ORDER BY u.recorded_at DESC, u.run_id DESC) AS n
        FROM submissions s JOIN runs u USING (run_id))
    SELECT v.period, v.dataset, v.file, v.version, v.sha256, v.rows, coalesce(o.valid, false),
           coalesce(o.failure_count, 0), v.first_seen_run, v.first_seen_at, v.last_seen_run, v.last_seen_at,
           v.version = max(v.version) OVER (PARTITION BY v.period, v.file)
    FROM submission_versions v LEFT JOIN outcome o
        ON o.period = v.period AND o.file = v.file AND o.sha256 = v.sha256 AND o.n = 1
"""


def returns(path: str, period: Optional[str] = None, *, wait: float = DEFAULT_WAIT) -> list[ReturnVersion]:
    """Every version of every return (of one period, if given), by period, file and version."""
    def query(con):
        where, params = ("WHERE period = ?", [str(period)]) if period else ("", [])
        rows = con.execute(f"SELECT * FROM ({_VERSIONS}) {where} ORDER BY 1, 3, 4", params).fetchall()
        return [ReturnVersion(*row) for row in rows]
    return _read(path, query, wait=wait, empty=[])


def versions(path: str, dataset: str, period: str, *, wait: float = DEFAULT_WAIT) -> list[ReturnVersion]:
    """The versions of one dataset's returns for one period, oldest first."""
    return [v for v in returns(path, period, wait=wait) if v.dataset == dataset]


def latest_valid(path: str, dataset: str, period: str, *, wait: float = DEFAULT_WAIT) -> Optional[ReturnVersion]:
    """The highest valid version of a dataset's return for a period (per file name, the
    last one when a dataset came in several files), or None."""
    valid = [v for v in versions(path, dataset, period, wait=wait) if v.valid]
    return max(valid, key=lambda v: (v.version, v.last_seen_at)) if valid else None


def series(path: str, rule: str, code: str, *, prefer_valid: bool = False,
           wait: float = DEFAULT_WAIT) -> list[SeriesPoint]:
    """One rule's result for one geography code, a point per period, each from the latest
    run that judged that period. With prefer_valid, a period's latest run whose verdict is
    not invalid_data wins over a later one that is (falling back to it if there is none)."""
    valid_first = "(r.verdict = 'invalid_data')," if prefer_valid else ""

    def query(con):
        rows = con.execute(f"""
            SELECT r.period, r.value, r.verdict, r.run_id, r.target, r.escalation_level
            FROM results r JOIN runs u USING (run_id)
            WHERE r.rule = ? AND r.code = ?
            QUALIFY row_number() OVER (PARTITION BY r.period
                                       ORDER BY {valid_first} u.recorded_at DESC, r.run_id DESC) = 1
            ORDER BY r.period""", [rule, code]).fetchall()
        return [SeriesPoint(*row) for row in rows]
    return _read(path, query, wait=wait, empty=[])


def geographies(path: str, rule: str, *, wait: float = DEFAULT_WAIT) -> list[tuple[str, str, str]]:
    """The (level, code, name) a rule has results for: for messages that say what exists."""
    return _read(path, lambda con: [tuple(row) for row in con.execute(
        "SELECT DISTINCT level, code, name FROM results WHERE rule = ? ORDER BY level, code",
        [rule]).fetchall()], wait=wait, empty=[])


def _resolve(con, path: str, column: str, table: str, prefix: str, what: str) -> str:
    prefix = prefix.strip()
    if column == "sha256":
        prefix = prefix.lower()     # hashes are stored in lower-case hex
    if not prefix:
        raise HistoryError(f"give a {what}")
    found = [x for (x,) in con.execute(f"SELECT DISTINCT {column} FROM {table} WHERE starts_with({column}, ?) "
                                       f"ORDER BY 1", [prefix]).fetchall()]
    if not found:
        raise HistoryError(f"no {what} starting {prefix!r} in the history database {path}")
    if len(found) > 1:
        raise HistoryError(f"{len(found)} {what}s in {path} start {prefix!r}; give more characters",
                           hint=", ".join(found[:5]))
    return found[0]


def _failures(con, where: str, params: list) -> tuple[Failure, ...]:
    rows = con.execute(f"""SELECT file, "row", "column", value, code, message, severity, org FROM failures
                           WHERE {where} ORDER BY seq""", params).fetchall()
    return tuple(Failure(*row) for row in rows)


def compare(path: str, sha_a: str, sha_b: str, *, wait: float = DEFAULT_WAIT) -> Comparison:
    """What changed in validation between two versions of a return (hash or unique hash
    prefix each), each as found by the latest run that read it. Failures match on row,
    column, value, code and severity; only recorded failures are compared (validation
    keeps a capped sample per check: see failure_count)."""
    def query(con):
        a = _resolve(con, path, "sha256", "submission_versions", sha_a, "return hash")
        b = _resolve(con, path, "sha256", "submission_versions", sha_b, "return hash")
        all_versions = {v.sha256: v for v in (ReturnVersion(*row) for row in con.execute(
            f"SELECT * FROM ({_VERSIONS}) WHERE sha256 IN (?, ?) ORDER BY last_seen_at", [a, b]).fetchall())}
        found = {}
        for sha in (a, b):
            latest = con.execute("""SELECT s.run_id FROM submissions s JOIN runs u USING (run_id)
                                    WHERE s.sha256 = ? ORDER BY u.recorded_at DESC, u.run_id DESC LIMIT 1""",
                                 [sha]).fetchone()
            found[sha] = _failures(con, "run_id = ? AND sha256 = ?", [latest[0], sha]) if latest else ()

        def key(f: Failure):
            return (f.row, f.column, f.value, f.code, f.severity)
        keys_a, keys_b = {key(f) for f in found[a]}, {key(f) for f in found[b]}
        return Comparison(
            a=all_versions[a], b=all_versions[b],
            added=tuple(f for f in found[b] if key(f) not in keys_a),
            removed=tuple(f for f in found[a] if key(f) not in keys_b),
            unchanged=len(keys_a & keys_b))
    result = _read(path, query, wait=wait, empty=None)
    if result is None:
        raise HistoryError(f"there is no history database at {path}")
    return result


def load_run(path: str, run_id: str, *, wait: float = DEFAULT_WAIT) -> Run:
    """A recorded run read back whole (run id or a unique prefix), equal to the Run recorded."""
    def query(con):
        rid = _resolve(con, path, "run_id", "runs", run_id, "run id")
        run_row = con.execute("SELECT engine_version, rules_version, project, period, notes FROM runs "
                              "WHERE run_id = ?", [rid]).fetchone()
        inputs = tuple(tuple(x) for x in con.execute(
            "SELECT file, sha256 FROM inputs WHERE run_id = ? ORDER BY seq", [rid]).fetchall())
        provenance = Provenance(engine_version=run_row[0], rules_version=run_row[1], project=run_row[2],
                                period=run_row[3], inputs=inputs, run_id=rid)
        submissions = tuple(
            Submission(file=file, dataset=dataset, period=period, sha256=sha, rows=rows,
                       failures=_failures(con, "run_id = ? AND sha256 = ? AND file = ?", [rid, sha, file]),
                       failure_count=count, sheet=sheet)
            for file, dataset, period, sha, rows, count, sheet in con.execute(
                "SELECT file, dataset, period, sha256, rows, failure_count, sheet FROM submissions "
                "WHERE run_id = ? ORDER BY seq", [rid]).fetchall())
        results = tuple(_result(row) for row in con.execute(
            "SELECT * EXCLUDE (run_id, seq) FROM results WHERE run_id = ? ORDER BY seq", [rid]).fetchall())
        return Run(provenance=provenance, submissions=submissions, results=results,
                   unmatched=_failures(con, "run_id = ? AND sha256 IS NULL", [rid]), notes=tuple(run_row[4]))
    result = _read(path, query, wait=wait, empty=None)
    if result is None:
        raise HistoryError(f"there is no history database at {path}")
    return result


def _result(row) -> Result:
    (rule, metric, level, code, name, period, value, numerator, denominator, target, target_kind, verdict,
     reason, caveats, esc_level, esc_reasons, variation, assurance, points, mean, lpl, upl, rules, warning,
     series_json, contributions, verdicts, rule_path, rule_line) = row
    return Result(
        rule=rule, metric=metric, geography=Geography(level, code, name), period=period, value=value,
        numerator=numerator, denominator=denominator, target=target, target_kind=target_kind,
        verdict=Verdict(verdict), reason=reason, caveats=tuple(caveats),
        escalation=Escalation(esc_level, tuple(tuple(x) for x in json.loads(esc_reasons))),
        spc=SpcSummary(variation, assurance, points, mean, lpl, upl, tuple(rules), warning),
        series=tuple(tuple(x) for x in json.loads(series_json)),
        contributions=tuple(tuple(x) for x in json.loads(contributions)),
        verdicts=tuple((p, Verdict(v)) for p, v in json.loads(verdicts)), rule_path=rule_path, rule_line=rule_line,
    )


# ---------------------------------------------------------------- plain-text tables for the CLI


def table(headers: tuple[str, ...], rows: list[tuple]) -> str:
    """Rows as left-aligned columns (numbers right-aligned), for a terminal or a log."""
    def cell(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            if value.is_integer():
                return f"{value:,.0f}"
            return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}"
        return str(value)
    text = [tuple(cell(v) for v in row) for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, h in enumerate(headers)]
    def is_number(value) -> bool:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
    numeric = [bool(rows) and all(is_number(row[i]) for row in rows) for i in range(len(headers))]

    def line(values) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()
    return "\n".join([line(headers)] + [line(r) for r in text]) + "\n"


def earlier(path: str, before: str, *, wait: float = DEFAULT_WAIT) -> dict:
    """{(rule, geography code): [(period, value, verdict)]} for every period before `before`,
    each from the latest run that judged it on valid data (or the latest run, if none did):
    the months a check was not given folders for."""

    def query(con):
        rows = con.execute("""
            SELECT r.rule, r.code, r.period, r.value, r.verdict
            FROM results r JOIN runs u USING (run_id)
            WHERE r.period < ?
            QUALIFY row_number() OVER (PARTITION BY r.rule, r.code, r.period
                                       ORDER BY (r.verdict = 'invalid_data'), u.recorded_at DESC, r.run_id DESC) = 1
            ORDER BY r.rule, r.code, r.period""", [before]).fetchall()
        found: dict = {}
        for rule, code, period, value, verdict in rows:
            found.setdefault((rule, code), []).append((period, value, Verdict(verdict)))
        return found
    return _read(path, query, wait=wait, empty={})
