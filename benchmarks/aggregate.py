#!/usr/bin/env python3
"""Benchmark: assure on the monthly aggregate returns in fixtures/submissions.

    .venv/bin/python benchmarks/aggregate.py                 # 5 in-process runs + 5 cold CLI runs
    .venv/bin/python benchmarks/aggregate.py --runs 10 --profile

In-process: imports assure.api and what check() imports lazily (pandera, ibis), makes
one untimed warm-up call, then times `api.check("fixtures/submissions", period="2024-03")`
--runs times and prints the median. Cold: runs `assure check fixtures/submissions
--period 2024-03 --no-history --format json` as a fresh process --runs times (imports,
project load, every period folder from 2023-04 to 2024-03, rendering) and prints the
median wall time. --no-history keeps the run from writing .assure/history.duckdb.

--set KEY=VALUE runs `SET KEY = VALUE` on assure's connection (in-process runs only),
e.g. --set threads=2 to test db.connect()'s single-thread default; --profile counts
the DuckDB statements of one run and the time spent in them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SUBMISSIONS = "fixtures/submissions"
PERIOD = "2024-03"


def _patch_connect(settings: list[str], log: list | None):
    from assure import db

    sys.path.insert(0, str(HERE))
    from record_level import _Timed, set_sql

    connect = db.connect

    def patched(*args, **kwargs):
        con = connect(*args, **kwargs)
        for setting in settings:
            con.execute(set_sql(setting))
        return _Timed(con, log) if log is not None else con

    db.connect = patched
    return lambda: setattr(db, "connect", connect)


def in_process(runs: int, settings: list[str], profile: bool) -> dict:
    start = time.perf_counter()
    import duckdb  # noqa: F401
    import ibis  # noqa: F401
    import pandera.ibis  # noqa: F401

    from assure import api
    imported = time.perf_counter() - start
    os.chdir(REPO)
    restore = _patch_connect(settings, None) if settings else (lambda: None)
    start = time.perf_counter()
    run = api.check(SUBMISSIONS, project_dir=str(REPO), period=PERIOD)  # warm-up: caches, first-query costs
    warm_up = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        api.check(SUBMISSIONS, project_dir=str(REPO), period=PERIOD)
        times.append(time.perf_counter() - start)
    restore()
    out = {"import_seconds": imported, "warm_up_seconds": warm_up, "times": times,
           "median_seconds": statistics.median(times), "results": len(run.results),
           "submissions": len(run.submissions)}
    if profile:
        log: list = []
        restore = _patch_connect(settings, log)
        start = time.perf_counter()
        api.check(SUBMISSIONS, project_dir=str(REPO), period=PERIOD)
        wall = time.perf_counter() - start
        restore()
        out["profile"] = {"wall_seconds": wall, "statements": len(log),
                          "duckdb_seconds": sum(q["seconds"] for q in log),
                          "slowest": sorted(log, key=lambda q: -q["seconds"])[:8]}
    return out


def cold(runs: int) -> dict:
    exe = Path(sys.executable).with_name("assure")
    command = [str(exe), "check", SUBMISSIONS, "--period", PERIOD, "--no-history", "--format", "json"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1, 2):
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"`{' '.join(command)}` exited {proc.returncode}")
    return {"command": " ".join(command[1:]), "times": times, "median_seconds": statistics.median(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold CLI runs")
    ns = parser.parse_args(argv)
    warm = in_process(ns.runs, ns.set, ns.profile)
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"duckdb {__import__('duckdb').__version__}" + (f"; assure connection: {', '.join(ns.set)}" if ns.set else ""))
    print(f"in-process api.check({SUBMISSIONS!r}, period={PERIOD!r}): {warm['submissions']} returns, "
          f"{warm['results']} results")
    print(f"  imports {warm['import_seconds']:.2f} s, warm-up call {warm['warm_up_seconds']:.2f} s")
    print(f"  median of {ns.runs}: {warm['median_seconds']:.3f} s  "
          f"(runs: {', '.join(f'{t:.3f}' for t in warm['times'])})")
    if ns.profile:
        p = warm["profile"]
        print(f"  one run: {p['statements']} DuckDB statements, {p['duckdb_seconds']:.3f} s in DuckDB "
              f"of {p['wall_seconds']:.3f} s wall")
        for q in p["slowest"]:
            print(f"    {q['seconds']:.3f} s  {q['sql'][:120]}")
    if not ns.no_cold:
        c = cold(ns.runs)
        print(f"cold `assure {c['command']}`")
        print(f"  median of {ns.runs}: {c['median_seconds']:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in c['times'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
