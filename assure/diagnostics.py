"""One diagnostic type for every problem assure reports, and the catalogue of codes.

Codes are stable: two letters and two digits with a kebab-case name, never reused.
`PJ` codes are problems loading a rules project (exit 3); `DQ` codes are data-quality
failures in a return. Each code documents itself so `assure explain CODE` and
docs/codes.md can never fall behind the code that raises it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.col or 1}"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    location: Location
    severity: str = "error"
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {self.code} {self.message}"
        return f"{text}\n  help: {self.hint}" if self.hint else text


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    title: str
    what: str
    why: str
    example: str
    instead: str
    severity: str = "error"
    scope: str = "row"  # for DQ codes: does a failure reject a row or the whole file
    extra: dict = field(default_factory=dict)


def _c(*args, **kwargs) -> Code:
    return Code(*args, **kwargs)


PROJECT_CODES = (
    _c("PJ01", "toml-syntax", "The file is not valid TOML",
       "Every project file parses as TOML 1.0.",
       "A file that does not parse cannot be checked at all, so nothing in it would be assured.",
       'target = 76%   # a bare percent sign is not TOML', 'target = 76.0'),
    _c("PJ02", "schema-violation", "A key is unknown, missing or of the wrong type",
       "Every file matches the JSON Schema for its kind (assure/schemas/).",
       "An unknown key is usually a typo; ignoring it would silently drop what the author meant.",
       'comparater = ">="', 'comparator = ">="'),
    _c("PJ03", "unknown-reference", "A reference names something that does not exist",
       "Rules name metrics, metrics name datasets, scopes name organisations, all by id.",
       "A dangling reference would make a rule judge nothing, and no one would notice.",
       'metric = "ae_4hour"', 'metric = "ae_4hr"'),
    _c("PJ04", "duplicate-id", "Two definitions share one id",
       "Dataset, metric and rule ids are unique across the project.",
       "With two definitions of one id, which one ran would depend on file order.",
       "[rules.ae_4hr_76] defined in two files", "rename one of them"),
    _c("PJ05", "bad-period", "A period or date is not in the expected form",
       "Periods are written YYYY-MM; dates YYYY-MM-DD.",
       "A deadline that cannot be read would make every verdict before it wrong.",
       'deadline = "March 2024"', 'deadline = "2024-03"'),
    _c("PJ06", "missing-file", "A file the project needs is missing or unreadable",
       "The project configuration, organisation register and population table exist.",
       "Without the organisation register no return can be attributed to a Place.",
       'organisations = "reference/orgs.toml"  # no such file', "point at the file that exists"),
    _c("PJ07", "bad-value", "A value is inconsistent with the rest of its definition",
       "Targets, warn bands and trajectories make sense together.",
       "A warn band on the wrong side of the target would never report at_risk.",
       'comparator = ">=", target = 76.0, warn = 80.0', "warn = 74.0 (below the target for >=)"),
    _c("PJ08", "bad-sql", "Metric SQL fails to run against its dataset",
       "A metric's numerator, denominator or value is DuckDB SQL that runs on the dataset's columns only.",
       "SQL that fails would leave every rule on the metric unjudged; SQL that reads files could leak them.",
       "numerator = \"sum(attendences)\"", "numerator = \"sum(attendances)\""),
)

DQ_CODES = (
    _c("DQ01", "missing-column", "A required column is missing",
       "Every required column of the contract is present (headers match forgivingly: case, spaces and punctuation are ignored, and aliases count).",
       "Without the column no value in the file can be trusted; the whole file is rejected.",
       "header `total_waitng`", "header `total_waiting` (or add the spelling to the column's aliases)",
       scope="file"),
    _c("DQ02", "unknown-column", "A column is not in the contract",
       "Every column of the file is known to the contract.",
       "An extra column is often a misspelt one; it is reported as a warning and ignored.",
       "header `breaches_4hrs`", "header `breaches_4hr`", severity="warning", scope="file"),
    _c("DQ03", "wrong-type", "A value cannot be read as the column's type",
       "Every value converts to its column's type (integer, number, date, timestamp, ...).",
       "A text value in a count column cannot be added up; the row is rejected.",
       'ga_beds_occupied_adult = "n/a"', "a number, or leave the cell empty if the column allows it"),
    _c("DQ04", "out-of-range", "A value is below the minimum or above the maximum",
       "Counts are not negative; values lie within the column's min and max.",
       "A negative count is always a data error and would distort every roll-up.",
       "waiting_65wk_plus = -2", "waiting_65wk_plus = 2"),
    _c("DQ05", "not-allowed", "A value is not one of the allowed values",
       "Coded columns hold only their listed codes.",
       "An unknown code cannot be grouped or filtered correctly.",
       "ae_type = 4", "ae_type = 1, 2 or 3"),
    _c("DQ06", "missing-value", "A required value is empty",
       "Columns that are not nullable have a value in every row.",
       "An empty count would be read as zero by some tools and as unknown by others.",
       "attendances = (empty)", "attendances = 0 if there were none"),
    _c("DQ07", "duplicate-key", "Two rows share the same key",
       "The contract's key columns identify one row each.",
       "A repeated row would be counted twice in every total.",
       "two rows for period 2024-02, org_code REM", "one row per key; send a resubmission to correct"),
    _c("DQ08", "numerator-above-denominator", "A part is larger than its whole",
       "Columns declared not_above another never exceed it (breaches <= attendances).",
       "A share above 100% means one of the two numbers is wrong.",
       "breaches_4hr = 812, attendances = 640", "breaches_4hr <= attendances"),
    _c("DQ09", "period-mismatch", "The row's period is not the period being checked",
       "The period column equals the period of the folder being checked.",
       "Last month's file in this month's folder would be judged as this month.",
       "period = 2023-12 in folder 2024-01", "period = 2024-01"),
    _c("DQ10", "unknown-org", "The organisation code is not in the register",
       "Every organisation code is in the organisation register.",
       "A result for an unknown code cannot be attributed to a Place or the ICB.",
       "org_code = RXX", "a code from reference/organisations.toml"),
    _c("DQ11", "org-not-valid", "The organisation code was not valid for the period",
       "The code was open on at least one day of the period (trusts merge and codes close).",
       "A closed code usually means an old template; its activity belongs to the successor.",
       "org_code = RVY in 2024-03 (closed 2023-06-30)", "org_code = RBN, its successor"),
    _c("DQ12", "missing-submitter", "An organisation expected to submit did not",
       "Every organisation with the dataset's role in the register submitted for the period.",
       "Its results become no_data, and totals that would include it carry a caveat.",
       "no row for RJN in ae_monthly 2024-03", "ask RJN for its return", severity="warning",
       scope="file"),
    _c("DQ13", "empty-file", "The file has no data rows",
       "A return holds at least one data row.",
       "An empty file is usually a failed export, not a month with no activity.",
       "a header line only", "re-export the return", scope="file"),
    _c("DQ14", "unreadable-file", "The file cannot be read",
       "The file opens as CSV, Excel or Parquet in a known encoding.",
       "Nothing in a file that cannot be read can be validated.",
       "a truncated .xlsx", "re-export the return", scope="file"),
    _c("DQ15", "unmatched-file", "The file matches no dataset contract",
       "Every file in a period folder is a return some contract describes (by filename pattern or header).",
       "A return nobody checks is a return nobody uses.",
       "notes_for_analyst.txt in submissions/2024-03", "move it out of the folder, or add a contract",
       severity="warning", scope="file"),
    _c("DQ16", "bad-format", "A value does not have the required format",
       "Values match their pattern (periods YYYY-MM, postcodes, codes).",
       "A malformed key cannot be joined to anything.",
       'period = "March 2024"', 'period = "2024-03"'),
    _c("DQ17", "nhs-number-check-digit", "The NHS number fails its check digit",
       "NHS numbers are ten digits whose last is the Modulus 11 check digit of the first nine.",
       "An NHS number with a wrong check digit is a mistyped or invented number.",
       "nhs_number = 9434765918", "nhs_number = 9434765919"),
    _c("DQ18", "order-violation", "A value is before a value it must follow",
       "Columns declared not_before another are never earlier (departure after arrival).",
       "A negative duration distorts every time-based metric.",
       "departure 2024-03-02 09:10, arrival 2024-03-02 11:00", "departure after arrival"),
    _c("DQ19", "ambiguous-file", "The file matches more than one contract",
       "Each file is one return.",
       "A file read as two returns would be counted twice.",
       "ae_monthly.csv matches ae_monthly and ae_attendances", "tighten the contracts' file patterns",
       scope="file"),
)

CATALOGUE = {c.code: c for c in PROJECT_CODES + DQ_CODES}


def code(code_id: str) -> Code:
    return CATALOGUE[code_id]
