"""The only place a DuckDB connection is opened, with settings that keep rule SQL
inside the data it was given."""

from __future__ import annotations


def connect(path: str = ":memory:", threads: int | None = None, memory_limit: str | None = None):
    import os

    import duckdb

    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    # Monthly aggregate returns are many tiny queries, where a second thread costs more
    # than it gives; record-level work asks for more threads explicitly.
    config["threads"] = threads or 1
    # A cap makes DuckDB spill to the run's temporary folder, so memory stays flat as
    # a record-level extract grows instead of following its size.
    config["memory_limit"] = memory_limit or os.environ.get("ASSURE_MEMORY_LIMIT", "1GB")
    return duckdb.connect(path, config=config)


def seal(con, allowed: list[str] = ()) -> None:
    """After inputs are loaded, forbid reading or writing any other file.

    Metric SQL is written by rule authors and arrives in a rules project that may come
    from anywhere; once sealed, `read_csv('/etc/passwd')` in a numerator fails rather
    than leaking a file into a report. Parquet returns stay where they are (read in
    place, never copied), so their own paths remain readable.
    """
    if allowed:
        con.execute("SET allowed_paths = [" + ", ".join(literal(p) for p in allowed) + "]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"
