"""The checks behind `assure lint`, one module per group of codes.

codes.py defines every lint code. context.py holds what the checks share: the loaded
project, each file's text and key positions, the register (register_index.py) and the
plan documents. refs.py, units.py, dates.py, sql.py, trace.py and conflicts.py each
yield Diagnostics; settings.py and suppress.py decide which are shown; render.py
prints them; cache.py keeps the SQL findings between runs.

Nothing heavy is imported at module level: DuckDB loads only when SQL must be bound.
"""
