"""Dataset contract -> Pandera schema -> SQL checks run inside DuckDB -> Failures.

Pandera is the contract layer: `schema()` states each contract as a Pandera
DataFrameSchema (dtypes, nullability, uniqueness, named checks with statistics).
`compile_checks()` turns that schema into DuckDB predicates, and `validate()` runs
them where the data already is. A record-level extract of millions of rows is never
copied into pandas; only the failing rows, capped per check, come back to Python.
docs/validation.md explains the approach, and tests prove the compiled SQL finds
exactly what Pandera's own DuckDB (Ibis) backend finds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Optional

from .db import literal, quote
from .inputs import Loaded
from .model import ColumnSpec, Contract
from .nhs import ODS_CODE, POSTCODE, nhs_number_sql
from .periods import Period
from .results import Failure, Submission

EXAMPLES_PER_CHECK = 50
PERIOD_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"
SQL_TYPE = {
    "string": "VARCHAR", "integer": "BIGINT", "count": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
    "date": "DATE", "timestamp": "TIMESTAMP", "period": "VARCHAR", "ods_code": "VARCHAR",
    "nhs_number": "VARCHAR", "postcode": "VARCHAR",
}
PANDERA_TYPE = {
    "VARCHAR": "string", "BIGINT": "int64", "DOUBLE": "float64", "BOOLEAN": "boolean",
    "DATE": "date", "TIMESTAMP": "timestamp",
}


# -- the contract as a Pandera schema ---------------------------------------------------

def _column_checks(spec: ColumnSpec) -> list:
    from pandera.api.checks import Check

    checks = []
    warn = spec.severity == "warning"
    low = 0 if spec.type == "count" and spec.min is None else spec.min
    if low is not None:
        checks.append(Check.greater_than_or_equal_to(low, raise_warning=warn))
    if spec.max is not None:
        checks.append(Check.less_than_or_equal_to(spec.max, raise_warning=warn))
    if spec.allowed:
        checks.append(Check.isin(list(spec.allowed), raise_warning=warn))
    pattern = spec.pattern or {"period": PERIOD_PATTERN, "postcode": POSTCODE, "ods_code": ODS_CODE}.get(spec.type)
    if pattern:
        checks.append(Check.str_matches(f"^(?:{pattern})$", raise_warning=warn))
    if spec.type == "period":
        # The period being checked is bound when the checks are compiled for a file.
        checks.append(Check(lambda col: col.notnull(), name="equals_period", raise_warning=warn))
    if spec.type == "nhs_number":
        checks.append(Check(lambda col: col.notnull(), name="nhs_number_check_digit", raise_warning=warn))
    if spec.type == "ods_code":
        checks.append(Check(lambda col: col.notnull(), name="valid_for_period", raise_warning=warn))
    return checks


@lru_cache(maxsize=None)
def schema(contract: Contract):
    """The contract as a Pandera (Ibis backend) DataFrameSchema, built once per run."""
    import ibis
    import pandera.ibis as pa
    from pandera.api.checks import Check

    columns = {
        spec.name: pa.Column(ibis.dtype(PANDERA_TYPE[SQL_TYPE[spec.type]]), checks=_column_checks(spec),
                             nullable=spec.nullable, required=spec.required,
                             description=spec.description or None)
        for spec in contract.columns
    }
    table_checks = []
    for spec in contract.columns:
        if spec.not_above:
            table_checks.append(Check(lambda t, a=spec.name, b=spec.not_above: t[a] <= t[b], name="not_above",
                                      statistics={"column": spec.name, "other": spec.not_above}))
        if spec.not_before:
            table_checks.append(Check(lambda t, a=spec.name, b=spec.not_before: t[a] >= t[b], name="not_before",
                                      statistics={"column": spec.name, "other": spec.not_before}))
    return pa.DataFrameSchema(columns, checks=table_checks, unique=list(contract.keys), name=contract.id,
                              strict=False, coerce=False)


# -- the schema compiled to SQL ---------------------------------------------------------

@dataclass(frozen=True)
class SqlCheck:
    code: str
    column: str
    violation: str          # boolean SQL over the typed view, true on a failing row
    message: str            # template with {value}
    severity: str
    value: str              # SQL of the value to show


def compile_checks(pandera_schema, contract: Contract, present: tuple[str, ...], period: Period) -> list[SqlCheck]:
    checks: list[SqlCheck] = []
    for name, column in pandera_schema.columns.items():
        if name not in present:
            continue
        spec = contract.column(name)
        col, raw = quote(name), quote(name + "__raw")
        type_name = SQL_TYPE[spec.type]
        severity = spec.severity
        if type_name == "BIGINT":
            # TRY_CAST would round '3.5' to 4: a count must be written as a whole number.
            checks.append(SqlCheck("DQ03", name, f"{raw} IS NOT NULL AND ({col} IS NULL OR NOT "
                                   f"regexp_full_match({raw}, '[+-]?[0-9]+(\\.0+)?'))",
                                   f"`{name}` must be {_a(spec.type)}, not {{value}}", severity, raw))
        elif type_name != "VARCHAR":
            checks.append(SqlCheck("DQ03", name, f"{raw} IS NOT NULL AND {col} IS NULL",
                                   f"`{name}` must be {_a(spec.type)}, not {{value}}", severity, raw))
        if not column.nullable:
            checks.append(SqlCheck("DQ06", name, f"{raw} IS NULL", f"`{name}` is empty", severity, "''"))
        for check in column.checks:
            compiled = _compile_column_check(check, name, col, spec, period)
            if compiled:
                checks.append(compiled)
    for check in pandera_schema.checks:
        a, b = check.statistics["column"], check.statistics["other"]
        if a in present and b in present:
            op, code, words = ("<=", "DQ08", "above") if check.name == "not_above" else (">=", "DQ18", "before")
            checks.append(SqlCheck(code, a, f"NOT ({quote(a)} {op} {quote(b)})",
                                   f"`{a}` ({{value}}) is {words} `{b}` ({{other}})", "error",
                                   f"{quote(a + '__raw')} || '|' || {quote(b + '__raw')}"))
    return checks


def _a(type_name: str) -> str:
    words = {"count": "a whole number of 0 or more", "integer": "a whole number", "number": "a number",
             "date": "a date (YYYY-MM-DD)", "timestamp": "a date and time (YYYY-MM-DD HH:MM)",
             "boolean": "true or false"}
    return words.get(type_name, type_name)


def _compile_column_check(check, name: str, col: str, spec: ColumnSpec, period: Period) -> Optional[SqlCheck]:
    stats, raw = check.statistics, quote(name + "__raw")
    severity = "warning" if check.raise_warning else "error"
    if check.name == "greater_than_or_equal_to":
        low = stats["min_value"]
        return SqlCheck("DQ04", name, f"{col} < {low}", f"`{name}` is {{value}}, below the minimum of {low:g}", severity, raw)
    if check.name == "less_than_or_equal_to":
        high = stats["max_value"]
        return SqlCheck("DQ04", name, f"{col} > {high}", f"`{name}` is {{value}}, above the maximum of {high:g}", severity, raw)
    if check.name == "isin":
        allowed = stats["allowed_values"]
        listed = ", ".join(literal(v) if isinstance(v, str) else repr(v) for v in allowed)
        shown = ", ".join(str(v) for v in allowed)
        return SqlCheck("DQ05", name, f"{col} NOT IN ({listed})", f"`{name}` is {{value}}, not one of {shown}", severity, raw)
    if check.name == "str_matches":
        pattern = stats["pattern"]
        pattern = getattr(pattern, "pattern", pattern)
        return SqlCheck("DQ16", name, f"NOT regexp_matches({col}, {literal(pattern)})",
                        f"`{name}` is {{value}}, which is not in the expected format", severity, raw)
    if check.name == "equals_period":
        return SqlCheck("DQ09", name, f"regexp_full_match({col}, {literal(PERIOD_PATTERN)}) AND {col} <> {literal(period)}",
                        f"`{name}` is {{value}} but the return is being checked for {period}", severity, raw)
    if check.name == "nhs_number_check_digit":
        return SqlCheck("DQ17", name, f"NOT {nhs_number_sql(col)}",
                        f"`{name}` {{value}} is not a valid NHS number (Modulus 11 check digit)", severity, raw)
    return None  # valid_for_period needs the register: validate() runs it


# -- running the checks -----------------------------------------------------------------

@dataclass(frozen=True)
class Validation:
    submission: Submission
    view: Optional[str]             # typed view of the rows fit to measure
    whole_file_bad: bool
    bad_orgs: tuple[str, ...]       # orgs with rejected rows
    unattributed: bool              # rejected rows that belong to no known org
    present_orgs: tuple[str, ...] = ()  # every org with at least one row, fit or not
    standalone: Optional[str] = None    # SQL giving the clean typed rows straight from the file

    def with_failure(self, failure: Failure) -> "Validation":
        sub = self.submission
        failures = tuple(sorted(sub.failures + (failure,), key=lambda f: (f.row, f.column, f.code, f.value)))
        return replace(self, submission=replace(sub, failures=failures, failure_count=sub.failure_count + 1))


INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}


def _typed_parts(loaded: Loaded, contract: Contract) -> str:
    have = dict(loaded.types)
    parts = ["_row"]
    for name in loaded.columns:
        spec = contract.column(name)
        target = SQL_TYPE[spec.type]
        if target != "VARCHAR" and (have.get(name) == target or (target == "BIGINT" and have.get(name) in INTEGER_TYPES)):
            # Already typed (Parquet): nothing to parse, so nothing can fail DQ03; the text is for messages.
            parts.append(f"CAST({quote(name)} AS {target}) AS {quote(name)}")
            parts.append(f"CAST({quote(name)} AS VARCHAR) AS {quote(name + '__raw')}")
            continue
        src = f"NULLIF(TRIM(CAST({quote(name)} AS VARCHAR)), '')"
        parts.append(f"TRY_CAST({src} AS {SQL_TYPE[spec.type]}) AS {quote(name)}")
        parts.append(f"{src} AS {quote(name + '__raw')}")
    for spec in contract.columns:
        if spec.name not in loaded.columns and not spec.required:
            # An optional column the file leaves out is empty, so metric SQL naming it still binds.
            parts.append(f"CAST(NULL AS {SQL_TYPE[spec.type]}) AS {quote(spec.name)}")
    return ", ".join(parts)


def typed_view(con, loaded: Loaded, contract: Contract) -> str:
    """Typed columns beside their raw text. An aggregate return (a few hundred rows) is
    materialised once, so its dozen checks do not re-parse it; a record-level extract
    stays a view, streamed by each check, so memory does not grow with the file."""
    view = loaded.view + "_t"
    kind = "TEMP TABLE" if contract.grain == "aggregate" else "VIEW"
    con.execute(f"CREATE {kind} {view} AS SELECT {_typed_parts(loaded, contract)} FROM {loaded.view}")
    return view


def validate(con, contract: Contract, loaded: Loaded, period: Period, register) -> Validation:
    failures = list(loaded.failures)
    file_errors = any(f.severity == "error" for f in failures)
    if loaded.view is None or file_errors:
        return _done(loaded, contract, period, failures, failures_total=len(failures), view=None, whole=True)
    view = typed_view(con, loaded, contract)
    org = contract.org_column if contract.org_column in loaded.columns else None
    checks = compile_checks(schema(contract), contract, loaded.columns, period)
    keys = [k for k in contract.keys if k in loaded.columns]
    counts, distinct_keys, rows, orgs = _survey(con, view, checks, keys if len(keys) == len(contract.keys) else [], org)
    total = len(failures)
    for check, count in zip(checks, counts):
        if count:
            total += count
            failures += _examples(con, view, check, org, loaded.file)
    predicates = [c.violation for c, n in zip(checks, counts) if n and c.severity == "error"]
    surveys = [_org_validity(con, view, contract, loaded, period, register, orgs)]
    if distinct_keys is not None and distinct_keys < rows:
        surveys.append(_duplicates(con, view, contract, loaded, org, rows - distinct_keys))
    for found, count, predicate in surveys:
        failures += found
        total += count
        if predicate:
            predicates.append(predicate)
    clean, bad_orgs, unattributed = _rejected(con, view, predicates, failures, org)
    validation = _done(loaded, contract, period, failures, total, clean, False, bad_orgs, unattributed,
                       tuple(sorted(o for o in orgs if o is not None)))
    return replace(validation, standalone=_standalone(loaded, contract, view, predicates))


def _standalone(loaded: Loaded, contract: Contract, view: str, predicates: list[str]) -> Optional[str]:
    """The clean rows as one query that reads the file itself: the CTE takes the typed
    view's name, so the rejection predicates apply unchanged."""
    if not loaded.standalone:
        return None
    where = " WHERE NOT coalesce(" + " OR ".join(f"({p})" for p in predicates) + ", false)" if predicates else ""
    return (f"WITH {view} AS (SELECT {_typed_parts(loaded, contract)} FROM ({loaded.standalone}))\n"
            f"SELECT * FROM {view}{where}")


def _survey(con, view: str, checks: list[SqlCheck], keys: list[str], org: Optional[str]):
    """One pass for every check's failure count, the key count and the organisations present."""
    columns = [f"count(*) FILTER (WHERE {c.violation})" for c in checks]
    # Distinct key hashes: 8 bytes a row instead of the key strings. A collision can only
    # lower the count, which sends the file to _duplicates' exact pass; it never hides one.
    key_sql = (quote(keys[0]) if len(keys) == 1 else
               "struct_pack(" + ", ".join(f"{quote(k)} := {quote(k)}" for k in keys) + ")") if keys else "NULL"
    not_null = " AND ".join(f"{quote(k)} IS NOT NULL" for k in keys) or "true"
    columns += [f"count(DISTINCT hash({key_sql})) FILTER (WHERE {not_null})" if keys else "NULL",
                f"count(*) FILTER (WHERE {not_null})",
                f"list(DISTINCT {quote(org)})" if org else "[]"]
    found = con.execute(f"SELECT {', '.join(columns)} FROM {view}").fetchone()
    n = len(checks)
    return list(found[:n]), found[n], found[n + 1], list(found[n + 2] or [])


def _examples(con, view: str, check: SqlCheck, org: Optional[str], file: str) -> list[Failure]:
    org_sql = quote(org + "__raw") if org else "''"
    rows = con.execute(f"SELECT _row, {check.value}, {org_sql} FROM {view} WHERE {check.violation} "
                       f"ORDER BY _row LIMIT {EXAMPLES_PER_CHECK}").fetchall()
    found = []
    for row, value, org_code in rows:
        value = "" if value is None else str(value)
        shown, other = (value.split("|", 1) + [""])[:2] if check.code in ("DQ08", "DQ18") else (value, "")
        message = check.message.format(value=repr(shown) if check.code == "DQ03" else shown, other=other)
        found.append(Failure(file, int(row), check.column, shown, check.code, message, check.severity, org_code or ""))
    return found


def _duplicates(con, view: str, contract: Contract, loaded: Loaded, org: Optional[str], repeated: int):
    keys = [k for k in contract.keys if k in loaded.columns]
    if len(keys) != len(contract.keys):
        return [], 0, None
    cols = ", ".join(quote(k) for k in keys)
    not_null = " AND ".join(f"{quote(k)} IS NOT NULL" for k in keys)
    org_sql = quote(org) if org else "''"
    sql = (f"WITH d AS (SELECT {cols} FROM {view} WHERE {not_null} GROUP BY {cols} HAVING count(*) > 1) "
           f"SELECT _row, {org_sql}, {cols}, min(_row) OVER (PARTITION BY {cols}) AS first FROM {view} JOIN d USING ({cols}) ")
    repeats = f"SELECT _row FROM ({sql}) WHERE _row > first"
    rows = con.execute(f"SELECT * FROM ({sql}) WHERE _row > first ORDER BY _row LIMIT {EXAMPLES_PER_CHECK}").fetchall()
    found = []
    for row in rows:
        key_text = ", ".join(f"{k} {v}" for k, v in zip(keys, row[2:-1]))
        found.append(Failure(loaded.file, int(row[0]), keys[-1] if len(keys) == 1 else (org or keys[0]),
                             str(row[1] or ""), "DQ07",
                             f"row repeats the key ({key_text}) of row {row[-1]}", "error", str(row[1] or "")))
    return found, repeated, (f"_row IN ({repeats})" if rows else None)


def _org_validity(con, view: str, contract: Contract, loaded: Loaded, period: Period, register, org_codes):
    specs = [c for c in contract.columns if c.type == "ods_code" and c.name in loaded.columns]
    found, total, predicates = [], 0, []
    for spec in specs:
        col = quote(spec.name)
        if spec.name == contract.org_column:
            codes = [c for c in org_codes if c is not None]
        else:
            codes = [r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM {view} WHERE {col} IS NOT NULL").fetchall()]
        bad = {code: register.why_invalid(code, period) for code in codes}
        bad = {code: why for code, why in bad.items() if why}
        if not bad:
            continue
        listed = ", ".join(literal(c) for c in sorted(bad))
        if spec.severity == "error":  # a warning-level column reports the code but keeps the row
            predicates.append(f"{col} IN ({listed})")
        total += con.execute(f"SELECT count(*) FROM {view} WHERE {col} IN ({listed})").fetchone()[0]
        rows = con.execute(f"SELECT _row, {col} FROM {view} WHERE {col} IN ({listed}) "
                           f"ORDER BY _row LIMIT {EXAMPLES_PER_CHECK}").fetchall()
        for row, code in rows:
            dq, message = bad[code]
            found.append(Failure(loaded.file, int(row), spec.name, code, dq, message, spec.severity, code))
    return found, total, " OR ".join(predicates) or None


def _rejected(con, view: str, predicates: list[str], failures: list[Failure], org: Optional[str]):
    """Rows with an error are not measured; the orgs they belong to cannot be judged."""
    if not predicates:
        return view, (), False
    where = "coalesce(" + " OR ".join(f"({p})" for p in predicates) + ", false)"
    clean = view + "_ok"
    con.execute(f"CREATE VIEW {clean} AS SELECT * FROM {view} WHERE NOT {where}")
    if not org:
        return clean, (), True
    codes = [r[0] for r in con.execute(f"SELECT DISTINCT {quote(org)} FROM {view} WHERE {where}").fetchall()]
    return clean, tuple(sorted(c for c in codes if c is not None)), any(c is None for c in codes)


def _done(loaded, contract, period, failures, failures_total, view, whole, orgs=(), unattributed=False,
          present=()) -> Validation:
    ordered = tuple(sorted(failures, key=lambda f: (f.row, f.column, f.code, f.value)))
    submission = Submission(file=loaded.file, dataset=contract.id, period=str(period), sha256=loaded.sha256,
                            rows=loaded.rows, failures=ordered, failure_count=failures_total, sheet=loaded.sheet)
    return Validation(submission, view, whole, tuple(orgs), unattributed, tuple(present))
