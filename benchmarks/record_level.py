#!/usr/bin/env python3
"""Benchmark: assure on a record-level A&E return of N rows.

    .venv/bin/python benchmarks/record_level.py                      # 10,000,000 rows, Parquet
    .venv/bin/python benchmarks/record_level.py --rows 1000000 --format csv
    .venv/bin/python benchmarks/record_level.py --sizes 1000000,3000000,10000000

For each size it
  1. generates the `ae_attendances` return (contract in metric_defs/urgent_care.toml) in
     DuckDB SQL and writes it to benchmarks/data/2024-03/ae_attendances_2024-03.<ext>
     (benchmarks/data is git-ignored);
  2. times a baseline: a fresh Python process that runs one DuckDB aggregate scan of
     the same file (count, summed length of stay, distinct orgs);
  3. times assure: a fresh Python process that imports assure and everything it imports
     lazily (pandera, ibis), then calls
     assure.api.check("benchmarks/data", project_dir=<repo>, period="2024-03").
Both children report wall time excluding imports, the import time, CPU time and peak
RSS (VmHWM from /proc/self/status). The page cache is warm for both: the file has just
been written, and nothing here drops caches.

Investigation options (they change only the benchmark's child process, never assure):
  --profile         time every DuckDB query assure runs and the peak RSS during each
                    one (VmHWM is reset before each query through /proc/self/clear_refs)
  --set KEY=VALUE   run `SET KEY = VALUE` on assure's connection right after it is
                    opened, e.g. --set threads=2 --set memory_limit=512MB
                    (not preserve_insertion_order=false: CSV row numbers rely on it)
  --baseline-threads N   DuckDB threads for the baseline (default: DuckDB's default,
                    the number of cores)
  --reuse           keep the generated file when size and format are unchanged

The child also captures the `ae_12hr_in_department` numerator and denominator assure
measured (no rule judges that metric, so it is not in the run's results), to show
the metric ran over every row.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"
PERIOD = "2024-03"
ORG = "RBS"

# -- generating the return --------------------------------------------------------------

# Nine pseudo-random digits per row; the Modulus 11 check digit (assure/nhs.py) is
# computed in SQL. Where the check digit would be 10 (no valid number), the ninth digit
# is bumped by one (mod 10), which moves the weighted sum by 2 or -18, never by a
# multiple of 11, so the bumped number always has a check digit.
_DIGIT = "((b9 // {p}) % 10)"
_WEIGHTED = " + ".join(f"{_DIGIT.format(p=10 ** (8 - k))} * {10 - k}" for k in range(9))


def generate_sql(rows: int, target: Path, fmt: str) -> str:
    seconds_in_month = 31 * 24 * 3600  # March
    body = f"""
    WITH r AS (
        SELECT i,
               hash(i, 'nhs') % 1000000000 AS b0,
               hash(i, 'arrival') AS h_arr,
               hash(i, 'stay') AS h_stay,
               hash(i, 'type') AS h_type,
               hash(i, 'age') AS h_age,
               hash(i, 'imd') AS h_imd
        FROM range({rows}) t(i)
    ),
    s0 AS (SELECT *, (11 - (({_WEIGHTED.replace('b9', 'b0')}) % 11)) AS c0 FROM r),
    s1 AS (SELECT *, CASE WHEN c0 = 10 THEN b0 - (b0 % 10) + ((b0 % 10) + 1) % 10 ELSE b0 END AS b9 FROM s0),
    s2 AS (SELECT *, (11 - (({_WEIGHTED}) % 11)) % 11 AS check_digit FROM s1),
    t AS (
        SELECT i, b9, check_digit, h_type, h_age, h_imd,
               TIMESTAMP '2024-03-01 00:00:00' + to_seconds(((h_arr % {seconds_in_month}) // 60) * 60) AS arrival,
               -- minutes in the department: mostly under 10 hours, about 1 in 20 over 12 hours
               (10 + h_stay % 590 + CASE WHEN (h_stay // 1000) % 20 = 0 THEN 720 ELSE 0 END)::BIGINT AS stay
        FROM s2
    )
    SELECT
        'RBS2403-' || lpad(CAST(i + 1 AS VARCHAR), 9, '0') AS attendance_id,
        '{PERIOD}' AS period,
        '{ORG}' AS org_code,
        CAST(CASE WHEN h_type % 100 < 70 THEN 1 WHEN h_type % 100 < 75 THEN 2 ELSE 3 END AS BIGINT) AS ae_type,
        lpad(CAST(b9 AS VARCHAR), 9, '0') || CAST(check_digit AS VARCHAR) AS nhs_number,
        arrival,
        arrival + to_minutes(stay) AS departure,
        CAST(h_age % 101 AS BIGINT) AS age,
        CAST(CASE WHEN h_imd % 20 = 0 THEN NULL ELSE 1 + (h_imd // 20) % 5 END AS BIGINT) AS imd_quintile
    FROM t
    ORDER BY i
    """
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    return f"COPY ({body}) TO '{target}' ({options})"


def generate(rows: int, fmt: str, reuse: bool = False) -> tuple[Path, float]:
    import duckdb

    folder = DATA / PERIOD
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"ae_attendances_{PERIOD}.{fmt}"
    stamp = DATA / "generated.json"  # outside the period folder, so assure never sees it
    wanted = {"rows": rows, "format": fmt, "sql": generate_sql(rows, target, fmt)}
    others = [p for p in folder.iterdir() if p.is_file() and p != target]
    if reuse and target.exists() and not others and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return target, 0.0
    for old in folder.iterdir():  # the period folder must hold just this one return
        if old.is_file():
            old.unlink()
    stamp.unlink(missing_ok=True)
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(wanted["sql"])
    con.close()
    stamp.write_text(json.dumps(wanted))
    return target, time.perf_counter() - start


# -- the measured children --------------------------------------------------------------

def _hwm_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_baseline(path: str, threads: int) -> dict:
    start = time.perf_counter()
    import duckdb
    imported = time.perf_counter() - start
    hwm_import = _hwm_mib()
    cpu0 = _cpu()
    start = time.perf_counter()
    con = duckdb.connect(config={"threads": threads} if threads else {})
    reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
    rows, stay, orgs = con.execute(
        f"SELECT count(*), sum(epoch(departure) - epoch(arrival)), count(DISTINCT org_code) "
        f"FROM {reader}('{path}')").fetchone()
    con.close()
    return {"seconds": time.perf_counter() - start, "import_seconds": imported, "cpu_seconds": _cpu() - cpu0,
            "peak_rss_mib": _hwm_mib(), "import_rss_mib": hwm_import, "rows": rows,
            "threads": threads or os.cpu_count()}


def set_sql(setting: str) -> str:
    """'threads=2' -> SET threads = 2; 'memory_limit=512MB' -> SET memory_limit = '512MB'."""
    key, value = setting.split("=", 1)
    bare = value.replace(".", "").isdigit() or value.lower() in ("true", "false")
    quoted = value if bare else "'" + value.replace("'", "''") + "'"
    return f"SET {key.strip()} = {quoted}"


class _Timed:
    """A DuckDB connection that records how long each statement takes and the peak RSS
    while it runs (VmHWM reset before it)."""

    def __init__(self, con, log: list):
        self._con, self._log = con, log

    def execute(self, sql, *args):
        _reset_hwm()
        start = time.perf_counter()
        result = self._con.execute(sql, *args)
        self._log.append({"sql": " ".join(str(sql).split()), "seconds": time.perf_counter() - start,
                          "peak_rss_mib": _hwm_mib()})
        return self

    def fetchone(self):
        return self._timed_fetch(self._con.fetchone)

    def fetchall(self):
        return self._timed_fetch(self._con.fetchall)

    def _timed_fetch(self, fetch):
        start = time.perf_counter()
        out = fetch()
        if self._log:
            self._log[-1]["seconds"] += time.perf_counter() - start
        return out

    def __getattr__(self, name):
        return getattr(self._con, name)


def child_assure(root: str, settings: list[str], profile: bool) -> dict:
    start = time.perf_counter()
    # Everything check() imports, including what it imports lazily, so the timed call
    # below measures the work, not the interpreter loading modules.
    import duckdb  # noqa: F401
    import ibis  # noqa: F401
    import pandera.ibis  # noqa: F401
    from pandera.api.checks import Check  # noqa: F401

    import assure.api
    import assure.evaluate  # noqa: F401
    import assure.spc_summary  # noqa: F401
    from assure import db
    imported = time.perf_counter() - start
    hwm_import = _hwm_mib()

    log: list = []
    if settings or profile:
        connect = db.connect

        def patched(*args, **kwargs):
            con = connect(*args, **kwargs)
            for setting in settings:
                con.execute(set_sql(setting))
            return _Timed(con, log) if profile else con

        db.connect = patched

    import assure.metrics as metrics_mod
    measured: dict = {}
    measure_periods = metrics_mod.measure_periods

    def capture(*args, **kwargs):
        out = measure_periods(*args, **kwargs)
        for by_org in out.values():
            measured.update({org: value for (metric, org), value in by_org.items() if metric == "ae_12hr_in_department"})
        return out

    metrics_mod.measure_periods = capture

    cpu0 = _cpu()
    start = time.perf_counter()
    run = assure.api.check(root, project_dir=str(REPO), period=PERIOD)
    seconds = time.perf_counter() - start
    sub = [s for s in run.submissions if "ae_attendances" in s.file]
    out = {"seconds": seconds, "import_seconds": imported, "cpu_seconds": _cpu() - cpu0,
           "peak_rss_mib": _hwm_mib() if not profile else max([hwm_import] + [q["peak_rss_mib"] for q in log]),
           "import_rss_mib": hwm_import,
           "rows": sub[0].rows if sub else None,
           "failures": sub[0].failure_count if sub else None,
           "results": {org: list(value) for org, value in measured.items()}}
    if profile:
        out["queries"] = log
    return out


def _run_child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {args[:2]} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- reporting --------------------------------------------------------------------------

def _mib(path: Path) -> float:
    return path.stat().st_size / (1 << 20)


def measure(rows: int, fmt: str, repeat: int, settings: list[str], profile: bool, baseline_threads: int,
            reuse: bool = False) -> dict:
    path, gen_seconds = generate(rows, fmt, reuse)
    print(f"# generated {rows:,} rows -> {path.relative_to(REPO)} ({_mib(path):,.1f} MiB) in {gen_seconds:.1f} s",
          file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    baselines = [_run_child(["_baseline", str(path), str(baseline_threads)]) for _ in range(repeat)]
    assures = []
    for _ in range(repeat):
        extra = [a for s in settings for a in ("--set", s)] + (["--profile"] if profile else [])
        assures.append(_run_child(["_assure", str(DATA), *extra]))
    base = statistics.median(b["seconds"] for b in baselines)
    mine = statistics.median(a["seconds"] for a in assures)
    load = max(load, os.getloadavg()[0])
    last = assures[-1]
    if last["rows"] != rows:
        print(f"# warning: assure read {last['rows']} rows, expected {rows}", file=sys.stderr)
    return {
        "rows": rows, "format": fmt, "file_mib": _mib(path), "generate_seconds": gen_seconds,
        "baseline_seconds": base, "assure_seconds": mine, "ratio": mine / base,
        "baseline_best_seconds": min(b["seconds"] for b in baselines),
        "assure_best_seconds": min(a["seconds"] for a in assures),
        "load_average": load, "repeat": repeat,
        "assure_import_seconds": statistics.median(a["import_seconds"] for a in assures),
        "assure_cpu_seconds": min(a["cpu_seconds"] for a in assures),
        "baseline_cpu_seconds": min(b["cpu_seconds"] for b in baselines),
        "baseline_threads": baselines[-1]["threads"],
        "assure_peak_rss_mib": max(a["peak_rss_mib"] for a in assures),
        "assure_import_rss_mib": last["import_rss_mib"],
        "baseline_peak_rss_mib": max(b["peak_rss_mib"] for b in baselines),
        "assure_failures": last["failures"], "assure_results": last["results"],
        "queries": last.get("queries"),
    }


def print_table(results: list[dict]) -> None:
    head = (f"{'rows':>12} {'fmt':>7} {'file MiB':>8} {'base s':>7} {'assure s':>8} {'ratio':>6} "
            f"{'best':>13} {'CPU s':>13} {'RSS MiB':>13} {'import':>6} {'load':>5}")
    sub = (f"{'':>12} {'':>7} {'':>8} {'median':>7} {'median':>8} {'':>6} "
           f"{'base/assure':>13} {'base/assure':>13} {'base/assure':>13} {'s':>6} {'':>5}")
    print(head)
    print(sub)
    print("-" * len(head))
    for r in results:
        print(f"{r['rows']:>12,} {r['format']:>7} {r['file_mib']:>8,.1f} {r['baseline_seconds']:>7.2f} "
              f"{r['assure_seconds']:>8.2f} {r['ratio']:>5.1f}x "
              f"{r['baseline_best_seconds']:>6.2f}/{r['assure_best_seconds']:<6.2f} "
              f"{r['baseline_cpu_seconds']:>6.2f}/{r['assure_cpu_seconds']:<6.2f} "
              f"{r['baseline_peak_rss_mib']:>6,.0f}/{r['assure_peak_rss_mib']:<6,.0f} "
              f"{r['assure_import_seconds']:>6.2f} {r['load_average']:>5.1f}")
    first = results[0]
    print(f"\nmedian and best of {first['repeat']} fresh processes each. base: one DuckDB aggregate scan, DuckDB's "
          f"default config ({first['baseline_threads']} threads); assure: api.check() of the period folder, "
          f"imports excluded (import s). RSS: peak (VmHWM) of the child; after its imports alone the assure child "
          f"holds {first['assure_import_rss_mib']:,.0f} MiB. CPU s: user+system of the timed part. load: 1-minute "
          f"load average while measuring (above ~0.5 other work shared the {os.cpu_count()} cores).")
    for r in results:
        metric = "; ".join(f"{org} {num:,.0f} / {den:,.0f} = {100 * num / den:.2f}%"
                           for org, (num, den) in sorted(r["assure_results"].items()) if den)
        print(f"  {r['rows']:,} {r['format']}: {r['assure_failures']} validation failures; "
              f"ae_12hr_in_department {metric or 'not measured'}")


def print_profile(result: dict, top: int) -> None:
    queries = result.get("queries") or []
    if not queries:
        return
    total = sum(q["seconds"] for q in queries)
    print(f"\n{len(queries)} DuckDB statements in assure for {result['rows']:,} rows ({result['format']}): "
          f"{total:.2f} s of {result['assure_seconds']:.2f} s wall")
    print(f"{'seconds':>8} {'peak RSS MiB':>13}  statement")
    for q in sorted(queries, key=lambda q: -q["seconds"])[:top]:
        sql = q["sql"]
        print(f"{q['seconds']:>8.2f} {q['peak_rss_mib']:>13,.0f}  {sql[:160]}{'...' if len(sql) > 160 else ''}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_baseline":
        print(json.dumps(child_baseline(argv[1], int(argv[2]))))
        return 0
    if argv and argv[0] == "_assure":
        parser = argparse.ArgumentParser()
        parser.add_argument("root")
        parser.add_argument("--set", action="append", default=[])
        parser.add_argument("--profile", action="store_true")
        ns = parser.parse_args(argv[1:])
        print(json.dumps(child_assure(ns.root, ns.set, ns.profile)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the return (default 10,000,000)")
    parser.add_argument("--sizes", help="comma-separated row counts to run in turn, e.g. 1000000,3000000,10000000")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each child per size; the median time is shown")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a DuckDB setting for assure's connection (benchmark child only)")
    parser.add_argument("--profile", action="store_true", help="time each DuckDB statement assure runs")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the generated file if it has the requested rows and format")
    parser.add_argument("--top", type=int, default=12, help="statements shown by --profile")
    parser.add_argument("--baseline-threads", type=int, default=0, help="DuckDB threads for the baseline (0: default)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    ns = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in ns.sizes.split(",")] if ns.sizes else [ns.rows]
    results = []
    for rows in sizes:
        results.append(measure(rows, ns.format, ns.repeat, ns.set, ns.profile, ns.baseline_threads, reuse=ns.reuse))
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"duckdb {__import__('duckdb').__version__}" + (f"; assure connection: {', '.join(ns.set)}" if ns.set else ""))
    print_table(results)
    for r in results:
        print_profile(r, ns.top)
    if ns.json:
        Path(ns.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
