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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "github", "markdown"]), default="text",
              show_default=True, help="What to print on standard output.")
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
    from .errors import exit_code
    from .render import format_for, render

    progress = None
    if not quiet and sys.stderr.isatty():
        progress = lambda message: click.echo(f"\r\033[K{message}…", err=True, nl=False)  # noqa: E731
    run = api.check(submissions, project_dir=project_dir, period=period, progress=progress)
    if progress:
        click.echo("\r\033[K", err=True, nl=False)
    for path in outs:
        _write(path, render(run, format_for(path), fail_on=fail_on))
    color = fmt == "text" and sys.stdout.isatty()
    click.echo(render(run, fmt, fail_on=fail_on, color=color), nl=False)
    sys.exit(int(exit_code(run, fail_on)))


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


if __name__ == "__main__":  # pragma: no cover
    main()
