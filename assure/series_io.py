"""Read a series for `assure spc`: one date and one value column from a CSV file."""

from __future__ import annotations

import csv
from pathlib import Path

from .errors import UsageError
from .inputs import DELIMITERS, normalise


def read_series(path: str, date_column: str, value_column: str) -> list[tuple[str, float | None]]:
    """(date, value) pairs in date order; an empty cell is a missing value, not zero."""
    source = Path(path)
    if not source.is_file():
        raise UsageError(f"{path} is not a file")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = source.read_text(encoding="cp1252")
    lines = text.splitlines()
    if not lines:
        raise UsageError(f"{path} is empty")
    delimiter = max(DELIMITERS, key=lambda d: lines[0].count(d))
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader)
    columns = {normalise(h): i for i, h in enumerate(header)}
    where = [columns.get(normalise(c)) for c in (date_column, value_column)]
    for wanted, index in zip((date_column, value_column), where):
        if index is None:
            raise UsageError(f"{path} has no column {wanted!r}", hint=f"its columns are: {', '.join(header)}")
    points = []
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        date, raw = row[where[0]].strip(), row[where[1]].strip() if where[1] < len(row) else ""
        try:
            value = float(raw.replace(",", "")) if raw else None
        except ValueError:
            raise UsageError(f"{path}:{row_number}: {value_column} is {raw!r}, not a number") from None
        points.append((date, value))
    return sorted(points, key=lambda p: p[0])
