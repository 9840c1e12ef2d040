"""The organisation register: who may submit, which Place they belong to, and when
their ODS codes were valid (trusts merge, so a 2018 return from RQ6 is valid and a
2024 one is not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from .periods import Period

LEVEL_OF_TYPE = {"icb": "icb", "place": "place"}


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    type: str
    place: str
    valid_from: Optional[date]
    valid_to: Optional[date]
    successor: str
    roles: tuple[str, ...]
    note: str = ""

    @property
    def level(self) -> str:
        return LEVEL_OF_TYPE.get(self.type, "provider")

    def open_in(self, period: Period) -> bool:
        """Open on any day of the month: a trust that merges mid-month may still report it."""
        starts_ok = self.valid_from is None or self.valid_from <= period.last_day
        ends_ok = self.valid_to is None or self.valid_to >= period.first_day
        return starts_ok and ends_ok


@dataclass(frozen=True)
class Register:
    icb: str
    organisations: dict  # code -> Organisation

    def get(self, code: str) -> Optional[Organisation]:
        return self.organisations.get(code)

    @property
    def places(self) -> list[Organisation]:
        return sorted((o for o in self.organisations.values() if o.type == "place"), key=lambda o: o.code)

    def place_of(self, code: str) -> Optional[str]:
        org = self.get(code)
        if org is None:
            return None
        if org.type == "place":
            return org.code
        return org.place or None

    def expected(self, dataset: str, period: Period) -> list[str]:
        return sorted(o.code for o in self.organisations.values()
                      if dataset in o.roles and o.open_in(period))

    def why_invalid(self, code: str, period: Period) -> Optional[tuple[str, str]]:
        """(DQ code, message) when the code cannot submit for the period, else None."""
        org = self.get(code)
        if org is None:
            return ("DQ10", f"organisation code {code!r} is not in the organisation register")
        if org.valid_to and org.valid_to < period.first_day:
            replaced = f"; its successor is {org.successor}" if org.successor else ""
            return ("DQ11", f"{code} ({org.name}) closed on {org.valid_to.isoformat()}, "
                            f"before period {period}{replaced}")
        if org.valid_from and org.valid_from > period.last_day:
            return ("DQ11", f"{code} ({org.name}) only opened on {org.valid_from.isoformat()}, "
                            f"after period {period}")
        return None


def _date(text: str) -> Optional[date]:
    return date.fromisoformat(text) if text else None


def from_records(icb: str, records: list[dict]) -> Register:
    orgs = {}
    for r in records:
        orgs[r["code"]] = Organisation(
            code=r["code"], name=r["name"], type=r["type"], place=r.get("place", ""),
            valid_from=_date(r.get("valid_from", "")), valid_to=_date(r.get("valid_to", "")),
            successor=r.get("successor", ""), roles=tuple(r.get("roles", ())), note=r.get("note", ""),
        )
    return Register(icb=icb, organisations=orgs)
