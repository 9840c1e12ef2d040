"""The SQL compiled from a contract's Pandera schema finds exactly the rows Pandera's
own DuckDB (Ibis) backend finds, for the checks both can run."""

from __future__ import annotations

import duckdb
import ibis
import pandera.errors
import pytest

from assure import project as project_mod
from assure.contracts import compile_checks, schema
from assure.periods import Period
from conftest import REPO

ROWS = [
    ("2024-03", "REM", 1, 100, 20),
    ("2024-03", "RBL", 4, 100, 20),      # ae_type not allowed
    ("2024-03", "RBN", 2, -5, 0),        # negative count
    ("2024-3", "RBT", 1, 50, 10),        # bad period format
    ("2024-03", "rbt!", 3, 10, 1),       # bad ODS code shape
]


def test_compiled_sql_matches_pandera_ibis_backend():
    project = project_mod.load(str(REPO))
    contract = project.contracts["ae_monthly"]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (_row BIGINT, period VARCHAR, org_code VARCHAR, ae_type BIGINT, attendances BIGINT, "
                "breaches_4hr BIGINT, admissions BIGINT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, 0)", [(i + 2, *r) for i, r in enumerate(ROWS)])
    con.execute("CREATE VIEW v AS SELECT *, CAST(period AS VARCHAR) period__raw, CAST(org_code AS VARCHAR) org_code__raw, "
                "CAST(ae_type AS VARCHAR) ae_type__raw, CAST(attendances AS VARCHAR) attendances__raw, "
                "CAST(breaches_4hr AS VARCHAR) breaches_4hr__raw, CAST(admissions AS VARCHAR) admissions__raw FROM t")
    pandera_schema = schema(contract)
    checks = compile_checks(pandera_schema, contract, tuple(c.name for c in contract.columns), Period(2024, 3))
    builtin = {"DQ04", "DQ05", "DQ16"}
    ours = set()
    for c in checks:
        if c.code in builtin:
            ours |= {(c.column, r) for (r,) in con.execute(f"SELECT _row FROM v WHERE {c.violation}").fetchall()}
    # Pandera's own run, restricted to the same built-in checks.
    import pandera.ibis as pa

    table = ibis.duckdb.from_connection(con).table("t")
    restricted = pa.DataFrameSchema({
        name: pa.Column(column.dtype, nullable=True,
                        checks=[k for k in column.checks if k.name in ("greater_than_or_equal_to", "isin", "str_matches")])
        for name, column in pandera_schema.columns.items()
    })
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        restricted.validate(table, lazy=True)
    cases = caught.value.failure_cases
    theirs = set()
    for _, case in cases.iterrows():
        (column, _value), = case["failure_case"].items()
        theirs.add((column, int(case["index"]) + 2))
    assert ours == theirs == {("ae_type", 3), ("attendances", 4), ("period", 5), ("org_code", 6)}
