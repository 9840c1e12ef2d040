"""The lint codes: stable, grouped, each documenting itself.

Groups: RF references (beyond the loader's PJ03), UN units and polarity, DT dates and
trajectories, SQ metric SQL, TR traceability (and suppressions), CF conflicts. The
loader's own PJ codes (schema, references, duplicates, bad values) are reported by
`assure lint` as they are. Codes are never reused; a retired code keeps its entry.
"""

from __future__ import annotations

from ..diagnostics import Code


def _c(*args, **kwargs) -> Code:
    return Code(*args, **kwargs)


LINT_CODES = (
    # -- references ------------------------------------------------------------------
    _c("RF01", "unknown-tag", "A tag names an unknown quality domain, Place or theme",
       "`nqb:` tags name a National Quality Board domain (safe, effective, caring, responsive, "
       "well-led, equitable); `place:` tags name a Place in the organisation register (its name, "
       "lower case, hyphenated); other tags come from the project's vocabulary "
       "([tool.assure.lint] tags) or, without one, are not near-misses of a tag used elsewhere.",
       "Reports and coverage group commitments by tag; a misspelt tag silently drops a "
       "commitment from its Place's or domain's page.",
       'tags = ["nqb:responsve", "place:st-helen"]', 'tags = ["nqb:responsive", "place:st-helens"]'),
    # -- units and polarity ------------------------------------------------------------
    _c("UN01", "percent-as-fraction", "A percent target is written as a fraction",
       "A rule on a metric whose unit is `percent` has a target, warn band or trajectory between 0 and 1.",
       "Metric values are percentages (76.0, not 0.76); a target of 0.76 is met by almost any value, "
       "so every result would read `met`.",
       'target = 0.76   # metric unit "percent"', "target = 76.0"),
    _c("UN02", "comparator-contradicts-polarity", "The comparator asks for the opposite of the metric's polarity",
       "A rule on a lower_is_better metric uses `>=` or `>`; one on a higher_is_better metric uses "
       "`<=`, `<` or `eliminate`.",
       "A target that rewards getting worse is usually a slip of the comparator; where it is meant "
       "(a floor on a lower-is-better measure), say why with an inline suppression.",
       'comparator = ">="   # metric polarity "lower_is_better"',
       'comparator = "<="   (or: comparator = ">="  # assure: ignore[UN02] minimum staffing floor)'),
    _c("UN03", "time-unit-mismatch", "A duration is in a different time unit from its metric",
       "A rule's target, read against the number and unit its title or quote states, is in the "
       "metric's time unit; a metric whose SQL reads a column in seconds (or minutes, hours, days, "
       "weeks) but reports another time unit converts it.",
       "Minutes compared with seconds are wrong by a factor of 60: 33 minutes written as 1980 "
       "would be met by every ambulance service in the country.",
       'title = "Category 2 mean 33 minutes", target = 1980.0   # metric unit "minutes"',
       "target = 33.0   (and numerator = \"sum(cat2_total_seconds) / 60.0\")"),
    _c("UN04", "percent-out-of-range", "A percent target lies outside 0 to 100",
       "Targets, warn bands and trajectory values of a percent metric are between 0 and 100.",
       "A share cannot exceed 100%; a target of 760 is a typing slip for 76.0 and could never be met.",
       'target = 760.0   # metric unit "percent"', "target = 76.0"),
    # -- dates and trajectories ----------------------------------------------------------
    _c("DT01", "deadline-before-start", "The deadline is before the start",
       "A rule's `deadline` is not earlier than its `start`.",
       "With the deadline first, every period is either not yet started or already past the "
       "deadline: the trajectory is never used and the rule means nothing.",
       'start = "2024-04", deadline = "2024-03"', 'start = "2023-04", deadline = "2024-03"'),
    _c("DT02", "trajectory-misses-target", "The trajectory does not reach the target by the deadline",
       "The trajectory's last point, carried on at the trajectory's own average monthly pace to the "
       "deadline, meets the target (a point at the deadline must meet it outright).",
       "A trajectory that falls short plans to miss the commitment: every month reads on "
       "trajectory until the deadline, then missed.",
       'target = 75.0, deadline = "2024-03", trajectory = { "2023-04" = 5.0, "2024-02" = 20.0 }',
       'trajectory = { "2023-04" = 6.25, "2024-02" = 68.75 }', severity="warning"),
    _c("DT03", "trajectory-outside-window", "A trajectory point lies outside the rule's window",
       "Trajectory periods fall on or after `start` and before `deadline`; a rule with a trajectory "
       "has a deadline.",
       "The trajectory is used only between start and deadline: a point outside is never used, "
       "and usually means a mistyped year.",
       'start = "2023-04", deadline = "2024-03", trajectory = { "2203-06" = 20.0 }',
       'trajectory = { "2023-06" = 20.0 }'),
    _c("DT04", "date-label-mismatch", "A date in the title or quote does not match the deadline",
       "When a rule's title or source quote names a month (\"March 2024\") or a financial year "
       "(\"2023/24\", which ends in March 2024), one of them is the rule's deadline; a title that "
       "names one needs a deadline.",
       "A deadline a year out judges a whole year of results against the wrong date, and the report "
       "would contradict the words printed above it.",
       'title = "... 75% by March 2024", deadline = "2025-03"', 'deadline = "2024-03"', severity="warning"),
    # -- SQL -----------------------------------------------------------------------------------
    _c("SQ01", "sql-does-not-bind", "Metric SQL does not parse or bind against its dataset",
       "Each `numerator`, `denominator` and `value` is bound by DuckDB against an empty table with "
       "the dataset contract's columns and types; no data is read.",
       "SQL that fails would leave every rule on the metric unjudged at the next monthly run.",
       'numerator = "sum(attendences)"', 'numerator = "sum(attendances)"'),
    _c("SQ02", "sql-reaches-outside", "Metric SQL reaches outside the data it is given",
       "Metric SQL calls no table or file function (read_csv, read_parquet, glob, ...), no system "
       "function (getenv, current_setting, duckdb_*), reads no other table, names no file path or "
       "URL, and does not end the expression to start another statement (ATTACH, COPY, ...).",
       "Rules projects are shared; SQL that reads a file could leak it into a report. `assure check` "
       "refuses such SQL at run time too, but the author should hear it first.",
       "value = \"(SELECT count(*) FROM read_csv('/etc/passwd'))\"", 'value = "sum(waiting_65wk_plus)"'),
    _c("SQ03", "sql-not-aggregate", "Metric SQL is not an aggregate",
       "Each expression aggregates the rows of one organisation (sum, count, ...), so it gives one "
       "value per organisation.",
       "A bare column would give one value per row; which row's value a report showed would be arbitrary.",
       'numerator = "attendances - breaches_4hr"', 'numerator = "sum(attendances - breaches_4hr)"'),
    _c("SQ04", "sql-nondeterministic", "Metric SQL depends on the clock or on chance",
       "Metric SQL does not call now(), current_date, random(), uuid() or similar.",
       "The same returns and rules must give the same results, byte for byte, whenever they are run again.",
       "numerator = \"count(*) FILTER (WHERE seen_date > current_date - 28)\"",
       "numerator = \"count(*) FILTER (WHERE seen_date - referral_date <= 28)\"", severity="warning"),
    # -- traceability --------------------------------------------------------------------------
    _c("TR01", "quote-not-found", "The quote is not at the cited line of the plan",
       "A rule's `source.quote` (and each `not_followed` quote) is found in the cited document "
       "within three lines of the cited line, after whitespace, typographic quotes and dashes are "
       "normalised; `...` in a quote stands for omitted words.",
       "The quote is how a committee member checks a rule against the plan; a quote that is not "
       "there cannot be checked, and usually means the rule drifted from the plan.",
       'source = { file = "000_0a303dff798ab43a.txt", line = 600, quote = "no less than 76% ..." }',
       'source = { file = "000_0a303dff798ab43a.txt", line = 672, quote = "no less than 76% ..." }'),
    _c("TR02", "source-not-found", "The cited document or line does not exist",
       "`source.file` names a file in the project's sources folder, and `source.line` is within it.",
       "A citation that leads nowhere is no citation.",
       'source = { file = "000_jfp.txt", line = 672, ... }',
       'source = { file = "000_0a303dff798ab43a.txt", line = 672, ... }'),
    _c("TR03", "no-owner", "The rule has no owner",
       "Every rule names the programme or person answerable for it in `owner`.",
       "An exception report without an owner asks the committee to hold no one to account.",
       'owner = ""', 'owner = "Urgent and Emergency Care programme"'),
    _c("TR04", "no-register-entry", "The rule cites no commitment in the register, or an unknown one",
       "Every rule's `register` lists at least one id of a `[[commitment]]` in register/*.toml "
       "(checked when the project keeps a register).",
       "The register is how `assure coverage` proves every commitment of the plan is encoded; an "
       "uncited rule is invisible to it.",
       'register = ["SUM-APX1-0001"]', 'register = ["SUM-APX1-001"]'),
    _c("TR05", "suppression-without-reason", "An inline suppression gives no reason",
       "`# assure: ignore[CODE]` is followed by the reason the finding is intended.",
       "A silenced finding without a reason cannot be reviewed; such a comment silences nothing.",
       'comparator = ">="  # assure: ignore[UN02]',
       'comparator = ">="  # assure: ignore[UN02] a floor: fewer than 90% would mean unsafe staffing'),
    _c("TR06", "unused-suppression", "An inline suppression silences nothing",
       "Each code in `# assure: ignore[...]` names a lint code that is reported on that line.",
       "A stale suppression would hide the next, different problem on its line.",
       'target = 76.0  # assure: ignore[UN01] legacy', "target = 76.0", severity="warning"),
    _c("TR07", "number-not-in-source", "The rule's number is not in the words it quotes",
       "A threshold rule's `target` (and each geography's own target in `targets`) and a direction "
       "or gap rule's `by` appear in its `source` or `not_followed` quotes, as digits (`76`, "
       "`1,330,322`, `4.5`) or in words the plan uses for them (`four`, `nine`, `all` or `every` "
       "for 100%, `halve` for 50, `net zero` or `eliminate` for 0).",
       "A committee member checks a rule by reading its quote; a number that is not there was "
       "worked out, rounded or borrowed from elsewhere, and the rule must say so in a reasoned "
       "suppression.",
       'target = 77.0\nsource = { ..., quote = "no less than 76% of patients are seen within 4 hours" }',
       'target = 76.0\nsource = { ..., quote = "no less than 76% of patients are seen within 4 hours" }',
       severity="warning"),
    # -- conflicts ------------------------------------------------------------------------------
    _c("CF01", "conflicting-targets", "Two rules set different targets for the same thing",
       "Two rules on the same metric, overlapping scope and the same deadline agree on the target, "
       "unless one records the other's source in `not_followed`.",
       "The plan sometimes gives two numbers for one measure; judging both silently reports the "
       "same performance as met and missed at once.",
       "ae_4hr_76 (>= 76) and ae_4hr_77 (>= 77), both ICB, both 2024-03",
       "keep one, or record the other's source: not_followed = [{ file, line, quote, note }]"),
    _c("CF02", "unresolved-plan-conflict", "The plan disagrees with itself and the rule does not say which it follows",
       "A rule citing a register entry whose `conflicts` lists other wordings of the commitment "
       "records, in `not_followed`, the source it does not follow.",
       "Where the plan gives two targets, the committee must see which one the rule judges and why.",
       'register = ["SUM-APX1-003"]   # the register notes 001:2424 commits to 94.3%',
       'not_followed = [{ file = "001_3d2bb76ba4ed8ba7.txt", line = 2424, quote = "...", note = "why" }]',
       severity="warning"),
)

BY_CODE = {c.code: c for c in LINT_CODES}


def _complete_catalogue() -> None:
    """If assure/diagnostics.py merges these codes into CATALOGUE (it imports this module
    as `_lint` for that) but this module was imported first, diagnostics finished before
    LINT_CODES existed: add them now. Does nothing when diagnostics does not merge them."""
    import sys

    from .. import diagnostics

    if getattr(diagnostics, "_lint", None) is sys.modules[__name__]:
        for c in LINT_CODES:
            diagnostics.CATALOGUE.setdefault(c.code, c)


_complete_catalogue()
