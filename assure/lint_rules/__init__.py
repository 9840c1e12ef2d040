"""The checks behind `assure lint`, one module per group of codes.

codes.py defines every lint code; context.py holds what the checks share (the loaded
project, each file's text and key positions, the register index, the plan documents);
units.py, dates.py, sql.py, trace.py, conflicts.py and refs.py each yield Diagnostics;
suppress.py and settings.py decide which of them are shown; render.py prints them.

This package imports nothing heavy at module level: diagnostics.py imports codes.py.
"""
