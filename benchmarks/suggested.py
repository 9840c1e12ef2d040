"""Changes to assure suggested by benchmarks/record_level.py, applied by monkeypatching
inside the benchmark's child process only (`record_level.py --suggested ...`), so their
effect can be measured before anyone edits assure/. Nothing here is imported by assure.

Each function is a drop-in replacement for the one named in its docstring; see
benchmarks/README.md for the figures and the exact diffs.
"""

from __future__ import annotations

from typing import Optional

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}


def nhs_number_sql(column: str) -> str:
    """assure.nhs.nhs_number_sql, without the per-character work: the stripped digits
    are cast to one integer and the nine weighted digits taken by arithmetic. The
    current version repeats regexp_replace() 29 times and substr()+TRY_CAST 19 times
    per row. Same answers (tests/test_nhs_and_periods.py), works on DuckDB >= 1.1."""
    digits = f"replace(replace({column}, ' ', ''), '-', '')"
    number = f"CAST({digits} AS UBIGINT)"  # only evaluated once the regex has matched
    weighted = " + ".join(f"(({number} // {10 ** (9 - i)}) % 10) * {10 - i}" for i in range(9))
    # (11 - s % 11) % 11 maps 11 to 0 and leaves 10, which no digit equals: no valid number
    return (f"(CASE WHEN regexp_full_match({digits}, '[0-9]{{10}}') "
            f"THEN (11 - ({weighted}) % 11) % 11 = {number} % 10 ELSE false END)")


def typed_parts(loaded, contract, types: dict) -> str:
    """assure.contracts._typed_parts, passing through columns that already have the
    contract's type (Parquet), instead of printing each value as text and parsing it
    back (TIMESTAMP -> VARCHAR -> TIMESTAMP costs ~0.4 s per million values, in every
    query that reads the column). `types` maps canonical column -> DuckDB type, from
    DESCRIBE of the mapped view. A text column (CSV, Excel) is parsed as before."""
    from assure.contracts import SQL_TYPE
    from assure.db import quote

    parts = ["_row"]
    for name in loaded.columns:
        spec = contract.column(name)
        target, have = SQL_TYPE[spec.type], types.get(name)
        if target != "VARCHAR" and (have == target or (target == "BIGINT" and have in INTEGER_TYPES)):
            # Already typed: nothing to parse, so nothing can fail DQ03; the text is for messages.
            parts.append(f"CAST({quote(name)} AS {target}) AS {quote(name)}")
            parts.append(f"CAST({quote(name)} AS VARCHAR) AS {quote(name + '__raw')}")
            continue
        src = f"NULLIF(TRIM(CAST({quote(name)} AS VARCHAR)), '')"
        parts.append(f"TRY_CAST({src} AS {target}) AS {quote(name)}")
        parts.append(f"{src} AS {quote(name + '__raw')}")
    return ", ".join(parts)


_TYPES: dict = {}  # monkeypatch glue: loaded.view -> column types, filled by typed_view


def typed_view(con, loaded, contract) -> str:
    """assure.contracts.typed_view, reading the mapped view's column types first."""
    _TYPES[loaded.view] = {row[0]: row[1] for row in con.execute(f"DESCRIBE {loaded.view}").fetchall()}
    view = loaded.view + "_t"
    kind = "TEMP TABLE" if contract.grain == "aggregate" else "VIEW"
    con.execute(f"CREATE {kind} {view} AS SELECT {typed_parts(loaded, contract, _TYPES[loaded.view])} "
                f"FROM {loaded.view}")
    return view


def survey(con, view: str, checks, keys: list[str], org: Optional[str]):
    """assure.contracts._survey, counting distinct key *hashes* (8 bytes each) rather
    than distinct key structs (the strings themselves): the one part of validation
    whose memory grows with the file. A hash collision can only make the count lower,
    which sends the file to _duplicates' exact pass; it can never hide a duplicate."""
    from assure.db import quote

    columns = [f"count(*) FILTER (WHERE {c.violation})" for c in checks]
    if len(keys) == 1:
        key_sql = quote(keys[0])
    else:
        key_sql = "struct_pack(" + ", ".join(f"{quote(k)} := {quote(k)}" for k in keys) + ")"
    not_null = " AND ".join(f"{quote(k)} IS NOT NULL" for k in keys) or "true"
    columns += [f"count(DISTINCT hash({key_sql})) FILTER (WHERE {not_null})" if keys else "NULL",
                f"count(*) FILTER (WHERE {not_null})",
                f"list(DISTINCT {quote(org)})" if org else "[]"]
    found = con.execute(f"SELECT {', '.join(columns)} FROM {view}").fetchone()
    n = len(checks)
    return list(found[:n]), found[n], found[n + 1], list(found[n + 2] or [])


def apply(which: set[str]) -> None:
    """Patch assure in this process: which is a subset of {'nhs', 'typed', 'hash'}."""
    import assure.contracts as contracts
    import assure.nhs as nhs

    if "nhs" in which:
        nhs.nhs_number_sql = nhs_number_sql
        contracts.nhs_number_sql = nhs_number_sql
    if "typed" in which:
        contracts.typed_view = typed_view
        # _standalone (assure explain) rebuilds the same columns over the file itself
        contracts._typed_parts = lambda loaded, contract: typed_parts(loaded, contract, _TYPES.get(loaded.view, {}))
    if "hash" in which:
        contracts._survey = survey


ALL = ("nhs", "typed", "hash")
