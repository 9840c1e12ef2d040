"""SQ codes: metric SQL parses, stays inside its dataset, aggregates, and binds.

Each expression is parsed by DuckDB (json_serialize_sql, which runs nothing) and its
syntax tree is walked for functions, tables and literals that reach outside the data.
Only then is it bound, on a sealed in-memory connection, against an empty table with
the dataset contract's columns and types: no file is opened and no row is read.
"""

from __future__ import annotations

import json
import re

from .. import db
from ..contracts import SQL_TYPE
from ..metrics import aggregate_sql
from .context import Context, diagnostic

KEYS = ("numerator", "denominator", "value")
PLACEHOLDER = "__assure_lint__"
PREFIX = "SELECT CAST(("
SYSTEM = {"getenv", "current_setting", "current_database", "current_catalog", "current_schema", "current_schemas",
          "current_user", "session_user", "user", "version", "txid_current", "current_query", "nextval", "currval",
          "set_config", "load", "install", "attach", "detach", "copy", "export"}
SYSTEM_PREFIXES = ("read_", "duckdb_", "pragma_", "parquet_", "sqlite_", "postgres_", "mysql_", "iceberg_", "delta_",
                   "http", "s3", "glob", "sniff_", "query", "json_execute", "arrow_", "pandas_", "python_",
                   "enable_", "disable_", "checkpoint", "force_checkpoint", "which_secret", "register_")
# DuckDB's table functions that the prefixes above do not catch (duckdb_functions() lists
# them, but asking costs a tenth of a second, more than every other SQL check together).
# range, repeat, unnest and generate_series are left out: they are also list functions,
# and used as tables they need a FROM, which is caught as a subquery.
TABLE_FUNCTIONS = frozenset({
    "arrow_scan", "arrow_scan_dumb", "checkpoint", "create_external_resource", "deregister_external_resource",
    "destroy_external_resource", "glob", "icu_calendar_names", "json_each", "json_tree",
    "pg_timezone_names", "repeat_row", "seq_scan", "sniff_csv", "summary", "test_all_types",
    "test_vector_types", "truncate_duckdb_logs", "which_secret", "iceberg_scan", "delta_scan",
    "postgres_scan", "sqlite_scan", "mysql_scan", "parquet_scan", "query", "query_table", "read_text", "read_blob",
})
CLOCK_OR_CHANCE = {"now", "current_date", "current_time", "current_timestamp", "today", "get_current_time",
                   "get_current_timestamp", "transaction_timestamp", "localtime", "localtimestamp", "random",
                   "setseed", "uuid", "gen_random_uuid", "uuidv4", "uuidv7"}
_PATH = re.compile(r"^(/|~|\.{1,2}[/\\]|[A-Za-z]:[\\/]|\\\\)|://|\.(csv|tsv|txt|parquet|json|ndjson|jsonl|xlsx?|"
                   r"db|duckdb|sqlite|gz|zst|arrow)$", re.IGNORECASE)


def check(ctx: Context):
    metrics = [m for m in ctx.metrics() if m.dataset in ctx.project.contracts]
    if not metrics:
        return
    con = db.connect()
    try:
        table_functions = TABLE_FUNCTIONS
        for dataset in sorted({m.dataset for m in metrics}):
            contract = ctx.project.contracts[dataset]
            columns = ", ".join(f"{db.quote(c.name)} {SQL_TYPE[c.type]}" for c in contract.columns)
            con.execute(f"CREATE TABLE {db.quote(dataset)} ({columns})")
        db.seal(con)
        for metric in metrics:
            yield from _metric(ctx, con, metric, table_functions)
    finally:
        con.close()


def _metric(ctx: Context, con, metric, table_functions):
    contract = ctx.project.contracts[metric.dataset]
    columns = {c.name for c in contract.columns}
    found = False
    for key in KEYS:
        expression = getattr(metric, key)
        if not expression:
            continue
        problems = list(_expression(ctx, con, metric, key, expression, columns, table_functions))
        found |= any(d.code in ("SQ01", "SQ02", "SQ03") for d in problems)
        yield from problems
    if found:
        return
    sql = aggregate_sql([metric], db.quote(metric.dataset), contract.org_column)
    try:
        con.execute(f"SELECT * FROM ({sql}) LIMIT 0")
    except Exception as exc:  # noqa: BLE001 (duckdb's error classes vary by version)
        yield diagnostic("SQ01", f"metric `{metric.id}` does not run against `{metric.dataset}`: {_first(exc)}",
                         ctx.metric_at(metric), "run `assure explain` on a rule of this metric to see the full SQL")


def _expression(ctx: Context, con, metric, key, expression, columns, table_functions):
    where = lambda offset=None: _location(ctx, metric, key, expression, offset)  # noqa: E731
    if _outside_strings(expression, ";"):
        yield diagnostic("SQ02", f"{key} ends the expression with `;` and starts another statement",
                         where(_outside_strings(expression, ";") - 1), "a metric is one expression, with no `;`")
        return
    query = f"{PREFIX}{expression}) AS DOUBLE) FROM {db.quote(PLACEHOLDER)}"
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0])
    if tree.get("error"):
        offset = int(tree["position"]) - len(PREFIX) if str(tree.get("position", "")).isdigit() else None
        yield diagnostic("SQ01", f"{key} does not parse: {tree.get('error_message', 'syntax error')}",
                         where(offset), "metric SQL is one DuckDB expression over the dataset's columns")
        return
    escaped = _escapes(tree)
    if escaped:
        yield diagnostic("SQ02", f"{key} closes its parentheses and {escaped}", where(),
                         "a metric is one expression over the dataset's columns")
        return
    outside = list(_walk_outside(tree["statements"][0]["node"]["select_list"][0], columns, table_functions))
    for code, message, offset in outside:
        yield diagnostic(code, f"{key} {message}", where(offset - len(PREFIX) if offset is not None else None),
                         "metric SQL may use only the dataset's own columns" if code == "SQ02" else
                         "measure from dates in the data, not from the day the check runs")
    if any(code == "SQ02" for code, _, _ in outside):
        return
    yield from _bind(ctx, con, metric, key, expression, where)


def _bind(ctx: Context, con, metric, key, expression, where):
    table = db.quote(metric.dataset)
    try:
        con.execute(f"SELECT CAST(({expression}) AS DOUBLE) FROM {table} LIMIT 0")
    except Exception as exc:  # noqa: BLE001
        yield diagnostic("SQ01", f"{key} does not bind against `{metric.dataset}`: {_first(exc)}", where(),
                         _columns_hint(ctx, metric))
        return
    org = db.quote(ctx.project.contracts[metric.dataset].org_column)
    try:
        con.execute(f"SELECT CAST(({expression}) AS DOUBLE) FROM {table} GROUP BY {org} LIMIT 0")
    except Exception:  # noqa: BLE001
        yield diagnostic("SQ03", f"{key} `{expression}` is not an aggregate, so it gives one value per row rather "
                         "than one per organisation", where(),
                         f"aggregate it: {key} = \"sum({expression})\", or count(*) FILTER (WHERE ...)")


def _escapes(tree: dict) -> str:
    """What the expression does beyond being one expression, if anything."""
    statements = tree.get("statements", [])
    if len(statements) != 1:
        return "adds another statement"
    node = statements[0]["node"]
    source = node.get("from_table") or {}
    if node.get("type") != "SELECT_NODE" or len(node.get("select_list", ())) != 1:
        return "adds more to the query"
    if source.get("type") != "BASE_TABLE" or source.get("table_name") != PLACEHOLDER:
        return "reads another source"
    if any(node.get(k) for k in ("where_clause", "having", "qualify", "sample", "group_expressions", "modifiers")) \
            or node.get("cte_map", {}).get("map"):
        return "adds clauses to the query"
    return ""


def _walk_outside(node, columns, table_functions):
    """(code, message, query offset) for everything in the expression that leaves the data."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, dict):
            continue
        at = item.get("query_location")
        at = at if isinstance(at, int) and at < 2 ** 31 else None
        name = str(item.get("function_name", "")).lower()
        if item.get("class") == "FUNCTION" and name:
            if name in SYSTEM or name.startswith(SYSTEM_PREFIXES) or name in table_functions:
                yield "SQ02", f"calls `{name}()`, which reaches outside the dataset", at
            elif name in CLOCK_OR_CHANCE:
                yield "SQ04", f"calls `{name}()`, so the result changes from run to run", at
        if item.get("class") == "COLUMN_REF":
            column = str((item.get("column_names") or [""])[-1]).lower()
            if column in CLOCK_OR_CHANCE and column not in {c.lower() for c in columns}:
                yield "SQ04", f"uses `{column}`, so the result changes from run to run", at
        if item.get("class") == "SUBQUERY" or "from_table" in item:
            yield "SQ02", "holds a subquery, which can read tables other than the dataset", at
            continue
        literal = item.get("literal") if item.get("class") == "CONSTANT" else None
        if isinstance(literal, dict) and isinstance(literal.get("text"), str) and _PATH.search(literal["text"]):
            yield "SQ02", f"names the path or URL '{literal['text']}'", at
        stack.extend(v for k, v in item.items() if isinstance(v, (dict, list)))


def _outside_strings(text: str, char: str) -> int:
    """1 + the index of `char` outside SQL string literals and quoted names, or 0."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == char:
            return i + 1
    return 0


def _location(ctx: Context, metric, key, expression, offset):
    location = ctx.metric_at(metric, key, value=True)
    found = ctx.files.get(metric.path)
    if offset is None or found is None or not location.line:
        return location
    line = found.lines[location.line - 1]
    start = line.find(expression, max(location.col - 1, 0))
    if start < 0 or not 0 <= offset <= len(expression):
        return location
    return type(location)(location.path, location.line, start + 1 + offset)


def _columns_hint(ctx: Context, metric) -> str:
    names = ", ".join(c.name for c in ctx.project.contracts[metric.dataset].columns)
    return f"`{metric.dataset}` has the columns {names}"


def _first(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
