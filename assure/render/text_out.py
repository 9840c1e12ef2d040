"""Run -> the terminal summary: one line per rule, worst first, then the returns that
are unfit to use with their first failures."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

from ..results import SEVERITY, VERDICT_ORDER

STYLE = {"met": "green", "at_risk": "yellow", "missed": "red", "off_trajectory": "red",
         "not_due": "dim", "no_data": "magenta", "invalid_data": "bold magenta"}
SHORT = {"met": "met", "at_risk": "at risk", "missed": "missed", "off_trajectory": "off traj",
         "not_due": "not due", "no_data": "no data", "invalid_data": "invalid"}
FIRST_FAILURES = 5


def _value(r) -> str:
    """One decimal, or more where one decimal would print the target for a value that misses it."""
    if r.value is None:
        return "–"
    shown = f"{r.value:,.1f}"
    if r.target is not None and r.value != r.target and shown == f"{r.target:,.1f}":
        shown = f"{r.value:,.3f}"
    return shown


def _counts(results) -> str:
    counts = Counter(r.verdict.value for r in results)
    return ", ".join(f"[{STYLE[v.value]}]{counts[v.value]} {SHORT[v.value]}[/]" for v in VERDICT_ORDER if counts[v.value])


def render(run, *, width: int = 120, color: bool = False, **_) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    by_rule = defaultdict(list)
    for r in run.results:
        by_rule[r.rule].append(r)
    order = sorted(by_rule, key=lambda rule: (min(SEVERITY[r.verdict] for r in by_rule[rule]), rule))
    p = run.provenance
    console.print(f"[bold]{p.project}[/] · period {p.period} · {len(run.submissions)} returns · "
                  f"{len(by_rule)} rules · {len(run.results)} results")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("rule", no_wrap=True)
    for heading in ("ICB (or worst)", "value", "target", "Places", "providers"):
        table.add_column(heading, overflow="fold")
    for rule in order:
        rows = by_rule[rule]
        icb = next((r for r in rows if r.geography.level == "icb"), None)
        head = icb or min(rows, key=lambda r: (SEVERITY[r.verdict], r.geography.code))
        verdict = f"[{STYLE[head.verdict.value]}]{SHORT[head.verdict.value]}[/]"
        if not icb:
            verdict += f" ({head.geography.code})"
        target = "" if head.target is None else f"{head.target:g}" + (" (traj)" if head.target_kind == "trajectory" else "")
        table.add_row(rule, verdict, _value(head), target,
                      _counts([r for r in rows if r.geography.level == "place"]),
                      _counts([r for r in rows if r.geography.level == "provider"]))
    console.print(table)
    totals = Counter(r.verdict.value for r in run.results)
    console.print("verdicts: " + ", ".join(f"{totals[v.value]} {v.value}" for v in VERDICT_ORDER if totals[v.value]))
    _returns(console, run)
    return buffer.getvalue()


def _returns(console, run) -> None:
    bad = [s for s in run.submissions if not s.valid]
    warned = [s for s in run.submissions if s.valid and s.failures]
    if not bad and not warned and not run.unmatched:
        console.print("[green]all returns valid[/]")
        return
    for s in bad:
        console.print(f"\n[bold red]invalid[/] {s.file} ({s.dataset}): {s.failure_count} problem"
                      f"{'s' * (s.failure_count != 1)}")
        _failures(console, s.failures)
    for s in warned:
        console.print(f"\n[yellow]warnings[/] {s.file} ({s.dataset})")
        _failures(console, s.failures)
    if run.unmatched:
        console.print("\n[yellow]other files and missing returns[/]")
        _failures(console, run.unmatched)


def _failures(console, failures) -> None:
    for f in failures[:FIRST_FAILURES]:
        where = f"{f.file}:{f.row}" if f.row else f.file
        column = f" [{f.column}]" if f.column else ""
        console.print(f"  {where}{column} {f.code} {f.message}", markup=False)
    if len(failures) > FIRST_FAILURES:
        console.print(f"  … and {len(failures) - FIRST_FAILURES} more (see --format json)")
