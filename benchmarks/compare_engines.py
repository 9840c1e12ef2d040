#!/usr/bin/env python3
"""Time `api.check` on the fixture year with the engine from another checkout.

    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/compare_engines.py /tmp/before --runs 2
    .venv/bin/python benchmarks/compare_engines.py . --runs 2

Each run imports assure from CHECKOUT (the project files, rules and fixtures always come
from this repository), makes one untimed warm-up call, then times `--runs` calls of
`api.check("fixtures/submissions", period="2024-03")`. Alternate the two checkouts in
one session so both see the same machine load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a checkout whose assure/ package is timed")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.checkout.resolve()))
    import assure
    from assure import api

    submissions = str(REPO / "fixtures" / "submissions")
    api.check(submissions, project_dir=str(REPO), period="2024-03")
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        api.check(submissions, project_dir=str(REPO), period="2024-03")
        times.append(time.perf_counter() - start)
    print(f"{assure.__file__}: median {statistics.median(times):.2f} s, best {min(times):.2f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
