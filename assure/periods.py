"""Reporting periods: calendar months written YYYY-MM, and NHS financial years.

A period is the month a return reports on. Quarterly and annual datasets report in
the month their quarter or year ends (June, September, December, March), so every
period in assure is a month and they order and compare as plain values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = _PERIOD.match(str(text).strip())
        if not match:
            raise ValueError(f"{text!r} is not a period; write it as YYYY-MM, e.g. 2024-03")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> "Period":
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> "Period":
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def months_since(self, other: "Period") -> int:
        return (self.year - other.year) * 12 + (self.month - other.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.shift(1).first_day.toordinal() - 1)

    @property
    def financial_year(self) -> str:
        """The NHS financial year (April to March) holding this month, e.g. '2023/24'."""
        start = self.year if self.month >= 4 else self.year - 1
        return f"{start}/{(start + 1) % 100:02d}"

    def is_quarter_end(self) -> bool:
        return self.month in (3, 6, 9, 12)

    def is_year_end(self) -> bool:
        return self.month == 3


def is_period(text: str) -> bool:
    return bool(_PERIOD.match(str(text).strip()))


def financial_year_end(label: str) -> Period:
    """'2023/24' -> 2024-03, the month the year's last return reports on."""
    match = _FY.match(label.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"{label!r} is not a financial year; write it as 2023/24")
    return Period(int(match.group(1)) + 1, 3)


FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


def reports_in(frequency: str, period: Period) -> bool:
    """Whether a dataset of this frequency is due for this month."""
    if frequency == "quarterly":
        return period.is_quarter_end()
    if frequency == "annual":
        return period.is_year_end()
    return True
