"""The command line: options -> api -> render -> exit code.

Imports nothing heavy at module level, so `assure --help` answers at once; pandera,
duckdb and pandas load only when a command needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import FAIL_ON, AssureError, ExitCode, ProjectError

# A mistyped option is a usage error: exit 4, as documented, not click's default 2,
# which assure reserves for invalid submissions.
click.exceptions.UsageError.exit_code = 4

EPILOG = """Exit codes: 0 all clear at the chosen --fail-on level; 1 results at or above
that level; 2 invalid submissions (when --fail-on covers them); 3 invalid rules or metric
definitions; 4 usage or input/output error."""


def _fail(exc: AssureError) -> None:
    if isinstance(exc, ProjectError):
        for d in exc.diagnostics:
            click.echo(str(d), err=True)
    click.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"  help: {exc.hint}", err=True)
    sys.exit(int(exc.exit_code))


def _write(path: str, text: str) -> None:
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)  # a reader never sees half a file
    except OSError as exc:
        raise AssureError(f"cannot write {path}: {exc.strerror}") from None


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AssureError as exc:
            _fail(exc)


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assure")
def main() -> None:
    """Assure every measurable commitment of a Joint Forward Plan.

    A rules project (assure.toml, rules/, metric_defs/, reference/) states each
    commitment once; `assure check` validates a month's data returns against their
    contracts, measures every metric, and judges every rule for the ICB, each Place
    and each provider.

    \b
    Start here:
      assure check submissions/2024-03      validate and judge one month
      assure check submissions --format json --out results.json
    """


@main.command(epilog=EPILOG)
@click.argument("submissions", type=click.Path(file_okay=False, path_type=str))
@click.option("--period", metavar="YYYY-MM", help="Period to check; default: the SUBMISSIONS folder's own "
              "period, or the latest period folder inside it.")
@click.option("--project", "project_dir", metavar="DIR", help="Rules project folder (default: the nearest folder "
              "holding assure.toml).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "github", "markdown", "csv"]),
              default="text", show_default=True, help="What to print on standard output: a summary (text), the full "
              "results (json), JUnit XML or GitHub annotations for CI, a Markdown job summary, or CSV safe for Excel.")
@click.option("--out", "outs", multiple=True, metavar="FILE", help="Also write results to FILE, in the format its "
              "extension names (.json, .xml for JUnit, .md); may be repeated.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
              help="Exit non-zero for: invalid returns only (invalid), or results at_risk or worse, missed or "
                   "worse, or escalated (each of which also counts invalid returns).")
@click.option("--no-history", is_flag=True, help="Do not record this run in the history database.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def check(submissions, period, project_dir, fmt, outs, fail_on, no_history, quiet) -> None:
    """Validate, measure and judge a period's data returns.

    SUBMISSIONS is a folder of period folders (2023-04/, 2023-05/, ...) or one
    period folder. Every file is matched to a dataset contract, validated (each
    failure located by file, row and column), measured with DuckDB, rolled up from
    provider to Place to ICB, and judged against every rule. Earlier period folders
    give each result its trend.

    \b
    Examples:
      assure check submissions/2024-03
      assure check submissions --period 2024-03 --fail-on invalid --format junit
    """
    from . import api
    from . import project as project_mod
    from .errors import exit_code
    from .render import format_for, render

    progress = _progress(quiet)
    project = project_mod.load(project_dir)
    history_path = None
    if not no_history:
        from . import history

        history_path = history.default_path(project_dir)
    run = api.evaluate_project(project, submissions, period, progress, history_path)[0]
    if history_path:
        if progress:
            progress("recording the run in the history")
        history.record(history_path, run)
    if progress:
        click.echo("\r\033[K", err=True, nl=False)
    from .periods import is_period

    # Failure.file is "PERIOD/name", so annotations need the folder that holds the period folders.
    root = Path(submissions).parent if is_period(Path(submissions).resolve().name) else Path(submissions)
    options = {"fail_on": fail_on, "root": _repo_path(str(root)), "rules_root": _repo_path(project.root)}
    for path in outs:
        _write(path, render(run, format_for(path), **options))
    color = fmt == "text" and sys.stdout.isatty()
    click.echo(render(run, fmt, color=color, **options), nl=False)
    sys.exit(int(exit_code(run, fail_on)))


@main.command(epilog=EPILOG)
@click.argument("submissions", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option("--period", metavar="YYYY-MM", help="Period to report; default: the SUBMISSIONS folder's own "
              "period, or the latest period folder inside it.")
@click.option("--out", "out_dir", required=True, metavar="DIR", type=click.Path(file_okay=False, path_type=str),
              help="Folder to write report.html and report.md into (created if need be).")
@click.option("--narratives", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="Owners' narratives for the period (TOML or JSON; see docs/report.md). Default: "
                   "narratives/PERIOD.toml in the project, when it exists.")
@click.option("--include-watch", is_flag=True, help="Give results on watch an exception page too "
              "(escalated results always have one).")
@click.option("--generated-at", metavar="TEXT", help="A date and time to print in the footer; without it the "
              "report is the same, byte for byte, for the same inputs and rules.")
@click.option("--project", "project_dir", metavar="DIR", help="Rules project folder (default: the nearest folder "
              "holding assure.toml).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def report(submissions, period, out_dir, narratives, include_watch, generated_at, project_dir, quiet) -> None:
    """Write the committee's exception report: report.html and report.md.

    The HTML is one self-contained file that opens offline and prints to PDF: a
    summary of every commitment with Making Data Count icons, one page per
    escalated result (the commitment as the plan words it, the SPC chart, every
    Place and provider, why it is escalated, caveats and the owner's narrative),
    the data quality of every return, and the run's provenance.

    SUBMISSIONS defaults to the project's submissions folder.

    \b
    Examples:
      assure report --period 2024-03 --out out/2024-03
      assure report submissions --period 2024-03 --out out --narratives narratives/2024-03.toml
    """
    from . import api
    from . import project as project_mod
    from . import report as report_mod

    progress = _progress(quiet)
    project = project_mod.load(project_dir)
    folder = submissions or str(Path(project.root) / project.submissions_dir)
    run = api.evaluate_project(project, folder, period, progress)[0]
    if progress:
        click.echo("\r\033[K", err=True, nl=False)
    if narratives is None:
        default = Path(project.root) / "narratives" / f"{run.provenance.period}.toml"
        narratives = str(default) if default.is_file() else None
    notes = report_mod.load_narratives(narratives) if narratives else None
    try:
        paths = report_mod.write_report(run, out_dir, project=project, narratives=notes,
                                        include_watch=include_watch, generated_at=generated_at)
    except OSError as exc:
        raise AssureError(f"cannot write the report to {out_dir}: {exc.strerror}") from None
    for path in paths:
        click.echo(str(path))


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"\r\033[K{message}…", err=True, nl=False)


def _repo_path(path: str) -> str:
    """A path relative to the working directory (the repository root in a workflow), with forward slashes."""
    import os

    try:
        return Path(os.path.relpath(Path(path).resolve(), Path.cwd())).as_posix()
    except ValueError:
        return Path(path).as_posix()


LINT_EPILOG = """Exit codes: 0 no findings; 1 findings (errors or warnings); 3 a file could not be
read or parsed (PJ01, PJ06), so it was not checked; 4 usage error."""


@main.command(epilog=LINT_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--project", "project_dir", metavar="DIR", help="Rules project folder (default: the project holding "
              "the first PATH, or the nearest folder holding assure.toml).")
@click.option("--select", multiple=True, metavar="CODES", help="Report only these codes or prefixes "
              "(comma-separated, repeatable), e.g. --select UN,DT02. Replaces [tool.assure.lint] select.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these codes or prefixes "
              "(comma-separated, repeatable). Adds to [tool.assure.lint] ignore.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text for people, json for tools, github for pull-request annotations.")
def lint(paths, project_dir, select, ignore, fmt) -> None:
    """Check the rules project: schema, references, units, dates, SQL, traceability, conflicts.

    Prints one diagnostic a line, `path:line:col: CODE message`, with a `help:` line.
    The whole project is checked every time; PATHS (files or folders) only narrow what
    is reported. Settings live in [tool.assure.lint] of the project's pyproject.toml.
    Silence one finding with `# assure: ignore[CODE] reason` at the end of its line.
    docs/lint.md lists every code; `assure explain CODE` prints one.

    \b
    Examples:
      assure lint
      assure lint rules/urgent_care.toml --select UN,DT02
      assure lint --format github
    """
    from . import lint as lint_mod

    report = lint_mod.lint(project_dir, paths=paths, select=select, ignore=ignore)
    click.echo(lint_mod.render(report, fmt), nl=False)
    sys.exit(int(report.exit_code))


@main.command(epilog=EPILOG)
@click.argument("name")
@click.option("--period", metavar="YYYY-MM", help="Period to explain (default: the latest).")
@click.option("--geography", metavar="CODE", help="ICB, Place (local authority code) or provider code "
              "(default: the ICB where the rule covers it).")
@click.option("--submissions", metavar="DIR", help="Submissions folder (default: the project's `submissions`).")
@click.option("--project", "project_dir", metavar="DIR", help="Rules project folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def explain(name, period, geography, submissions, project_dir, fmt) -> None:
    """Exactly how a rule's verdict was reached, or what a code means.

    For a RULE: the commitment as the plan words it, the metric and the exact SQL
    that ran (it runs on its own against the same files), the numerator,
    denominator and value with each contributing organisation, the target, warn
    band, deadline and trajectory that applied, the verdict and why, SPC, escalation
    and the data-quality caveats of the returns used, with their hashes.

    For a CODE (DQ03, PJ02, ...): its documentation.

    \b
    Examples:
      assure explain ae_4hr_76 --period 2024-03 --geography RBT
      assure explain cancer_fds_75 --format markdown > fds.md
      assure explain DQ11
    """
    from . import explain as explain_mod
    from .render import explain_out

    code = explain_mod.find_code(name)
    if code is not None:
        click.echo(explain_out.render_code(code), nl=False)
        return
    from . import api

    result = api.explain(name, submissions=submissions, project_dir=project_dir, period=period, geography=geography)
    click.echo(explain_out.render(result, fmt), nl=False)


@main.command(epilog=EPILOG)
@click.option("--project", "project_dir", metavar="DIR", help="Rules project folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def coverage(project_dir, fmt) -> None:
    """Which commitments of the plan are encoded, still to encode, or not testable.

    Joins the commitments register (register/*.toml: every commitment statement in
    the plan, with its source lines) to the rules that cite it. Exits 1 when a
    register entry names a rule that does not exist, or a rule cites no register
    entry (or one that does not exist).

    \b
    Example:
      assure coverage --format markdown > coverage.md
    """
    from . import api
    from .render.coverage_out import render

    result = api.coverage(project_dir)
    click.echo(render(result, fmt), nl=False)
    sys.exit(int(ExitCode.FINDINGS if result.problems else ExitCode.OK))


@main.command(epilog=EPILOG)
@click.argument("directory", required=False)
@click.option("--icb", default="QXX", show_default=True, metavar="CODE", help="The ICB's ODS code.")
@click.option("--name", default="", help="The ICB's name.")
@click.option("--rule", "rule_id", metavar="ID", help="Instead: write a commented template for a new rule.")
@click.option("--metric", metavar="METRIC", help="With --rule: the metric the rule judges.")
@click.option("--project", "project_dir", metavar="DIR", help="With --rule: the rules project.")
def init(directory, icb, name, rule_id, metric, project_dir) -> None:
    """Start a rules project, or a new rule in one.

    `assure init DIR --icb CODE` creates a project that checks clean and runs: rules,
    metric definitions, an organisation register to fill in, an escalation policy,
    a narratives template, one example period of submissions, a README explaining
    the monthly routine, a pre-commit configuration and a CI workflow example.

    `assure init --rule ID --metric METRIC` writes rules/ID.toml with every key
    explained; it lints clean once its TODOs are filled in.

    \b
    Examples:
      assure init nhs-my-icb --icb QXX --name "NHS My ICB"
      assure init --rule virtual_ward_beds_900 --metric virtual_ward_beds
    """
    from . import init as init_mod

    if rule_id:
        if not metric:
            raise click.UsageError("--rule needs --metric")
        from . import project as project_mod

        path = init_mod.new_rule(project_mod.load(project_dir), rule_id, metric)
        click.echo(f"wrote {path}: fill in its TODOs, then run `assure lint`")
        return
    if not directory:
        raise click.UsageError("give a DIRECTORY for the new project, or --rule ID --metric METRIC")
    written = init_mod.new_project(directory, icb=icb, name=name)
    click.echo(f"created {directory} ({len(written)} files). Next:\n  cd {directory}\n  assure check submissions/2024-03")


@main.command(epilog=EPILOG)
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--date", "date_column", required=True, metavar="COL", help="Column holding the period or date.")
@click.option("--value", "value_column", required=True, metavar="COL", help="Column holding the value.")
@click.option("--improvement", type=click.Choice(["increase", "decrease", "neutral"]), default="increase",
              show_default=True, help="Which direction is better.")
@click.option("--target", type=float, help="Target, for the assurance icon.")
@click.option("--rebase", multiple=True, metavar="DATE", help="Start a new set of limits at this date (repeatable).")
@click.option("--fix-after", type=click.IntRange(min=12), help="Compute limits from the first N points only.")
@click.option("--no-screen", is_flag=True, help="Keep unusually large moving ranges (as the MDC Excel tool does).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "svg"]), default="text", show_default=True)
def spc(file, date_column, value_column, improvement, target, rebase, fix_after, no_screen, fmt) -> None:
    """Making Data Count SPC for any series in a CSV file.

    Prints, for each point, the mean, the process limits, the special-cause rules it
    triggers and its variation type; and for the series, the variation and
    assurance icons. Limits are mean ± 2.66 × mean moving range, as NHS-R's
    NHSRplotthedots computes them; see docs/spc.md.

    \b
    Example:
      assure spc ae.csv --date period --value performance --target 76 --improvement increase
    """
    from . import spc_command

    click.echo(spc_command.run(file, date_column, value_column, improvement=improvement, target=target,
                               rebase=rebase, fix_after=fix_after, screen=not no_screen, fmt=fmt), nl=False)


def _history_path(project_dir, history_file) -> str:
    from . import history as history_mod

    return history_file or history_mod.default_path(project_dir)


def _history_json(values) -> str:
    import dataclasses
    import json

    def plain(v):
        if dataclasses.is_dataclass(v):
            return dataclasses.asdict(v)
        if hasattr(v, "_asdict"):
            return v._asdict()
        return v
    return json.dumps([plain(v) for v in values] if isinstance(values, list) else plain(values),
                      indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_history_options = [
    click.option("--project", "project_dir", metavar="DIR", help="Rules project folder (its history file is "
                 "[project] history in assure.toml, default .assure/history.duckdb)."),
    click.option("--history", "history_file", metavar="FILE", help="History database to read instead "
                 "(also: the ASSURE_HISTORY environment variable)."),
    click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
]


def _with_history_options(function):
    for option in reversed(_history_options):
        function = option(function)
    return function


@main.group(epilog=EPILOG)
def history() -> None:
    """What earlier checks recorded: runs, returns and their versions, a rule's series.

    Every `assure check` (unless --no-history) records its run in the project's
    history database: each return as submitted (hash, file, period, validation
    outcome and failures), every result with its verdict, SPC and escalation, and
    the run's provenance. A return sent again with different content is a new
    version; earlier versions stay.

    \b
    Examples:
      assure history runs
      assure history returns --period 2024-03
      assure history series ae_4hr_76 --geography RBT
      assure history compare 4ab1aa0d e992b472
    """


@history.command("runs", epilog=EPILOG)
@_with_history_options
def history_runs(project_dir, history_file, fmt) -> None:
    """Every recorded run, newest first."""
    from . import history as history_mod

    found = history_mod.runs(_history_path(project_dir, history_file))
    if fmt == "json":
        click.echo(_history_json(found), nl=False)
        return
    if not found:
        click.echo("no runs recorded yet")
        return
    click.echo(history_mod.table(
        ("run", "recorded (UTC)", "period", "returns", "invalid", "results", "escalated", "rules version"),
        [(r.run_id[:8], r.recorded_at[:19].replace("T", " "), r.period, r.submissions, r.invalid_submissions,
          r.results, r.escalated, r.rules_version) for r in found]), nl=False)


@history.command("returns", epilog=EPILOG)
@click.option("--period", metavar="YYYY-MM", help="Only this period's returns.")
@click.option("--dataset", metavar="ID", help="Only this dataset's returns.")
@_with_history_options
def history_returns(period, dataset, project_dir, history_file, fmt) -> None:
    """Every version of every return, with its hash and whether it was fit to use.

    A return is its period and file name; each different content seen under that
    name is a new version (* marks the latest). Validity is as the latest run that
    read the version found it.
    """
    from . import history as history_mod

    found = history_mod.returns(_history_path(project_dir, history_file), period)
    if dataset:
        found = [r for r in found if r.dataset == dataset]
    if fmt == "json":
        click.echo(_history_json(found), nl=False)
        return
    if not found:
        click.echo("no returns recorded" + (f" for {period}" if period else ""))
        return
    click.echo(history_mod.table(
        ("period", "dataset", "file", "version", "sha256", "rows", "valid", "failures", "first seen (UTC)"),
        [(r.period, r.dataset, r.file, f"v{r.version}{'*' if r.latest else ''}", r.sha256[:12], r.rows, r.valid,
          r.failure_count, r.first_seen_at[:19].replace("T", " ")) for r in found]), nl=False)


@history.command("series", epilog=EPILOG)
@click.argument("rule")
@click.option("--geography", metavar="CODE", help="ICB, Place (local authority code) or provider code "
              "(default: the ICB).")
@click.option("--prefer-valid", is_flag=True, help="For a period whose latest run found the data unfit, "
              "show the latest result that was judged on valid data.")
@_with_history_options
def history_series(rule, geography, prefer_valid, project_dir, history_file, fmt) -> None:
    """One rule's result for one geography, a period per line, each from the latest
    run that judged that period."""
    from . import history as history_mod
    from .errors import UsageError

    path = _history_path(project_dir, history_file)
    known = history_mod.geographies(path, rule)
    if not known:
        raise UsageError(f"the history {path} holds no results for rule {rule!r}",
                         hint="check the rule id (`assure history runs` lists what was recorded)")
    code = geography or next((c for level, c, _ in known if level == "icb"), known[0][1])
    found = history_mod.series(path, rule, code, prefer_valid=prefer_valid)
    if not found:
        raise UsageError(f"rule {rule!r} has no results for {code!r} in the history",
                         hint="codes with results: " + ", ".join(c for _, c, _ in known))
    if fmt == "json":
        click.echo(_history_json(found), nl=False)
        return
    name = next((n for _, c, n in known if c == code), code)
    click.echo(f"{rule} — {name} ({code})")
    click.echo(history_mod.table(("period", "value", "target", "verdict", "escalation", "run"),
                                 [(p.period, p.value, p.target, p.verdict, p.escalation, p.run_id[:8])
                                  for p in found]), nl=False)


@history.command("compare", epilog=EPILOG)
@click.argument("sha_a")
@click.argument("sha_b")
@_with_history_options
def history_compare(sha_a, sha_b, project_dir, history_file, fmt) -> None:
    """What validation found in one version of a return and not the other.

    SHA_A and SHA_B are content hashes (or unique prefixes) from `assure history returns`.
    """
    from . import history as history_mod

    change = history_mod.compare(_history_path(project_dir, history_file), sha_a, sha_b)
    if fmt == "json":
        click.echo(_history_json(change), nl=False)
        return
    a, b = change.a, change.b
    click.echo(f"{a.file} v{a.version} ({a.sha256[:12]}) -> {b.file} v{b.version} ({b.sha256[:12]})")
    for sign, failures in (("+", change.added), ("-", change.removed)):
        for f in failures:
            click.echo(f"{sign} {f.file}:{f.row} {f.column}={f.value!r} {f.code} {f.severity}: {f.message}")
    click.echo(f"{len(change.added)} added, {len(change.removed)} removed, {change.unchanged} unchanged")


if __name__ == "__main__":  # pragma: no cover
    main()
