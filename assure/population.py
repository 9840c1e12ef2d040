"""The population table: residents by Place, year and age band, the denominator of
rates per 1,000, per 100,000 or per million."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Optional

from .periods import Period


@dataclass(frozen=True)
class Population:
    counts: dict  # (code, year, band) -> int
    sources: dict  # (code, year, band) -> str

    def of(self, code: str, period: Period, band: str) -> Optional[int]:
        """Population for the latest year on or before the period's calendar year:
        mid-year estimates are published a year or more after the fact."""
        years = sorted(y for (c, y, b) in self.counts if c == code and b == band and y <= period.year)
        return self.counts[(code, years[-1], band)] if years else None


def load(path: str) -> Population:
    counts, sources = {}, {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["code"].strip(), int(row["year"]), row["age_band"].strip())
            counts[key] = int(row["population"])
            sources[key] = row.get("source", "")
    return Population(counts=counts, sources=sources)


EMPTY = Population(counts={}, sources={})
