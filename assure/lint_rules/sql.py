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
from . import cache
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
    wanted = cache.key(_inputs(ctx, metrics))
    found = cache.load(ctx.root, "sql", wanted)
    if found is None:
        found = list(_check(ctx, metrics))
        cache.save(ctx.root, "sql", wanted, found)
    yield from found


def _inputs(ctx: Context, metrics) -> list[str]:
    """Everything the findings depend on, besides the code: the metrics, their datasets'
    columns, and the text of the files they are in (for line and column)."""
    datasets = sorted({m.dataset for m in metrics})
    parts = [repr((m.id, m.dataset, m.numerator, m.denominator, m.value, m.path)) for m in metrics]
    for dataset in datasets:
        contract = ctx.project.contracts[dataset]
        parts.append(repr((dataset, contract.org_column, [(c.name, c.type) for c in contract.columns])))
    for path in sorted({m.path for m in metrics}):
        found = ctx.files.get(path)
        parts.append(f"{path}\n{found.text if found else ''}")
    return parts


def _check(ctx: Context, metrics):
    con = db.connect()
    try:
        for dataset in sorted({m.dataset for m in metrics}):
            contract = ctx.project.contracts[dataset]
            columns = ", ".join(f"{db.quote(c.name)} {SQL_TYPE[c.type]}" for c in contract.columns)
            con.execute(f"CREATE TABLE {db.quote(dataset)} ({columns})")
        db.seal(con)
        trees = _parse_all(con, metrics)
        for metric in metrics:
            yield from _metric(ctx, con, metric, trees)
    finally:
        con.close()


def _parse_all(con, metrics) -> dict:
    """Every expression's syntax tree, from one DuckDB call (json_serialize_sql runs nothing)."""
    expressions = sorted({e for m in metrics for e in (m.numerator, m.denominator, m.value) if e})
    queries = [_query(e) for e in expressions]
    rows = con.execute("SELECT q, json_serialize_sql(q) FROM unnest(?::VARCHAR[]) AS t(q)", [queries]).fetchall()
    by_query = dict(rows)
    return {e: json.loads(by_query[q]) for e, q in zip(expressions, queries)}


def _query(expression: str) -> str:
    return f"{PREFIX}{expression}) AS DOUBLE) FROM {db.quote(PLACEHOLDER)}"


def _metric(ctx: Context, con, metric, trees):
    contract = ctx.project.contracts[metric.dataset]
    columns = {c.name for c in contract.columns}
    found = False
    for key in KEYS:
        expression = getattr(metric, key)
        if not expression:
            continue
        problems = list(_expression(ctx, con, metric, key, expression, columns, trees))
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


def _expression(ctx: Context, con, metric, key, expression, columns, trees):
    where = lambda offset=None: _location(ctx, metric, key, expression, offset)  # noqa: E731
    if _outside_strings(expression, ";"):
        yield diagnostic("SQ02", f"{key} ends the expression with `;` and starts another statement",
                         where(_outside_strings(expression, ";") - 1), "a metric is one expression, with no `;`")
        return
    tree = trees[expression]
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
    outside = list(_walk_outside(tree["statements"][0]["node"]["select_list"][0], columns))
    for code, message, offset in outside:
        yield diagnostic(code, f"{key} {message}", where(offset - len(PREFIX) if offset is not None else None),
                         "metric SQL may use only the dataset's own columns" if code == "SQ02" else
                         "measure from dates in the data, not from the day the check runs")
    if any(code == "SQ02" for code, _, _ in outside):
        return
    yield from _bind(ctx, con, metric, key, expression, where)


def _bind(ctx: Context, con, metric, key, expression, where):
    """Bound grouped by organisation, as `assure check` runs it; only if that fails is it
    bound again ungrouped, to tell a wrong expression (SQ01) from a bare one (SQ03)."""
    table = db.quote(metric.dataset)
    org = db.quote(ctx.project.contracts[metric.dataset].org_column)
    try:
        con.execute(f"{PREFIX}{expression}) AS DOUBLE) FROM {table} GROUP BY {org} LIMIT 0")
        return
    except Exception as grouped:  # noqa: BLE001 (duckdb's error classes vary by version)
        problem = grouped
    try:
        con.execute(f"{PREFIX}{expression}) AS DOUBLE) FROM {table} LIMIT 0")
    except Exception as exc:  # noqa: BLE001
        yield diagnostic("SQ01", f"{key} does not bind against `{metric.dataset}`: {_first(exc)}",
                         where(_caret(exc)), _candidates(exc) or _columns_hint(ctx, metric))
        return
    yield diagnostic("SQ03", f"{key} `{expression}` is not an aggregate, so it gives one value per row rather "
                     "than one per organisation", where(_caret(problem)),
                     f"aggregate it: {key} = \"sum({expression})\", or count(*) FILTER (WHERE ...)")


def _caret(exc: Exception):
    """Where in the expression DuckDB's `LINE 1: ...` and `^^^` lines point, if they do."""
    lines = str(exc).splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("LINE 1: ") and lines[i + 1].lstrip().startswith("^"):
            at = len(lines[i + 1]) - len(lines[i + 1].lstrip()) - len("LINE 1: ") - len(PREFIX)
            return at if at >= 0 else None
    return None


def _candidates(exc: Exception) -> str:
    for line in str(exc).splitlines():
        if line.startswith("Candidate bindings:"):
            first = line.split(":", 1)[1].split(",")[0].strip().strip('"')
            return f"did you mean `{first}`?" if first else ""
    return ""


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


def _walk_outside(node, columns):
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
            if name in SYSTEM or name.startswith(SYSTEM_PREFIXES) or name in TABLE_FUNCTIONS:
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
